// The page's player for one loaded range: hls.js started where the range's first
// recording is, a segment that fails skipped (segment-skip.ts), a media error
// recovered once; the playhead followed in wall-clock time and moved on a seek.
import type Hls from "hls.js";
import type { ErrorData } from "hls.js";
import { notifyUnauthorized, playlistUrl, type Camera } from "../api";
import { createVodPlayer, type HlsClass } from "../player";
import { type PlaybackGuard, guardRecordedPlayback } from "../segment-skip";
import { toIso, type TimeRange } from "../time";
import { type Fragment, type Range, mediaToWallClock, resolveSeekTarget, wallClockToMedia } from "../timeline";
import type { PlaybackPage } from "./playback-page";
import { playerErrorMessage } from "./playback-model";

/** What the page offers end-to-end tests (window.__vms) while a player exists. */
export interface VmsTestHooks {
  hls: Hls;
  video: HTMLVideoElement;
  seekToWallClock(date: Date): void;
}

declare global {
  interface Window {
    __vms?: VmsTestHooks;
  }
}

const fragments = (page: PlaybackPage): readonly Fragment[] => page.hls?.levels[0]?.details?.fragments ?? [];

/** The playhead on the timeline and under the player, from the video's time. */
export function updatePlayhead(page: PlaybackPage): void {
  const { camera, hls, transport } = page;
  if (!camera || !hls) return;
  const wall = mediaToWallClock(transport.video.currentTime, fragments(page)) ?? hls.playingDate?.getTime() ?? null;
  page.timeline.setPlayhead(wall);
  if (wall !== null) transport.showPlayhead(wall, camera.timezone);
}

/** Play from a wall-clock time, or from the next recording after it. */
export function seekToWallClock(page: PlaybackPage, date: Date): void {
  const { transport, messages } = page;
  if (!page.hls) return;
  const target = resolveSeekTarget(date.getTime(), page.recorded);
  if (target === null) return messages.tell("playback.noLaterRecording", "info");
  const media = wallClockToMedia(target, fragments(page));
  if (media === null) return;
  messages.say("");
  transport.video.currentTime = media;
  page.timeline.setPlayhead(target);
  if (transport.video.paused) transport.play();
}

export function destroyPlayer(page: PlaybackPage): void {
  const { video } = page.transport;
  page.guard?.detach();
  page.guard = null;
  page.hls?.destroy();
  page.hls = null;
  if (window.__vms?.video === video) delete window.__vms;
  video.removeAttribute("src");
  page.transport.clearPlayhead();
}

function onSkip(page: PlaybackPage, cam: Camera, part: Range | null): void {
  if (part) {
    page.skipped.push(part);
    page.messages.showGaps(page.serverGaps, page.skipped, cam.timezone);
    page.timeline.setSkipped(page.skipped);
  }
  page.messages.skipped(part, cam.timezone);
}

type Created = { HlsImpl: HlsClass; hls: Hls };

/** Skip a failing segment, recover a media error once, else say what failed. */
function errorHandler(page: PlaybackPage, created: Created, guard: PlaybackGuard): (data: ErrorData) => void {
  const { HlsImpl, hls: player } = created;
  let recovered = false;
  return (data) => {
    if (guard.handle(data)) return; // one segment failed: it is skipped
    if (!data.fatal) return;
    if (data.type === HlsImpl.ErrorTypes.MEDIA_ERROR && !recovered) {
      recovered = true;
      player.recoverMediaError();
      return;
    }
    const text = playerErrorMessage(data.response?.code, data.details);
    if (text === null) notifyUnauthorized();
    else page.messages.say(text);
  };
}

/** Starts loading at the range's start (or its first recording after it) and plays. */
function beginAt(page: PlaybackPage, player: Hls, value: TimeRange, list: readonly Fragment[]): void {
  const target = resolveSeekTarget(value.start, page.recorded) ?? value.start;
  const media = wallClockToMedia(target, list) ?? 0;
  player.startLoad(media);
  page.transport.video.currentTime = media;
  page.transport.play();
}

/** hls.js for the range: the skipping guard, the start, the errors, the playlist once attached. */
function playRecording(
  page: PlaybackPage,
  cam: Camera,
  value: TimeRange,
  created: Created,
  codec: string | null,
): void {
  const { HlsImpl, hls: player } = created;
  const { video } = page.transport;
  const guard = guardRecordedPlayback(player, HlsImpl, video, {
    onSkip: (part) => onSkip(page, cam, part),
    onEnd: () => page.messages.tell("playback.ended", "info"),
  });
  page.guard = guard;
  player.once(HlsImpl.Events.MANIFEST_PARSED, () => {
    const details = player.levels[0]?.details;
    if (details) beginAt(page, player, value, details.fragments);
    else {
      player.once(HlsImpl.Events.LEVEL_LOADED, (_event, data) =>
        beginAt(page, player, value, data.details.fragments),
      );
      player.startLoad();
    }
  });
  const onError = errorHandler(page, created, guard);
  player.on(HlsImpl.Events.ERROR, (_event, data) => onError(data));
  // The playlist is loaded once the media element is attached: a cached playlist
  // can otherwise be parsed first, and seeking and play() on a detached element
  // are lost (a quick second "Show" left the video paused at 0).
  player.once(HlsImpl.Events.MEDIA_ATTACHED, () => {
    player.loadSource(playlistUrl(cam.id, toIso(value.start), toIso(value.end), codec));
  });
  player.attachMedia(video);
}

/**
 * Plays the camera's range, unless another load came since (`generation`) or the
 * page left; `codec`: what to ask the playlist for (playback-model's playbackCodec).
 */
export async function startPlayer(
  page: PlaybackPage,
  cam: Camera,
  value: TimeRange,
  generation: number,
  codec: string | null = null,
): Promise<void> {
  const created = await createVodPlayer();
  if (generation !== page.loadGeneration || page.disposed) {
    created?.hls.destroy();
    return;
  }
  if (!created) return page.messages.tell("playback.unsupported");
  page.hls = created.hls;
  playRecording(page, cam, value, created, codec);
  const seek = (date: Date): void => seekToWallClock(page, date);
  window.__vms = { hls: created.hls, video: page.transport.video, seekToWallClock: seek };
}
