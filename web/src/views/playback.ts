// Playback page: pick a camera and a range in the site's time, play the
// recordings through hls.js, follow and steer them on the timeline, export.
// What does not play is said: the server's gaps with their reasons, and any
// segment the browser fails on, which is skipped (segment-skip.ts).
import type Hls from "hls.js";
import { api, errorMessage, notifyUnauthorized, playlistUrl, type Camera, type Footage } from "../api";
import { type SiteGroup, loadCatalog } from "../catalog";
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { canPlayHevc, createVodPlayer, isHevc } from "../player";
import { type PlaybackGuard, guardRecordedPlayback } from "../segment-skip";
import { buildHash, replaceHash } from "../router";
import {
  HOUR,
  formatTime,
  parseIso,
  rangeFromLocalInputs,
  toIso,
  zoneAbbr,
  type TimeRange,
} from "../time";
import {
  type Fragment,
  type Range,
  mediaToWallClock,
  recordedRanges,
  resolveSeekTarget,
  wallClockToMedia,
} from "../timeline";
import { createDateField, createTimeField, validateFields } from "./datetime-input";
import { createExportPanel } from "./export";
import { type GapNote, createGapNotes, formatPart, gapReason, notesFromGaps } from "./gap-notes";
import { type TimelineThumbnail, createTimelineBar } from "./timeline-bar";
import type { View } from "./view";

const LAST_CAMERA_KEY = "vms.playbackCamera";
const PLAY_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 5h4v14H6zm8 0h4v14h-4z"/></svg>';
const SPEEDS = [1, 2, 4, 8] as const;

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

/** The range a deep link asks for, or the last hour. */
export function initialRange(params: URLSearchParams, now = Date.now()): TimeRange {
  const start = parseIso(params.get("start"));
  const end = parseIso(params.get("end"));
  if (start !== null && end !== null && end > start) return { start, end };
  const last = Math.floor(now / 1000) * 1000;
  return { start: last - HOUR, end: last };
}

const playableRanges = (footage: Footage): Range[] =>
  footage.segments
    .filter((segment) => segment.status === "ok")
    .map((segment) => ({ start: parseIso(segment.start) ?? NaN, end: parseIso(segment.end) ?? NaN }));

