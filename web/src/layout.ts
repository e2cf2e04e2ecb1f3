// Live grid layout state: which camera sits in which tile.

export const GRID_SIZES = [1, 4, 9] as const;
export type GridSize = (typeof GRID_SIZES)[number];

export interface LiveLayout {
  grid: GridSize;
  /** Camera per tile position (always 9 long; the first `grid` are shown). */
  slots: (string | null)[];
}

const MAX_SLOTS = 9;

export const isGridSize = (value: unknown): value is GridSize =>
  (GRID_SIZES as readonly unknown[]).includes(value);

/**
 * A layout from stored JSON, keeping only known cameras. Without a usable
 * stored layout, a 2x2 grid filled with the first cameras.
 */
export function restoreLayout(stored: string | null, cameraIds: readonly string[]): LiveLayout {
  const known = new Set(cameraIds);
  try {
    const parsed = JSON.parse(stored ?? "null") as Partial<LiveLayout> | null;
    if (parsed && isGridSize(parsed.grid) && Array.isArray(parsed.slots)) {
      const slots = Array.from({ length: MAX_SLOTS }, (_, i) => {
        const id = parsed.slots?.[i];
        return typeof id === "string" && known.has(id) ? id : null;
      });
      return { grid: parsed.grid, slots };
    }
  } catch {
    // An unreadable stored layout is replaced by the default.
  }
  return {
    grid: 4,
    slots: Array.from({ length: MAX_SLOTS }, (_, i) => (i < 4 ? (cameraIds[i] ?? null) : null)),
  };
}

/**
 * Put a camera in the grid: where it already is, else the first empty visible
 * tile, else the selected tile. A camera sits in one tile only, so a copy in a
 * tile hidden by a smaller grid is cleared. Returns the new slots and the tile used.
 */
export function placeCamera(
  layout: LiveLayout,
  camera: string,
  selected: number,
): { slots: (string | null)[]; index: number } {
  const visible = layout.slots.slice(0, layout.grid);
  const existing = visible.indexOf(camera);
  if (existing >= 0) return { slots: layout.slots, index: existing };
  const empty = visible.indexOf(null);
  const index = empty >= 0 ? empty : Math.min(Math.max(selected, 0), layout.grid - 1);
  const slots = layout.slots.map((id) => (id === camera ? null : id));
  slots[index] = camera;
  return { slots, index };
}
