// The live grid: the tiles the model plans (live-model.ts), a tile kept while its
// camera and stream stay the same (so a layout change does not reconnect it),
// empty positions to select, and the selected one marked.
import type { Camera } from "../api";
import { h } from "../dom";
import { type LiveState, type TilePlan, isSelected } from "./live-model";
import { LiveTile } from "./live-tile";

export interface GridActions {
  select(slot: number): void;
  toggleSingle(camera: string): void;
}

export interface LiveGrid {
  readonly element: HTMLDivElement;
  show(tiles: readonly TilePlan[], count: number): void;
  markSelected(state: LiveState): void;
  destroy(): void;
}

function emptyTile(slot: number, actions: GridActions): HTMLElement {
  const empty = h("div", { class: "tile empty", "data-slot": String(slot) }, h("span", { i18n: "live.emptySlot" }));
  empty.addEventListener("click", () => actions.select(slot));
  return empty;
}

export function createLiveGrid(admin: boolean, actions: GridActions): LiveGrid {
  const element = h("div", { class: "live-grid", id: "live-grid" });
  const tiles = new Map<string, LiveTile>();

  function tileFor(plan: TilePlan & { camera: Camera }): LiveTile {
    const { camera } = plan;
    const existing = tiles.get(plan.key);
    if (existing && existing.camera.id === camera.id && existing.quality === plan.quality) return existing;
    existing?.destroy();
    const { slot } = plan;
    const select = (): void => {
      if (slot !== "single") actions.select(slot);
    };
    const toggle = (): void => actions.toggleSingle(camera.id);
    const tile = new LiveTile(camera, plan.quality, slot, { select, toggleSingle: toggle }, admin);
    tiles.set(plan.key, tile);
    return tile;
  }

  function show(plans: readonly TilePlan[], count: number): void {
    element.dataset.grid = String(count);
    const wanted = new Set<string>();
    const elements = plans.map((plan) => {
      if (!plan.camera) return emptyTile(plan.slot, actions);
      wanted.add(plan.key);
      return tileFor(plan).element;
    });
    for (const [key, tile] of tiles) {
      if (!wanted.has(key)) {
        tile.destroy();
        tiles.delete(key);
      }
    }
    element.replaceChildren(...elements);
  }

  return {
    element,
    show,
    markSelected(state) {
      for (const tile of element.querySelectorAll<HTMLElement>(".tile")) {
        tile.classList.toggle("selected", isSelected(state, tile.dataset.slot));
      }
    },
    destroy() {
      for (const tile of tiles.values()) tile.destroy();
      tiles.clear();
    },
  };
}
