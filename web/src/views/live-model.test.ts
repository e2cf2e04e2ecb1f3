// The live page's model without a page: what each action does, which tiles to show.
import { describe, expect, it } from "vitest";
import type { Camera } from "../api";
import {
  type LiveState,
  chooseGrid,
  gridPressed,
  isSelected,
  planTiles,
  showCamera,
  shownCameras,
  tileCount,
  toggleSingle,
} from "./live-model";

const camera = (id: string): Camera => ({
  id, site: "HO", name: id, timezone: "Asia/Jakarta", state: "recording", last_segment_end: null, has_substream: true,
});
const cameras = new Map(["a", "b", "c"].map((id) => [id, camera(id)]));
const slots = (...ids: (string | null)[]): (string | null)[] => [...ids, ...Array<null>(9 - ids.length).fill(null)];
const grid4: LiveState = { layout: { grid: 4, slots: slots("a", null, "b") }, single: null, selected: 3 };

describe("live model", () => {
  it("plans sub-stream tiles for every grid position, empty ones included", () => {
    const { tiles, state } = planTiles(grid4, cameras);
    expect(tiles.map((tile) => [tile.key, tile.camera?.id ?? null, tile.quality])).toEqual([
      ["slot-0", "a", "sub"],
      ["slot-1", null, "sub"],
      ["slot-2", "b", "sub"],
      ["slot-3", null, "sub"],
    ]);
    expect(state).toEqual(grid4);
    expect(planTiles(chooseGrid(grid4, 1), cameras).tiles).toEqual([{ key: "slot-0", slot: 0, camera: camera("a"), quality: "main" }]);
  });

  it("shows one camera alone on its main stream, and the grid again when it is gone", () => {
    const alone = toggleSingle(grid4, "b");
    expect(planTiles(alone, cameras).tiles).toEqual([{ key: "single", slot: "single", camera: camera("b"), quality: "main" }]);
    expect([tileCount(alone), gridPressed(alone, 4), isSelected(alone, "3")]).toEqual([1, false, false]);
    expect(shownCameras(alone)).toEqual(new Set(["b"]));
    expect(toggleSingle(alone, "b").single).toBeNull();
    const gone = planTiles({ ...alone, single: "x" }, cameras);
    expect([gone.state.single, gone.tiles.length]).toEqual([null, 4]);
  });

  it("places a picked camera in the grid, or shows it alone instead", () => {
    const placed = showCamera(grid4, "c");
    expect(placed.layout.slots.slice(0, 4)).toEqual(["a", "c", "b", null]);
    expect(placed.selected).toBe(1);
    expect(shownCameras(placed)).toEqual(new Set(["a", "b", "c"]));
    expect(showCamera(toggleSingle(grid4, "a"), "c").single).toBe("c");
  });

  it("keeps the selection inside a smaller grid", () => {
    const one = chooseGrid(toggleSingle(grid4, "a"), 1);
    expect(one).toEqual({ layout: { grid: 1, slots: grid4.layout.slots }, single: null, selected: 0 });
    expect([tileCount(one), gridPressed(one, 1), gridPressed(one, 4), isSelected(one, "0")]).toEqual([1, true, false, true]);
  });
});
