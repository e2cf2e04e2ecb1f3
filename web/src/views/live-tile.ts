// One live video tile: fetches the camera's live URL, plays it (WebRTC, else HLS)
// and keeps reconnecting, and says why it shows nothing. The grid of tiles is live-grid.ts.
import { ApiError, api, errorMessage, resolveApiUrl, type Camera, type LiveStream } from "../api";
import { h, showMessage } from "../dom";
import { t } from "../i18n";
import { playLive } from "../player";
import { reasonText, technicalDetails } from "../reasons";
import { FIRST_FRAME_MS, STARTING_FIRST_FRAME_MS, playWebRtc, webRtcWanted } from "../webrtc";
import type { Quality, TileSlot } from "./live-model";

export type LiveMode = "webrtc" | "hls";

const RECONNECT_MS = 5000;
const UNAVAILABLE_RETRY_MS = 10_000;
const ENDED_RECONNECT_MS = 500;

/** Full size (in the grid) or back to the grid (when alone). */
function expandButton(slot: TileSlot, toggleSingle: () => void): HTMLButtonElement {
  const key = slot === "single" ? "live.backToGrid" : "live.fullSize";
  const attrs = { type: "button", class: "tile-expand", i18nTitle: key, i18nLabel: key } as const;
  const expand = h("button", attrs, slot === "single" ? "⤡" : "⤢");
  expand.addEventListener("click", (event) => {
    event.stopPropagation();
    toggleSingle();
  });
  return expand;
}

/** One video tile: fetches the camera's live URL and keeps reconnecting. What it says
 * is in the page's language; a tool's own words only in an admin's technical details. */
export class LiveTile {
  readonly element: HTMLDivElement;
  private readonly video: HTMLVideoElement;
  private readonly message: HTMLParagraphElement;
  private readonly tech: HTMLDivElement;
  private readonly badge: HTMLSpanElement;
  private stop: (() => void) | null = null;
  private retry: number | undefined;
  private disposed = false;
  /** Why WebRTC was not used (for the badge's data-fallback), if it was tried. */
  private fellBack = "";

  constructor(
    readonly camera: Camera,
    readonly quality: Quality,
    slot: TileSlot,
    actions: { select: () => void; toggleSingle: () => void },
    private readonly admin = false,
  ) {
    this.video = h("video", {
      muted: true,
      playsinline: true,
      autoplay: true,
      "data-camera": camera.id,
    });
    this.video.muted = true;
    this.message = h("p", { class: "tile-message", hidden: true });
    this.tech = h("div", { class: "tile-tech" });
    this.badge = h("span", { class: "tile-mode", i18nTitle: "live.modeTitle", hidden: true });
    this.video.addEventListener("playing", () => this.say(""));
    const expand = expandButton(slot, actions.toggleSingle);
    this.element = h(
      "div",
      { class: "tile", "data-slot": String(slot) },
      this.video,
      h(
        "div",
        { class: "tile-label" },
        h("span", { class: `dot ${camera.state}` }),
        h("span", {}, camera.name),
        this.badge,
      ),
      this.message,
      this.tech,
      expand,
    );
    this.element.addEventListener("click", actions.select);
    this.element.addEventListener("dblclick", actions.toggleSingle);
    if (camera.state === "nvr") this.say(t("live.nvrOnly"), "info"); // no stream to show
    else void this.connect();
  }

  /** A message in the page's language, and the words behind it for admins. */
  private say(message: string, kind: "error" | "info" = "error", words?: string | null): void {
    showMessage(this.message, message, kind);
    const details = message ? technicalDetails(words, this.admin) : null;
    this.tech.replaceChildren(...(details ? [details] : []));
  }

  private schedule(delay: number): void {
    if (!this.disposed) this.retry = window.setTimeout(() => void this.connect(), delay);
  }

  private async connect(): Promise<void> {
    try {
      const live = await api.live(this.camera.id, this.quality);
      if (this.disposed) return;
      const stop = await this.play(live);
      if (this.disposed) stop();
      else {
        this.stop = stop;
        // The relay keeps retrying a camera it cannot reach; say why while the player waits.
        const retrying = live.state === "retrying";
        const message = retrying ? t("live.cameraOffline", { reason: reasonText(live.problem) }) : "";
        this.say(message, "info", live.last_error);
      }
    } catch (error) {
      if (this.disposed) return;
      const unavailable = error instanceof ApiError && error.status === 503;
      if (unavailable) this.say(t("live.unavailable"), "error", error.detail);
      else this.say(errorMessage(error));
      if (unavailable || (error instanceof ApiError && error.status === 0)) this.schedule(UNAVAILABLE_RETRY_MS);
    }
  }

  /** WebRTC first when the relay offers it; HLS when it does not, or when ICE fails or
   * no frame comes within 3 s (8 s while the relay starts the camera), and from then on
   * for this tile. The badge says which. */
  private async play(live: LiveStream): Promise<() => void> {
    if (live.whep_url && webRtcWanted() && !this.fellBack) {
      try {
        const starting = live.state !== "live" && live.state !== null; // null: a remote relay
        const ended = (): void => {
          this.teardown();
          this.schedule(ENDED_RECONNECT_MS); // a fresh link: the token may have expired
        };
        const url = resolveApiUrl(live.whep_url);
        const wait = starting ? STARTING_FIRST_FRAME_MS : FIRST_FRAME_MS;
        const stop = await playWebRtc(this.video, url, live.ice_servers ?? [], ended, wait);
        this.showMode("webrtc");
        return stop;
      } catch (error) {
        if (this.disposed) return () => undefined;
        this.fellBack = String(error);
      }
    }
    const stop = await playLive(this.video, resolveApiUrl(live.url), (detail) => {
      this.teardown();
      this.say(t("live.reconnecting"), "info", detail);
      this.schedule(RECONNECT_MS);
    });
    this.showMode("hls");
    return stop;
  }

  private showMode(mode: LiveMode): void {
    this.badge.hidden = false;
    this.badge.dataset.mode = mode;
    this.badge.textContent = t(mode === "webrtc" ? "live.modeWebrtc" : "live.modeHls");
    if (this.fellBack) this.badge.dataset.fallback = this.fellBack;
  }

  private teardown(): void {
    this.stop?.();
    this.stop = null;
  }

  destroy(): void {
    this.disposed = true;
    window.clearTimeout(this.retry);
    this.teardown();
    this.element.remove();
  }
}
