import { describe, expect, it } from "vitest";
import { type LiveLayout, placeCamera, restoreLayout } from "./layout";

const cams = ["a", "b", "c", "d", "e"];
const layout = (grid: 1 | 4 | 9, visible: (string | null)[]): LiveLayout => ({
  grid,
  slots: [...visible, ...Array<null>(9 - visible.length).fill(null)],
});

describe("restoreLayout", () => {
  it("fills a 2x2 grid with the first cameras by default", () => {
    expect(restoreLayout(null, cams)).toEqual(layout(4, ["a", "b", "c", "d"]));
    expect(restoreLayout(null, ["a"])).toEqual(layout(4, ["a"]));
    expect(restoreLayout(null, [])).toEqual(layout(4, []));
  });

  it("restores a stored layout, dropping cameras that are gone", () => {
    const stored = JSON.stringify({ grid: 9, slots: ["e", "gone", null, "a"] });
    expect(restoreLayout(stored, cams)).toEqual(layout(9, ["e", null, null, "a"]));
  });

  it("replaces an unreadable or invalid stored layout", () => {
    expect(restoreLayout("{broken", cams).grid).toBe(4);
    expect(restoreLayout(JSON.stringify({ grid: 3, slots: [] }), cams).grid).toBe(4);
    expect(restoreLayout(JSON.stringify({ grid: 1 }), cams).slots[0]).toBe("a");
  });
});

describe("placeCamera", () => {
  it("uses the first empty visible tile", () => {
    expect(placeCamera(layout(4, ["a", null, "c"]), "e", 0)).toEqual({
      slots: layout(4, ["a", "e", "c"]).slots,
      index: 1,
    });
  });

  it("selects a camera already shown instead of duplicating it", () => {
    const current = layout(4, ["a", "b"]);
    expect(placeCamera(current, "b", 0)).toEqual({ slots: current.slots, index: 1 });
  });

  it("replaces the selected tile when the grid is full", () => {
    expect(placeCamera(layout(4, ["a", "b", "c", "d"]), "e", 2).slots.slice(0, 4)).toEqual(["a", "b", "e", "d"]);
  });

  it("moves a camera out of a tile hidden by a smaller grid", () => {
    expect(placeCamera(layout(1, ["a", "b", "e"]), "e", 0).slots.slice(0, 3)).toEqual(["e", "b", null]);
  });

  it("keeps the replacement inside the visible grid", () => {
    expect(placeCamera(layout(1, ["a"]), "e", 5)).toEqual({ slots: layout(1, ["e"]).slots, index: 0 });
  });
});
