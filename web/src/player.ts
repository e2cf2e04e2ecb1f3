// hls.js set-up for live tiles and recorded playback. hls.js (light build) is
// loaded on first use so the login page stays small.
import type Hls from "hls.js";
import type { HlsConfig } from "hls.js";
import { needsAuthorization } from "./api";
import { getToken } from "./auth";

export type HlsClass = typeof Hls;

let hlsModule: Promise<HlsClass> | null = null;

export function loadHls(): Promise<HlsClass> {
  hlsModule ??= import("hls.js/light").then((module) => module.default);
  return hlsModule;
}

/** Adds the bearer token to the API's own requests only, never to signed (S3) URLs. */
function xhrSetup(xhr: XMLHttpRequest, url: string): void {
  const token = getToken();
  if (!token || !needsAuthorization(url)) return;
  xhr.open("GET", url, true);
  xhr.setRequestHeader("Authorization", `Bearer ${token}`);
}

/**
 * The relay starts a camera on the playlist's first request and answers 503
 * (Retry-After) until its first fragment exists, typically 2-4 s: retry that
 * every half second for up to ~10 s before calling it fatal.
 */
const RELAY_START_RETRY = {
  maxNumRetry: 16,
  retryDelayMs: 500,
  maxRetryDelayMs: 1000,
};

/**
 * The relay cuts ~1 s fragments and lists each ~0.3 s after its last frame
 * (bench/live_latency.py). Playing 1.5 s behind the newest listed frame keeps
 * glass-to-browser under 3 s with 1.5 s of buffer for the next poll and fetch;
 * beyond 4 s behind (a stall on a slow uplink) hls.js jumps back to that point,
 * and in between it catches up at up to 1.5x.
 */
export const LIVE_CONFIG: Partial<HlsConfig> = {
  lowLatencyMode: true,
  liveSyncDuration: 1.5,
  liveMaxLatencyDuration: 4,
  maxLiveSyncPlaybackRate: 1.5,
  backBufferLength: 4,
  maxBufferLength: 8,
  manifestLoadPolicy: {
    default: {
      maxTimeToFirstByteMs: 10_000,
      maxLoadTimeMs: 20_000,
      timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
      errorRetry: RELAY_START_RETRY,
    },
  },
  xhrSetup,
};

/**
 * A recorded segment that fails to load is retried twice within ~1.5 s, then
 * skipped (segment-skip.ts); hls.js's default retries for ~30 s, on a black
 * picture. A 4xx (deleted, link expired) is not retried at all.
 */
export const VOD_FRAG_LOAD_RETRY = { maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 1000 };

export const VOD_CONFIG: Partial<HlsConfig> = {
  autoStartLoad: false,
  backBufferLength: 60,
  maxBufferLength: 30,
  fragLoadPolicy: {
    default: {
      maxTimeToFirstByteMs: 10_000,
      maxLoadTimeMs: 120_000,
      timeoutRetry: { maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0 },
      errorRetry: VOD_FRAG_LOAD_RETRY,
    },
  },
  xhrSetup,
};

const playMuted = (video: HTMLVideoElement): void => {
  video.muted = true;
  video.play().catch(() => undefined);
};

/**
 * Play a live HLS URL in a video element. `onFatal` gets the hls.js error
 * detail of an unrecoverable error (the caller reconnects). Returns a stop function.
 */
export async function playLive(
  video: HTMLVideoElement,
  url: string,
  onFatal: (detail: string) => void,
): Promise<() => void> {
  const HlsImpl = await loadHls();
  if (!HlsImpl.isSupported()) {
    if (!video.canPlayType("application/vnd.apple.mpegurl")) {
      onFatal("unsupported");
      return () => undefined;
    }
    video.src = url;
    playMuted(video);
    return () => {
      video.removeAttribute("src");
      video.load();
    };
  }
  const hls = new HlsImpl(LIVE_CONFIG);
  let recoveredMediaError = false;
  hls.on(HlsImpl.Events.MANIFEST_PARSED, () => playMuted(video));
  hls.on(HlsImpl.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (data.type === HlsImpl.ErrorTypes.MEDIA_ERROR && !recoveredMediaError) {
      recoveredMediaError = true;
      hls.recoverMediaError();
      return;
    }
    onFatal(data.details);
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  return () => hls.destroy();
}

/**
 * A recorded-playback hls.js instance (null where Media Source Extensions are
 * missing); the caller starts loading at the wanted position.
 */
export async function createVodPlayer(): Promise<{ HlsImpl: HlsClass; hls: Hls } | null> {
  const HlsImpl = await loadHls();
  return HlsImpl.isSupported() ? { HlsImpl, hls: new HlsImpl(VOD_CONFIG) } : null;
}

export function isHevc(codec: string): boolean {
  return /^(hevc|h\.?265|hvc1|hev1)/i.test(codec.trim());
}

/**
 * The Media Source type of HEVC video of this height: Main profile at the level
 * a camera uses for it (3.1 up to 576 lines, 4 up to 1080, 5.1 up to 2160, else 6).
 */
export function hevcType(height: number): string {
  const level = height <= 576 ? 93 : height <= 1080 ? 120 : height <= 2160 ? 153 : 180;
  return `video/mp4; codecs="hvc1.1.6.L${level}.90"`;
}

/** Whether Media Source Extensions here can decode this type (false without MSE). */
export function canDecode(type: string): boolean {
  const source =
    (globalThis as { ManagedMediaSource?: typeof MediaSource }).ManagedMediaSource ??
    globalThis.MediaSource;
  return source ? source.isTypeSupported(type) : false;
}
