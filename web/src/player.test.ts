import { describe, expect, it, vi } from "vitest";
import { LIVE_CONFIG, VOD_CONFIG, VOD_FRAG_LOAD_RETRY, canDecode, hevcType, isHevc } from "./player";

describe("player", () => {
  it("recognises HEVC codec names", () => {
    for (const codec of ["hevc", "HEVC", "h265", "H.265", "hvc1.1.6.L120.90", "hev1"]) expect(isHevc(codec), codec).toBe(true);
    for (const codec of ["h264", "avc1.64001f", "", "mjpeg"]) expect(isHevc(codec), codec).toBe(false);
  });

  it("names HEVC at the level its height needs, and asks Media Source Extensions", () => {
    expect(hevcType(360)).toBe('video/mp4; codecs="hvc1.1.6.L93.90"');
    expect(hevcType(1080)).toBe('video/mp4; codecs="hvc1.1.6.L120.90"');
    expect(hevcType(2160)).toBe('video/mp4; codecs="hvc1.1.6.L153.90"');
    const asked: string[] = [];
    const source = { isTypeSupported: (type: string) => (asked.push(type), type.includes("avc1")) };
    vi.stubGlobal("MediaSource", source);
    try {
      expect(canDecode(hevcType(1080))).toBe(false);
      expect(canDecode('video/mp4; codecs="avc1.64001f"')).toBe(true);
      expect(asked).toHaveLength(2);
      vi.stubGlobal("MediaSource", undefined);
      expect(canDecode('video/mp4; codecs="avc1.64001f"')).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("tunes live tiles for low latency", () => {
    expect(LIVE_CONFIG).toMatchObject({
      lowLatencyMode: true,
      liveSyncDuration: 1.5,
      liveMaxLatencyDuration: 4,
      maxLiveSyncPlaybackRate: 1.5,
    });
    // hls.js refuses the *Count forms mixed with the duration forms
    expect(LIVE_CONFIG.liveSyncDurationCount).toBeUndefined();
    expect(LIVE_CONFIG.backBufferLength).toBeLessThanOrEqual(10);
  });

  it("waits out the relay's start (503 + Retry-After) before giving up on a live playlist", () => {
    const retry = LIVE_CONFIG.manifestLoadPolicy?.default.errorRetry;
    expect(retry).toBeTruthy();
    if (!retry) return;
    // hls.js doubles the delay up to the cap: the total wait must cover a cold start (<= 5 s target).
    let waited = 0;
    for (let attempt = 0; attempt < retry.maxNumRetry; attempt += 1) {
      waited += Math.min(retry.retryDelayMs * 2 ** attempt, retry.maxRetryDelayMs);
    }
    expect(waited).toBeGreaterThanOrEqual(8_000);
    expect(retry.retryDelayMs).toBeLessThanOrEqual(500); // a started stream is picked up quickly
  });

  it("retries a recorded segment that fails a little, then skips it", () => {
    expect(VOD_CONFIG.fragLoadPolicy?.default.errorRetry).toBe(VOD_FRAG_LOAD_RETRY);
    let waited = 0;
    for (let attempt = 0; attempt < VOD_FRAG_LOAD_RETRY.maxNumRetry; attempt += 1) {
      waited += Math.min(VOD_FRAG_LOAD_RETRY.retryDelayMs * 2 ** attempt, VOD_FRAG_LOAD_RETRY.maxRetryDelayMs);
    }
    expect(waited).toBeLessThanOrEqual(3_000);
    expect(VOD_FRAG_LOAD_RETRY.maxNumRetry).toBeGreaterThanOrEqual(1);
  });

  it("lets playback choose where loading starts", () => {
    expect(VOD_CONFIG.autoStartLoad).toBe(false);
    expect(typeof VOD_CONFIG.xhrSetup).toBe("function");
  });
});
