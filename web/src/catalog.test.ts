import { describe, expect, it } from "vitest";
import type { Camera } from "./api";
import { groupBySite } from "./catalog";

const camera = (id: string, site: string, name: string): Camera => ({
  id,
  site,
  name,
  timezone: "Asia/Makassar",
  state: "recording",
  last_segment_end: null,
  has_substream: true,
});

describe("groupBySite", () => {
  it("groups and sorts sites and cameras by name (numeric aware)", () => {
    const groups = groupBySite(
      [camera("c10", "HO", "Cam 10"), camera("c2", "HO", "Cam 2"), camera("x", "BR", "Gate")],
      [
        { id: "HO", name: "Head Office", timezone: "Asia/Jakarta" },
        { id: "BR", name: "Branch Makassar", timezone: "Asia/Makassar" },
        { id: "EMPTY", name: "No cameras", timezone: "Asia/Jakarta" },
      ],
    );
    expect(groups.map((g) => g.site.id)).toEqual(["BR", "HO"]);
    expect(groups[1]?.cameras.map((c) => c.id)).toEqual(["c2", "c10"]);
  });

  it("gives cameras of an unlisted site a group named after the site id", () => {
    const groups = groupBySite([camera("a", "NEW", "A")], []);
    expect(groups).toEqual([
      { site: { id: "NEW", name: "NEW", timezone: "Asia/Makassar" }, cameras: [camera("a", "NEW", "A")] },
    ]);
  });

  it("is empty without cameras", () => {
    expect(groupBySite([], [{ id: "HO", name: "HO", timezone: "Asia/Jakarta" }])).toEqual([]);
  });
});
