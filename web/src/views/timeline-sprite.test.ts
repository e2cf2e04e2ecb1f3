import { describe, expect, it } from "vitest";
import { thumbnailPosition } from "./timeline-model";

describe("a sprite's tile in the preview", () => {
  it("lines the tile up with object-position, first to last", () => {
    expect(thumbnailPosition({ time: 0, url: "s.jpg", tile: 0, tiles: 10 })).toBe("0% 50%");
    expect(thumbnailPosition({ time: 0, url: "s.jpg", tile: 3, tiles: 10 })).toBe(`${300 / 9}% 50%`);
    expect(thumbnailPosition({ time: 0, url: "s.jpg", tile: 9, tiles: 10 })).toBe("100% 50%");
  });

  it("leaves a JPEG of its own, and a tile out of range, as it is", () => {
    expect(thumbnailPosition({ time: 0, url: "t.jpg" })).toBe("");
    expect(thumbnailPosition({ time: 0, url: "s.jpg", tile: 10, tiles: 10 })).toBe("");
    expect(thumbnailPosition({ time: 0, url: "s.jpg", tile: null, tiles: null })).toBe("");
  });
});
