// The player and its controls: the video, play / pause, the speeds, and the
// playhead's time in the site's zone.
import { h } from "../dom";
import { t } from "../i18n";
import { formatTime } from "../time";

const PLAY_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5v14l11-7z"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 5h4v14H6zm8 0h4v14h-4z"/></svg>';
const SPEEDS = [1, 2, 4, 8] as const;

export interface Transport {
  readonly video: HTMLVideoElement;
  /** The video's frame. */
  readonly player: HTMLElement;
  /** Play / pause, the speeds and the playhead's time. */
  readonly controls: HTMLElement;
  /** Play at the chosen speed. */
  play(): void;
  /** Show play or pause as the video is paused or playing (in the page's language). */
  sync(): void;
  showPlayhead(wall: number, tz: string): void;
  clearPlayhead(): void;
  setZone(abbr: string): void;
}

function speedButtons(select: (speed: number) => void): HTMLButtonElement[] {
  const buttons = SPEEDS.map((speed) =>
    h("button", { type: "button", "data-speed": String(speed), "aria-pressed": String(speed === 1) }, `${speed}×`),
  );
  for (const button of buttons) {
    button.addEventListener("click", () => {
      select(Number(button.dataset.speed));
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
    });
  }
  return buttons;
}

export function createTransport(): Transport {
  let rate = 1;
  const video = h("video", { id: "player", muted: true, playsinline: true });
  video.muted = true;
  const playPause = h("button", { type: "button", id: "play-pause", i18nLabel: "playback.play" });
  playPause.innerHTML = PLAY_ICON;
  const speeds = speedButtons((speed) => {
    rate = speed;
    video.playbackRate = rate;
  });
  const time = h("time", { "data-testid": "playhead-time", class: "playhead-time" }, "--:--:--");
  const zone = h("span", { class: "tz-abbr" });
  const controls = h(
    "div",
    { class: "transport" },
    playPause,
    h("div", { class: "speeds", role: "group", i18nLabel: "playback.speed" }, ...speeds),
    h("span", { class: "playhead" }, time, " ", zone),
  );
  const play = (): void => {
    video.playbackRate = rate;
    video.play().catch(() => undefined);
  };
  const sync = (): void => {
    const key = video.paused ? "playback.play" : "playback.pause";
    playPause.innerHTML = video.paused ? PLAY_ICON : PAUSE_ICON;
    playPause.dataset.i18nLabel = key;
    playPause.setAttribute("aria-label", t(key));
  };
  playPause.addEventListener("click", () => (video.paused ? play() : video.pause()));
  video.addEventListener("play", sync);
  video.addEventListener("pause", sync);
  return {
    video,
    player: h("div", { class: "player-wrap" }, video),
    controls,
    play,
    sync,
    showPlayhead(wall, tz) {
      time.textContent = formatTime(wall, tz);
      time.dateTime = new Date(wall).toISOString();
    },
    clearPlayhead() {
      time.textContent = "--:--:--";
      time.removeAttribute("datetime");
    },
    setZone: (abbr) => void (zone.textContent = abbr),
  };
}
