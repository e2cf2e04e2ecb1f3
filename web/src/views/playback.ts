// Playback page: pick a camera and a range in the site's time, play the
// recordings through hls.js, follow and steer them on the timeline, export; an
// admin also holds a range as evidence and releases holds (hold-panel.ts).
// What does not play is said: the server's gaps with their reasons, and any
// segment the browser fails on, which is skipped (segment-skip.ts).
// Its parts: playback-page.ts (what the page holds), playback-form.ts,
// playback-transport.ts (the player's controls), playback-messages.ts,
// playback-loader.ts (footage, then the player), playback-player.ts (hls.js),
// and the decisions in playback-model.ts.
import { errorMessage } from "../api";
import { type SiteGroup, loadCatalog } from "../catalog";
import { onLangChange, t } from "../i18n";
import { zoneAbbr } from "../time";
import { canManageHolds } from "./hold-model";
import { LAST_CAMERA_KEY, load } from "./playback-loader";
import { initialRange, startCamera } from "./playback-model";
import { type PlaybackPage, createPlaybackPage } from "./playback-page";
import { destroyPlayer, seekToWallClock, updatePlayhead } from "./playback-player";
import type { View, ViewContext } from "./view";

export { initialRange } from "./playback-model";
export type { VmsTestHooks } from "./playback-player";

function selectCamera(page: PlaybackPage, id: string): void {
  page.camera = page.cameras.get(id) ?? null;
  page.form.showCamera(page.camera);
  page.transport.setZone(page.camera ? zoneAbbr(page.camera.timezone) : "");
}

/** "Show": the range the form says, for the camera chosen. */
function submit(page: PlaybackPage): void {
  const { camera, form, messages } = page;
  if (!camera) return messages.tell("playback.chooseCamera");
  if (!form.validate()) return; // each field says why
  const value = form.range(camera.timezone);
  if (!value) return messages.tell("playback.invalidRange");
  void load(page, camera, value);
}

function bindControls(page: PlaybackPage): void {
  const { form, transport } = page;
  form.element.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(page);
  });
  form.select.addEventListener("change", () => {
    selectCamera(page, form.select.value);
    if (!page.camera) return;
    const range = form.range(page.camera.timezone);
    page.exportPanel.setSource(page.camera, range);
    page.holdPanel?.setSource(page.camera, range);
  });
  const { video } = transport;
  for (const event of ["timeupdate", "seeked", "playing"]) video.addEventListener(event, () => updatePlayhead(page));
  video.addEventListener("ended", () => page.messages.tell("playback.ended", "info"));
}

/** The cameras are known: the one asked for (or used last, or the first), and its range played
 * when a link asked for it. */
function start(page: PlaybackPage, groups: SiteGroup[], context: ViewContext): void {
  page.cameras = new Map(groups.flatMap((group) => group.cameras).map((cam) => [cam.id, cam]));
  page.form.setCameras(groups);
  const { params } = context.route;
  const requested = params.get("camera");
  selectCamera(page, startCamera(page.cameras, requested, localStorage.getItem(LAST_CAMERA_KEY)));
  const initial = initialRange(params);
  const { camera, messages } = page;
  if (camera) {
    page.form.fill(initial, camera.timezone);
    page.exportPanel.setSource(camera, initial);
    page.holdPanel?.setSource(camera, initial);
  }
  if (requested && !page.cameras.has(requested)) messages.say(t("playback.unknownCamera", { camera: requested }));
  else if (requested && camera) void load(page, camera, initial);
  else if (!camera) messages.tell("playback.noCameras", "info");
  if (context.route.name === "export") page.exportPanel.element.scrollIntoView();
}

export const mountPlayback: View = (container, context) => {
  const seek = (time: number): void => seekToWallClock(page, new Date(time));
  const page: PlaybackPage = createPlaybackPage(container, seek, canManageHolds(context.user));
  bindControls(page);
  loadCatalog()
    .then((groups) => {
      if (!page.disposed) start(page, groups, context);
    })
    .catch((error: unknown) => {
      if (!page.disposed) page.messages.say(errorMessage(error));
    });
  const offLang = onLangChange(() => {
    page.transport.sync();
    updatePlayhead(page);
  });
  return () => {
    page.disposed = true;
    page.loadGeneration++;
    offLang();
    destroyPlayer(page);
    page.timeline.destroy();
    page.messages.destroy();
    page.exportPanel.destroy();
    page.holdPanel?.destroy();
    page.form.destroy();
  };
};
