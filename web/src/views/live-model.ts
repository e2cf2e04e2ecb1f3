// The live page's model: the grid layout, the one camera shown alone (if any) and
// the selected tile, what each action does to them, and which tiles to show.
// Plain data: live-grid.ts draws it, live.ts keeps it.
import type { Camera } from "../api";
import { type GridSize, type LiveLayout, placeCamera } from "../layout";

export type Quality = "main" | "sub";

/** A grid position, or the one camera shown alone. */
export type TileSlot = number | "single";

export interface LiveState {
  layout: LiveLayout;
  /** The camera shown alone, full size (null: the grid). */
  single: string | null;
  /** The grid position a camera picked from the list goes to when none is empty. */
  selected: number;
}

/** A tile to show: a camera's, or an empty grid position. */
export type TilePlan =
  | { key: string; slot: TileSlot; camera: Camera; quality: Quality }
  | { key: string; slot: number; camera: null; quality: Quality };

export const initialLive = (): LiveState => ({ layout: { grid: 4, slots: [] }, single: null, selected: 0 });

/** Back to the grid, with `grid` positions; the selection stays inside it. */
export function chooseGrid(state: LiveState, grid: GridSize): LiveState {
  return { single: null, layout: { ...state.layout, grid }, selected: Math.min(state.selected, grid - 1) };
}

/** Show a camera alone, or back to the grid when it is the one shown alone. */
export const toggleSingle = (state: LiveState, camera: string): LiveState => ({
  ...state,
  single: state.single === camera ? null : camera,
});

/** A camera picked from the list: shown alone instead, or placed in the grid (layout.ts). */
export function showCamera(state: LiveState, camera: string): LiveState {
  if (state.single !== null) return { ...state, single: camera };
  const placed = placeCamera(state.layout, camera, state.selected);
  return { ...state, layout: { ...state.layout, slots: placed.slots }, selected: placed.index };
}

/** How many tiles the grid holds now. */
export const tileCount = (state: LiveState): number => (state.single !== null ? 1 : state.layout.grid);

/** Whether the grid button for `grid` shows as pressed. */
export const gridPressed = (state: LiveState, grid: number): boolean =>
  state.single === null && grid === state.layout.grid;

/** Whether the tile at `slot` (its data-slot) is the selected one. */
export const isSelected = (state: LiveState, slot: string | undefined): boolean =>
  state.single === null && slot === String(state.selected);

/** The tiles to show: the camera alone (main stream), or every grid position (the sub-stream
 * when there are several). A camera shown alone that is no longer known goes back to the grid. */
export function planTiles(
  state: LiveState,
  cameras: ReadonlyMap<string, Camera>,
): { state: LiveState; tiles: TilePlan[] } {
  const alone = state.single !== null ? cameras.get(state.single) : undefined;
  if (alone) return { state, tiles: [{ key: "single", slot: "single", camera: alone, quality: "main" }] };
  const quality: Quality = state.layout.grid > 1 ? "sub" : "main";
  const tiles = Array.from({ length: state.layout.grid }, (_, slot): TilePlan => {
    const key = `slot-${slot}`;
    const camera = cameras.get(state.layout.slots[slot] ?? "");
    return camera ? { key, slot, camera, quality } : { key, slot, camera: null, quality };
  });
  return { state: { ...state, single: null }, tiles };
}

/** The cameras on screen, marked in the list. */
export function shownCameras(state: LiveState): Set<string> {
  if (state.single !== null) return new Set([state.single]);
  return new Set(state.layout.slots.slice(0, state.layout.grid).filter((id): id is string => id !== null));
}
