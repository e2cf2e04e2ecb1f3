// Live page: site/camera sidebar, 1 / 2x2 / 3x3 grid of low-latency HLS tiles,
// and a single full-size camera on double-click.
import { ApiError, api, errorMessage, resolveApiUrl, type Camera } from "../api";
import { type SiteGroup, groupBySite, loadCatalog } from "../catalog";
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { GRID_SIZES, type GridSize, type LiveLayout, placeCamera, restoreLayout } from "../layout";
import { playLive } from "../player";
import { reasonText, technicalDetails } from "../reasons";
import { zoneAbbr } from "../time";
import type { View } from "./view";

const LAYOUT_KEY = "vms.liveLayout";
const RECONNECT_MS = 5000;
const UNAVAILABLE_RETRY_MS = 10_000;
const CAMERA_REFRESH_MS = 30_000;
/** Matches the stylesheet's phone layout, where the camera list starts collapsed. */
const NARROW_SCREEN = "(max-width: 760px)";

const GRID_LABELS: Record<GridSize, string> = { 1: "1", 4: "2×2", 9: "3×3" };

type Quality = "main" | "sub";

/** One video tile: fetches the camera's live URL and keeps reconnecting. What it says
 * is in the page's language; a tool's own words only in an admin's technical details. */
class LiveTile {
  readonly element: HTMLDivElement;
  private readonly video: HTMLVideoElement;
  private readonly message: HTMLParagraphElement;
  private readonly tech: HTMLDivElement;
  private stop: (() => void) | null = null;
  private retry: number | undefined;
  private disposed = false;

