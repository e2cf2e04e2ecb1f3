// Recorded playback goes past a segment the browser cannot play. The server
// leaves out segments it knows are bad (they are gaps with a reason), but a file
// may still fail here: its bytes rotted or were replaced after ingest, a link
// expired, a codec is refused. hls.js (1.7.4) then retries that fragment for
// ever or resets the media source and starts again at 0, and the picture stays
// black. Instead, a fragment that fails to load, parse or be appended is marked
// as an EXT-X-GAP fragment (hls.js never loads those and skips over them), the
// playhead moves to the next fragment that plays, and the page is told which
// wall-clock part was skipped.
import type Hls from "hls.js";
import type { HlsClass } from "./player";

/** The subset of an hls.js fragment the decisions need. */
export interface SkipFragment {
  sn: number | string;
  start: number;
  duration: number;
  programDateTime: number | null;
}

/** The subset of hls.js error data the decisions need. */
export interface PlayerError {
  type: string;
  details: string;
  fatal: boolean;
  frag?: { sn: number | string; type: string } | null;
  /** What hls.js will do about it (set before the page's listeners run). */
  errorAction?: { action: number } | null;
}

/** hls.js NetworkErrorAction.RetryRequest (a const enum, so not importable): it tries again. */
const HLS_RETRY_REQUEST = 5;

/** Error details that mean this fragment cannot be played here. */
const FRAGMENT_FAILURES = new Set([
  "fragLoadError",
  "fragLoadTimeOut",
  "fragParsingError",
  "fragDecryptError",
  "bufferAppendError",
  "bufferAddCodecError",
  "mediaSourceRequiresReset",
  "remuxAllocError",
]);
/** Errors after which the media element needs a new MediaSource (hls.js recoverMediaError). */
const SOURCE_FAILURES = new Set(["bufferAppendError", "mediaSourceRequiresReset", "bufferAddCodecError"]);

const contains = (f: SkipFragment, position: number, lead: number): boolean =>
  position >= f.start - lead && position < f.start + f.duration;

/**
 * The media fragment an error is about: the failed fragment of the main playlist
 * itself, or, for a fatal media error that names none, the one at the playhead.
 * Null for errors that concern no single fragment (the playlist, a stall).
 */
export function failedFragment<F extends SkipFragment>(
  error: PlayerError,
  fragments: readonly F[],
  playhead: number,
): F | null {
  const { frag } = error;
  if (!error.fatal && error.errorAction?.action === HLS_RETRY_REQUEST) return null; // a 5xx, a timeout
  if (frag) {
    if (frag.type !== "main" || typeof frag.sn !== "number" || !FRAGMENT_FAILURES.has(error.details)) return null;
    return fragments.find((f) => f.sn === frag.sn) ?? null;
  }
  if (!error.fatal || error.type !== "mediaError") return null;
  return fragments.find((f) => contains(f, playhead, 0)) ?? null;
}

export function needsMediaReset(error: PlayerError): boolean {
  return SOURCE_FAILURES.has(error.details) || (error.fatal && error.type === "mediaError");
}

/**
 * Where a playhead at `position` (s) must go: the start of the first fragment
 * after the skipped one it is in that is not skipped; "end" when none is left;
 * null when it is on footage that plays. `lead` (s) also counts a playhead that
 * stalled just before a skipped fragment (the end of the buffer before it).
 */
export function skipTarget(
  position: number,
  fragments: readonly SkipFragment[],
  isSkipped: (fragment: SkipFragment) => boolean,
  lead = 0,
): number | "end" | null {
  const ordered = [...fragments].sort((a, b) => a.start - b.start);
  const index = ordered.findIndex((f) => contains(f, position, lead) && isSkipped(f));
  if (index < 0) return null;
  const next = ordered.slice(index + 1).find((f) => !isSkipped(f));
  return next ? next.start : "end";
}

/** The wall-clock part a fragment shows (epoch ms), from its EXT-X-PROGRAM-DATE-TIME. */
export function skippedPart(fragment: SkipFragment): { start: number; end: number } | null {
  if (fragment.programDateTime === null) return null;
  return { start: fragment.programDateTime, end: fragment.programDateTime + fragment.duration * 1000 };
}

export interface SkipHooks {
  /** A fragment was given up on: its wall-clock part (null without a PDT). */
  onSkip(part: { start: number; end: number } | null, error: string): void;
  /** Nothing after the skipped part plays: playback is over. */
  onEnd(): void;
}

type HlsFragment = SkipFragment & { gap?: boolean; tagList: string[][] };

export interface PlaybackGuard {
  /** Skip the fragment an hls.js error is about; false when it is about none. */
  handle(error: PlayerError): boolean;
  detach(): void;
}

/** Moves the playhead to a media time (loading from there), or ends playback. */
function playheadMover(hls: Hls, video: HTMLVideoElement, hooks: SkipHooks): (position: number | "end") => void {
  return (position) => {
    if (position === "end") {
      video.pause();
      hooks.onEnd();
      return;
    }
    hls.startLoad(position);
    video.currentTime = position;
    if (video.paused) video.play().catch(() => undefined);
  };
}

/** Watch `hls` playing into `video` and move the playhead past what is skipped. */
export function guardRecordedPlayback(
  hls: Hls,
  HlsImpl: HlsClass,
  video: HTMLVideoElement,
  hooks: SkipHooks,
): PlaybackGuard {
  const skipped = new Set<number | string>();
  let lastPlayed = 0; // the playhead before a failing source buffer reset it to 0
  const fragments = (): readonly HlsFragment[] => (hls.levels[0]?.details?.fragments ?? []) as HlsFragment[];
  const isSkipped = (f: SkipFragment): boolean => skipped.has(f.sn);

  const moveTo = playheadMover(hls, video, hooks);
  const check = (lead: number): void => {
    const target = skipTarget(video.currentTime, fragments(), isSkipped, lead);
    if (target !== null) moveTo(target);
  };

  const onTimeUpdate = (): void => {
    if (video.readyState >= 2) lastPlayed = video.currentTime;
    check(0);
  };
  const onWaiting = (): void => check(0.5);
  video.addEventListener("timeupdate", onTimeUpdate);
  video.addEventListener("waiting", onWaiting);
  hls.on(HlsImpl.Events.ERROR, (_event, data) => {
    if (data.details === HlsImpl.ErrorDetails.BUFFER_STALLED_ERROR) check(0.5);
  });

  const handle = (error: PlayerError): boolean => {
    const playhead = Math.max(video.currentTime, lastPlayed);
    const fragment = failedFragment(error, fragments(), playhead);
    if (!fragment) return false;
    if (!skipped.has(fragment.sn)) {
      skipped.add(fragment.sn);
      fragment.gap = true; // hls.js loads a fragment with a GAP tag never again
      if (!fragment.tagList.some((tag) => tag[0] === "GAP")) fragment.tagList.push(["GAP"]);
      hooks.onSkip(skippedPart(fragment), error.details);
    }
    const resume = skipTarget(playhead, fragments(), isSkipped) ?? playhead;
    if (needsMediaReset(error)) {
      // hls.js resets a failed source buffer itself unless the error is fatal
      if (error.fatal) hls.recoverMediaError();
      hls.once(HlsImpl.Events.MEDIA_ATTACHED, () => moveTo(resume));
    } else if (error.fatal || resume !== playhead) {
      moveTo(resume);
    }
    return true;
  };
  const detach = (): void => {
    video.removeEventListener("timeupdate", onTimeUpdate);
    video.removeEventListener("waiting", onWaiting);
  };
  return { handle, detach };
}
