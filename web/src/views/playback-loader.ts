// Loading a camera's range: the footage index first (what plays, the gaps and
// their reasons, on the timeline and under it), the thumbnails beside it, then
// the player, unless nothing plays; HEVC the browser cannot decode plays as
// H.264 renditions the server makes on demand.
import { api, errorMessage, type Camera, type Footage } from "../api";
import { canDecode } from "../player";
import { buildHash, replaceHash } from "../router";
import { toIso, type TimeRange } from "../time";
import { notesFromGaps } from "./gap-notes";
import { footageProblem, playbackCodec, recordedIn, timelineThumbnails } from "./playback-model";
import type { PlaybackPage } from "./playback-page";
import { destroyPlayer, startPlayer } from "./playback-player";

export const LAST_CAMERA_KEY = "vms.playbackCamera";

/** Before a load: no player, nothing known of the range, the address and the export (and hold)
 * panels on it. */
function reset(page: PlaybackPage, cam: Camera, value: TimeRange): void {
  destroyPlayer(page);
  page.recorded = [];
  page.serverGaps = [];
  page.skipped = [];
  page.messages.showGaps([], [], cam.timezone);
  page.messages.tell("playback.loading", "info");
  replaceHash(buildHash("playback", { camera: cam.id, start: toIso(value.start), end: toIso(value.end) }));
  localStorage.setItem(LAST_CAMERA_KEY, cam.id);
  page.exportPanel.setSource(cam, value);
  page.holdPanel?.setSource(cam, value);
  page.timeline.setData(null);
  page.timeline.setThumbnails([]);
}

/** What plays and what does not, on the timeline and under it. */
function showFootage(page: PlaybackPage, cam: Camera, value: TimeRange, footage: Footage): void {
  page.recorded = recordedIn(footage, value);
  page.serverGaps = notesFromGaps(footage.gaps);
  page.timeline.setData({
    camera: cam.id,
    range: value,
    tz: cam.timezone,
    recorded: page.recorded,
    gaps: page.serverGaps,
  });
  page.messages.showGaps(page.serverGaps, page.skipped, cam.timezone);
  page.timeline.setSkipped(page.skipped);
}

/** The thumbnails, for the timeline's hover (none when they cannot be had). */
function loadThumbnails(page: PlaybackPage, cam: Camera, value: TimeRange, generation: number): void {
  api
    .thumbnails(cam.id, toIso(value.start), toIso(value.end))
    .then((response) => {
      if (generation === page.loadGeneration) page.timeline.setThumbnails(timelineThumbnails(response.thumbnails));
    })
    .catch(() => undefined);
}

/** Load and play a camera's range (a later load, or leaving the page, drops this one). */
export async function load(page: PlaybackPage, cam: Camera, value: TimeRange): Promise<void> {
  const generation = ++page.loadGeneration;
  reset(page, cam, value);
  let footage: Footage;
  try {
    footage = await api.footage(cam.id, toIso(value.start), toIso(value.end));
  } catch (error) {
    if (generation === page.loadGeneration) page.messages.say(errorMessage(error));
    return;
  }
  if (generation !== page.loadGeneration || page.disposed) return;
  showFootage(page, cam, value, footage);
  loadThumbnails(page, cam, value, generation);
  const problem = footageProblem(page.recorded);
  if (problem) return page.messages.tell(problem.key, problem.kind);
  const codec = playbackCodec(footage, canDecode);
  if (codec) page.messages.tell("playback.hevcConverted", "info");
  else page.messages.say("");
  await startPlayer(page, cam, value, generation, codec);
}