  constructor(
    readonly camera: Camera,
    readonly quality: Quality,
    slot: number | "single",
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
    this.video.addEventListener("playing", () => this.say(""));
    const expand = h("button", {
      type: "button",
      class: "tile-expand",
      i18nTitle: slot === "single" ? "live.backToGrid" : "live.fullSize",
      i18nLabel: slot === "single" ? "live.backToGrid" : "live.fullSize",
    }, slot === "single" ? "⤡" : "⤢");
    expand.addEventListener("click", (event) => {
      event.stopPropagation();
      actions.toggleSingle();
    });
    this.element = h(
      "div",
      { class: "tile", "data-slot": String(slot) },
      this.video,
      h(
        "div",
        { class: "tile-label" },
        h("span", { class: `dot ${camera.state}` }),
        h("span", {}, camera.name),
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
      const stop = await playLive(this.video, resolveApiUrl(live.url), (detail) => {
        this.teardown();
        this.say(t("live.reconnecting"), "info", detail);
        this.schedule(RECONNECT_MS);
      });
      if (this.disposed) stop();
      else {
        this.stop = stop;
        // The relay keeps retrying a camera it cannot reach; say why while hls.js waits.
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

export const mountLive: View = (container, context) => {
  const admin = context.user?.role === "admin";
  let groups: SiteGroup[] = [];
  let cameras = new Map<string, Camera>();
  let layout: LiveLayout = { grid: 4, slots: [] };
  let single: string | null = null;
  let selected = 0;
  const tiles = new Map<string, LiveTile>();

  const message = h("p", { id: "live-message", class: "message", hidden: true, role: "status" });
  const sidebarList = h("div", { class: "camera-list" });
  const sidebar = h(
    "details",
    { class: "sidebar", open: !matchMedia(NARROW_SCREEN).matches },
    h("summary", { i18n: "live.cameras" }),
    sidebarList,
  );
  const gridButtons = GRID_SIZES.map((size) => {
    const button = h("button", { type: "button", "data-grid": String(size) }, GRID_LABELS[size]);
    button.addEventListener("click", () => {
      single = null;
      layout = { ...layout, grid: size };
      selected = Math.min(selected, size - 1);
      update();
    });
    return button;
  });
  const grid = h("div", { class: "live-grid", id: "live-grid" });
  container.append(
    h(
      "div",
      { class: "live-page" },
      sidebar,
      h(
        "section",
        { class: "live-main" },
        h(
          "div",
          { class: "toolbar" },
          h("span", { class: "toolbar-label", i18n: "live.layout" }),
          ...gridButtons,
        ),
        message,
        grid,
      ),
    ),
  );

  function saveLayout(): void {
    localStorage.setItem(LAYOUT_KEY, JSON.stringify(layout));
  }

  function toggleSingle(camera: string): void {
    single = single === camera ? null : camera;
    update();
  }

  function showCamera(camera: string): void {
    if (single !== null) {
      single = camera;
    } else {
      const placed = placeCamera(layout, camera, selected);
      layout = { ...layout, slots: placed.slots };
      selected = placed.index;
    }
    update();
  }

  function tileFor(key: string, camera: Camera, quality: Quality, slot: number | "single"): LiveTile {
    const existing = tiles.get(key);
    if (existing && existing.camera.id === camera.id && existing.quality === quality) return existing;
    existing?.destroy();
    const tile = new LiveTile(
      camera,
      quality,
      slot,
      {
        select: () => {
          if (slot === "single") return;
          selected = slot;
          markSelected();
        },
        toggleSingle: () => toggleSingle(camera.id),
      },
      admin,
    );
    tiles.set(key, tile);
    return tile;
  }

  function markSelected(): void {
    for (const tile of grid.querySelectorAll<HTMLElement>(".tile")) {
      tile.classList.toggle("selected", single === null && tile.dataset.slot === String(selected));
    }
  }

  function update(): void {
    saveLayout();
    const count = single !== null ? 1 : layout.grid;
    grid.dataset.grid = String(count);
    for (const button of gridButtons) {
      button.setAttribute("aria-pressed", String(single === null && button.dataset.grid === String(layout.grid)));
    }
    const wanted = new Set<string>();
    const elements: HTMLElement[] = [];
    const singleCamera = single !== null ? cameras.get(single) : undefined;
    if (singleCamera) {
      wanted.add("single");
      elements.push(tileFor("single", singleCamera, "main", "single").element);
    } else {
      single = null;
      const quality: Quality = layout.grid > 1 ? "sub" : "main";
      for (let slot = 0; slot < layout.grid; slot++) {
        const camera = cameras.get(layout.slots[slot] ?? "");
        if (camera) {
          wanted.add(`slot-${slot}`);
          elements.push(tileFor(`slot-${slot}`, camera, quality, slot).element);
        } else {
          const empty = h("div", { class: "tile empty", "data-slot": String(slot) }, h("span", { i18n: "live.emptySlot" }));
          empty.addEventListener("click", () => {
            selected = slot;
            markSelected();
          });
          elements.push(empty);
        }
      }
    }
    for (const [key, tile] of tiles) {
      if (!wanted.has(key)) {
        tile.destroy();
        tiles.delete(key);
      }
    }
    grid.replaceChildren(...elements);
    markSelected();
    renderSidebar();
  }

  function renderSidebar(): void {
    const shown = new Set(
      single !== null ? [single] : layout.slots.slice(0, layout.grid).filter((id): id is string => id !== null),
    );
    sidebarList.replaceChildren(
      ...groups.map((group) =>
        h(
          "details",
          { class: "site", open: true, "data-site": group.site.id },
          h("summary", {}, group.site.name, " ", h("small", {}, zoneAbbr(group.site.timezone))),
          h(
            "ul",
            {},
            ...group.cameras.map((camera) => {
              const item = h(
                "button",
                {
                  type: "button",
                  class: shown.has(camera.id) ? "camera-item shown" : "camera-item",
                  "data-camera-id": camera.id,
                  title: t(`state.${camera.state}`),
                },
                h("span", { class: `dot ${camera.state}` }),
                camera.name,
              );
              item.addEventListener("click", () => showCamera(camera.id));
              return h("li", {}, item);
            }),
          ),
        ),
      ),
    );
  }

  function applyCameras(list: Camera[], sites: SiteGroup[]): void {
    groups = sites;
    cameras = new Map(list.map((camera) => [camera.id, camera]));
  }

  let refreshTimer: number | undefined;
  let disposed = false;

  async function refreshCameras(): Promise<void> {
    try {
      const list = await api.cameras();
      if (disposed) return;
      applyCameras(list, groupBySite(list, groups.map((group) => group.site)));
      renderSidebar();
    } catch {
      // The tiles report their own errors; keep the last known states.
    }
    if (!disposed) refreshTimer = window.setTimeout(() => void refreshCameras(), CAMERA_REFRESH_MS);
  }

  loadCatalog()
    .then((catalog) => {
      if (disposed) return;
      const list = catalog.flatMap((group) => group.cameras);
      applyCameras(list, catalog);
      layout = restoreLayout(localStorage.getItem(LAYOUT_KEY), list.map((camera) => camera.id));
      if (!list.length) showMessage(message, t("live.noCameras"), "info");
      update();
      refreshTimer = window.setTimeout(() => void refreshCameras(), CAMERA_REFRESH_MS);
    })
    .catch((error: unknown) => {
      if (!disposed) showMessage(message, errorMessage(error));
    });

  const offLang = onLangChange(() => renderSidebar());

  return () => {
    disposed = true;
    window.clearTimeout(refreshTimer);
    offLang();
    for (const tile of tiles.values()) tile.destroy();
    tiles.clear();
  };
};