export const mountPlayback: View = (container, context) => {
  let cameras = new Map<string, Camera>();
  let camera: Camera | null = null;
  let recorded: Range[] = [];
  let serverGaps: GapNote[] = [];
  let skipped: Range[] = [];
  let hls: Hls | null = null;
  let guard: PlaybackGuard | null = null;
  let loadGeneration = 0;
  let rate = 1;
  let disposed = false;

  const cameraSelect = h("select", { id: "camera", required: true });
  // Day-first, 24-hour text fields in the site's zone (not the browser's locale).
  const [dateField, startField, endField] = [
    createDateField("date"),
    createTimeField("start-time"),
    createTimeField("end-time"),
  ];
  const [dateInput, startInput, endInput] = [dateField.input, startField.input, endField.input];
  const zone = h("span", { class: "tz-abbr", id: "tz-abbr" });
  const loadButton = h("button", { id: "load", type: "submit", class: "primary", i18n: "playback.load" });
  const form = h(
    "form",
    { class: "pb-controls", id: "playback-form" },
    h("label", {}, h("span", { i18n: "playback.camera" }), cameraSelect),
    h("label", {}, h("span", { i18n: "playback.date" }), dateField.element),
    h("label", {}, h("span", { i18n: "playback.start" }), startField.element),
    h("label", {}, h("span", { i18n: "playback.end" }), endField.element),
    zone,
    loadButton,
  );
  const message = h("p", { id: "playback-message", class: "message", role: "status", hidden: true });
  const video = h("video", { id: "player", muted: true, playsinline: true });
  video.muted = true;
  const playPause = h("button", { type: "button", id: "play-pause", i18nLabel: "playback.play" });
  playPause.innerHTML = PLAY_ICON;
  const speedButtons = SPEEDS.map((speed) =>
    h("button", { type: "button", "data-speed": String(speed), "aria-pressed": String(speed === rate) }, `${speed}×`),
  );
  const playheadTime = h("time", { "data-testid": "playhead-time", class: "playhead-time" }, "--:--:--");
  const playheadZone = h("span", { class: "tz-abbr" });
  const timelineRoot = h("div", { id: "timeline" });
  const gapNotes = createGapNotes("playback-gaps", "playback.gapsTitle");
  const exportPanel = createExportPanel(() => dateInput.value);

  container.append(
    h(
      "div",
      { class: "playback-page" },
      form,
      message,
      h("div", { class: "player-wrap" }, video),
      h(
        "div",
        { class: "transport" },
        playPause,
        h("div", { class: "speeds", role: "group", i18nLabel: "playback.speed" }, ...speedButtons),
        h("span", { class: "playhead" }, playheadTime, " ", playheadZone),
      ),
      timelineRoot,
      gapNotes.element,
      exportPanel.element,
    ),
  );
  const timeline = createTimelineBar(timelineRoot, (time) => seekToWallClock(new Date(time)));

  const fragments = (): readonly Fragment[] => hls?.levels[0]?.details?.fragments ?? [];

  function fillInputs(value: TimeRange, tz: string): void {
    dateField.show(value.start, tz);
    startField.show(value.start, tz);
    endField.show(value.end, tz);
  }

  function selectCamera(id: string): void {
    camera = cameras.get(id) ?? null;
    cameraSelect.value = camera?.id ?? "";
    const abbr = camera ? zoneAbbr(camera.timezone) : "";
    zone.textContent = abbr;
    zone.title = camera?.timezone ?? "";
    playheadZone.textContent = abbr;
  }

  function play(): void {
    video.playbackRate = rate;
    video.play().catch(() => undefined);
  }

  function updatePlayhead(): void {
    if (!camera || !hls) return;
    const wall = mediaToWallClock(video.currentTime, fragments()) ?? hls.playingDate?.getTime() ?? null;
    timeline.setPlayhead(wall);
    if (wall !== null) {
      playheadTime.textContent = formatTime(wall, camera.timezone);
      playheadTime.dateTime = new Date(wall).toISOString();
    }
  }

  function seekToWallClock(date: Date): void {
    if (!hls) return;
    const target = resolveSeekTarget(date.getTime(), recorded);
    if (target === null) {
      showMessage(message, t("playback.noLaterRecording"), "info");
      return;
    }
    const media = wallClockToMedia(target, fragments());
    if (media === null) return;
    showMessage(message, "");
    video.currentTime = media;
    timeline.setPlayhead(target);
    if (video.paused) play();
  }

  function showGaps(tz: string): void {
    const skippedNotes = skipped.map((part) => ({ ...part, reason: "skipped", detail: null }));
    gapNotes.set([...serverGaps, ...skippedNotes], tz);
    timeline.setSkipped(skipped);
  }

  function onSkip(cam: Camera, part: Range | null): void {
    if (part) {
      skipped.push(part);
      showGaps(cam.timezone);
    }
    const range = part ? formatPart(part.start, part.end, cam.timezone) : "";
    showMessage(message, t("playback.skipped", { range, reason: gapReason("skipped") }), "info");
  }

  function destroyPlayer(): void {
    guard?.detach();
    guard = null;
    hls?.destroy();
    hls = null;
    if (window.__vms?.video === video) delete window.__vms;
    video.removeAttribute("src");
    playheadTime.textContent = "--:--:--";
    playheadTime.removeAttribute("datetime");
  }

  async function startPlayer(cam: Camera, value: TimeRange, generation: number): Promise<void> {
    const created = await createVodPlayer();
    if (generation !== loadGeneration || disposed) {
      created?.hls.destroy();
      return;
    }
    if (!created) {
      showMessage(message, t("playback.unsupported"));
      return;
    }
    const { HlsImpl, hls: player } = created;
    hls = player;
    guard = guardRecordedPlayback(player, HlsImpl, video, {
      onSkip: (part) => onSkip(cam, part),
      onEnd: () => showMessage(message, t("playback.ended"), "info"),
    });
    const skipper = guard;
    let recovered = false;
    const begin = (list: readonly Fragment[]): void => {
      const target = resolveSeekTarget(value.start, recorded) ?? value.start;
      const media = wallClockToMedia(target, list) ?? 0;
      player.startLoad(media);
      video.currentTime = media;
      play();
    };
    player.once(HlsImpl.Events.MANIFEST_PARSED, () => {
      const details = player.levels[0]?.details;
      if (details) begin(details.fragments);
      else {
        player.once(HlsImpl.Events.LEVEL_LOADED, (_event, data) => begin(data.details.fragments));
        player.startLoad();
      }
    });
    player.on(HlsImpl.Events.ERROR, (_event, data) => {
      if (skipper.handle(data)) return; // one segment failed: it is skipped
      if (!data.fatal) return;
      if (data.type === HlsImpl.ErrorTypes.MEDIA_ERROR && !recovered) {
        recovered = true;
        player.recoverMediaError();
        return;
      }
      const status = data.response?.code;
      if (status === 401) notifyUnauthorized();
      else if (status === 404) showMessage(message, t("playback.noFootage"));
      else showMessage(message, t("playback.playerError", { detail: data.details }));
    });
    // The playlist is loaded once the media element is attached: a cached playlist
    // can otherwise be parsed first, and seeking and play() on a detached element
    // are lost (a quick second "Show" left the video paused at 0).
    player.once(HlsImpl.Events.MEDIA_ATTACHED, () => {
      player.loadSource(playlistUrl(cam.id, toIso(value.start), toIso(value.end)));
    });
    player.attachMedia(video);
    window.__vms = { hls: player, video, seekToWallClock };
  }

  async function load(cam: Camera, value: TimeRange): Promise<void> {
    const generation = ++loadGeneration;
    destroyPlayer();
    recorded = [];
    serverGaps = [];
    skipped = [];
    gapNotes.set([], cam.timezone);
    showMessage(message, t("playback.loading"), "info");
    replaceHash(buildHash("playback", { camera: cam.id, start: toIso(value.start), end: toIso(value.end) }));
    localStorage.setItem(LAST_CAMERA_KEY, cam.id);
    exportPanel.setSource(cam, value);
    timeline.setData(null);
    timeline.setThumbnails([]);
    const start = toIso(value.start);
    const end = toIso(value.end);
    let footage: Footage;
    try {
      footage = await api.footage(cam.id, start, end);
    } catch (error) {
      if (generation === loadGeneration) showMessage(message, errorMessage(error));
      return;
    }
    if (generation !== loadGeneration || disposed) return;
    recorded = recordedRanges(playableRanges(footage), value.start, value.end);
    serverGaps = notesFromGaps(footage.gaps);
    timeline.setData({ range: value, tz: cam.timezone, recorded, gaps: serverGaps });
    showGaps(cam.timezone);
    api
      .thumbnails(cam.id, start, end)
      .then((response) => {
        if (generation !== loadGeneration) return;
        const thumbnails: TimelineThumbnail[] = response.thumbnails
          .map((thumb) => ({ time: parseIso(thumb.time) ?? NaN, url: thumb.url }))
          .filter((thumb) => Number.isFinite(thumb.time))
          .sort((a, b) => a.time - b.time);
        timeline.setThumbnails(thumbnails);
      })
      .catch(() => undefined);
    if (!recorded.length) {
      showMessage(message, t("playback.noFootage"), "info");
      return;
    }
    const hevc = footage.segments.some((segment) => segment.status === "ok" && isHevc(segment.codec));
    if (hevc && !canPlayHevc()) {
      showMessage(message, t("playback.hevcUnsupported"));
      return;
    }
    showMessage(message, "");
    await startPlayer(cam, value, generation);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!camera) {
      showMessage(message, t("playback.chooseCamera"));
      return;
    }
    if (!validateFields([dateField, startField, endField])) return; // each says why
    const value = rangeFromLocalInputs(dateInput.value, startInput.value, endInput.value, camera.timezone);
    if (!value) {
      showMessage(message, t("playback.invalidRange"));
      return;
    }
    void load(camera, value);
  });
  cameraSelect.addEventListener("change", () => {
    selectCamera(cameraSelect.value);
    if (camera) {
      exportPanel.setSource(
        camera,
        rangeFromLocalInputs(dateInput.value, startInput.value, endInput.value, camera.timezone),
      );
    }
  });
  playPause.addEventListener("click", () => (video.paused ? play() : video.pause()));
  for (const button of speedButtons) {
    button.addEventListener("click", () => {
      rate = Number(button.dataset.speed);
      video.playbackRate = rate;
      for (const other of speedButtons) other.setAttribute("aria-pressed", String(other === button));
    });
  }
  const syncPlayPause = (): void => {
    const key = video.paused ? "playback.play" : "playback.pause";
    playPause.innerHTML = video.paused ? PLAY_ICON : PAUSE_ICON;
    playPause.dataset.i18nLabel = key;
    playPause.setAttribute("aria-label", t(key));
  };
  video.addEventListener("play", syncPlayPause);
  video.addEventListener("pause", syncPlayPause);
  video.addEventListener("timeupdate", updatePlayhead);
  video.addEventListener("seeked", updatePlayhead);
  video.addEventListener("playing", updatePlayhead);
  video.addEventListener("ended", () => showMessage(message, t("playback.ended"), "info"));

  function renderCameraOptions(groups: SiteGroup[]): void {
    cameraSelect.replaceChildren(
      ...groups.map((group) =>
        h(
          "optgroup",
          { label: `${group.site.name} (${zoneAbbr(group.site.timezone)})`, "data-site": group.site.id },
          ...group.cameras.map((cam) => h("option", { value: cam.id }, cam.name)),
        ),
      ),
    );
  }

  loadCatalog()
    .then((groups) => {
      if (disposed) return;
      cameras = new Map(groups.flatMap((group) => group.cameras).map((cam) => [cam.id, cam]));
      renderCameraOptions(groups);
      const { params } = context.route;
      const requested = params.get("camera");
      const stored = localStorage.getItem(LAST_CAMERA_KEY);
      const firstId = groups[0]?.cameras[0]?.id ?? "";
      selectCamera(requested && cameras.has(requested) ? requested : stored && cameras.has(stored) ? stored : firstId);
      const initial = initialRange(params);
      if (camera) {
        fillInputs(initial, camera.timezone);
        exportPanel.setSource(camera, initial);
      }
      if (requested && !cameras.has(requested)) showMessage(message, t("playback.unknownCamera", { camera: requested }));
      else if (requested && camera) void load(camera, initial);
      else if (!camera) showMessage(message, t("playback.noCameras"), "info");
      if (context.route.name === "export") exportPanel.element.scrollIntoView();
    })
    .catch((error: unknown) => {
      if (!disposed) showMessage(message, errorMessage(error));
    });

  const offLang = onLangChange(() => {
    syncPlayPause();
    updatePlayhead();
  });

  return () => {
    disposed = true;
    loadGeneration++;
    offLang();
    destroyPlayer();
    timeline.destroy();
    gapNotes.destroy();
    exportPanel.destroy();
    for (const field of [dateField, startField, endField]) field.destroy();
  };
};
