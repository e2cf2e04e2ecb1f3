// Live page: site/camera sidebar, 1 / 2x2 / 3x3 grid of low-latency HLS tiles,
// and a single full-size camera on double-click. The state and what each action
// does to it are live-model.ts; the grid live-grid.ts, a tile live-tile.ts, the
// camera list live-sidebar.ts.
import { api, errorMessage, type Camera } from "../api";
import { type SiteGroup, groupBySite, loadCatalog } from "../catalog";
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { GRID_SIZES, type GridSize, restoreLayout } from "../layout";
import { type LiveGrid, createLiveGrid } from "./live-grid";
import {
  type LiveState,
  chooseGrid,
  gridPressed,
  initialLive,
  planTiles,
  showCamera,
  shownCameras,
  tileCount,
  toggleSingle,
} from "./live-model";
import { renderCameraList } from "./live-sidebar";
import type { View } from "./view";

const LAYOUT_KEY = "vms.liveLayout";
const CAMERA_REFRESH_MS = 30_000;
/** Matches the stylesheet's phone layout, where the camera list starts collapsed. */
const NARROW_SCREEN = "(max-width: 760px)";

const GRID_LABELS: Record<GridSize, string> = { 1: "1", 4: "2×2", 9: "3×3" };

interface LivePage {
  state: LiveState;
  groups: SiteGroup[];
  cameras: Map<string, Camera>;
  readonly message: HTMLParagraphElement;
  readonly list: HTMLDivElement;
  readonly grid: LiveGrid;
  readonly gridButtons: readonly HTMLButtonElement[];
}

function renderList(page: LivePage): void {
  renderCameraList(page.list, page.groups, shownCameras(page.state), (camera) =>
    change(page, showCamera(page.state, camera)),
  );
}

/** Show the state: remembered, on the grid's buttons, in its tiles and in the list. */
function update(page: LivePage): void {
  localStorage.setItem(LAYOUT_KEY, JSON.stringify(page.state.layout));
  const count = tileCount(page.state);
  for (const button of page.gridButtons) {
    button.setAttribute("aria-pressed", String(gridPressed(page.state, Number(button.dataset.grid))));
  }
  const plan = planTiles(page.state, page.cameras);
  page.state = plan.state;
  page.grid.show(plan.tiles, count);
  page.grid.markSelected(page.state);
  renderList(page);
}

function change(page: LivePage, state: LiveState): void {
  page.state = state;
  update(page);
}

function applyCameras(page: LivePage, list: Camera[], sites: SiteGroup[]): void {
  page.groups = sites;
  page.cameras = new Map(list.map((camera) => [camera.id, camera]));
}

function createLivePage(admin: boolean): LivePage {
  const page: LivePage = {
    state: initialLive(),
    groups: [],
    cameras: new Map(),
    message: h("p", { id: "live-message", class: "message", hidden: true, role: "status" }),
    list: h("div", { class: "camera-list" }),
    grid: createLiveGrid(admin, {
      select: (slot) => {
        page.state = { ...page.state, selected: slot };
        page.grid.markSelected(page.state);
      },
      toggleSingle: (camera) => change(page, toggleSingle(page.state, camera)),
    }),
    gridButtons: GRID_SIZES.map((size) => {
      const button = h("button", { type: "button", "data-grid": String(size) }, GRID_LABELS[size]);
      button.addEventListener("click", () => change(page, chooseGrid(page.state, size)));
      return button;
    }),
  };
  return page;
}

function pageElement(page: LivePage): HTMLElement {
  const sidebar = h(
    "details",
    { class: "sidebar", open: !matchMedia(NARROW_SCREEN).matches },
    h("summary", { i18n: "live.cameras" }),
    page.list,
  );
  const label = h("span", { class: "toolbar-label", i18n: "live.layout" });
  const toolbar = h("div", { class: "toolbar" }, label, ...page.gridButtons);
  const main = h("section", { class: "live-main" }, toolbar, page.message, page.grid.element);
  return h("div", { class: "live-page" }, sidebar, main);
}

/** The cameras are known: the remembered layout (or the first cameras) on the grid. */
function start(page: LivePage, catalog: SiteGroup[]): void {
  const list = catalog.flatMap((group) => group.cameras);
  applyCameras(page, list, catalog);
  const layout = restoreLayout(localStorage.getItem(LAYOUT_KEY), list.map((camera) => camera.id));
  page.state = { ...page.state, layout };
  if (!list.length) showMessage(page.message, t("live.noCameras"), "info");
  update(page);
}

export const mountLive: View = (container, context) => {
  const page = createLivePage(context.user?.role === "admin");
  container.append(pageElement(page));
  let refreshTimer: number | undefined;
  let disposed = false;
  const refreshLater = (): void => {
    refreshTimer = window.setTimeout(() => void refreshCameras(), CAMERA_REFRESH_MS);
  };

  async function refreshCameras(): Promise<void> {
    try {
      const list = await api.cameras();
      if (disposed) return;
      applyCameras(page, list, groupBySite(list, page.groups.map((group) => group.site)));
      renderList(page);
    } catch {
      // The tiles report their own errors; keep the last known states.
    }
    if (!disposed) refreshLater();
  }

  loadCatalog()
    .then((catalog) => {
      if (disposed) return;
      start(page, catalog);
      refreshLater();
    })
    .catch((error: unknown) => {
      if (!disposed) showMessage(page.message, errorMessage(error));
    });

  const offLang = onLangChange(() => renderList(page));
  return () => {
    disposed = true;
    window.clearTimeout(refreshTimer);
    offLang();
    page.grid.destroy();
  };
};
