// The timeline's model without a page: what is drawn where, what a hover says, where a key goes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import {
  type TimelineData,
  emptyTimeline,
  heldParts,
  hoverText,
  keyTarget,
  notPlaying,
  timeAtOffset,
  timelineBlocks,
  timelineTicks,
} from "./timeline-model";

const T0 = Date.parse("2024-01-15T03:00:00Z"); // 10:00 WIB
const s = (seconds: number): number => T0 + seconds * 1000;
const data: TimelineData = {
  range: { start: s(0), end: s(3600) },
  tz: "Asia/Jakarta",
  recorded: [{ start: s(0), end: s(1800) }, { start: s(1860), end: s(3600) }],
  gaps: [{ start: s(1800), end: s(1860), reason: "unplayable" }],
};

describe("timeline model", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it("places recorded ranges, then gaps, then skipped parts, as fractions of the bar", () => {
    const blocks = timelineBlocks(data, [{ start: s(2700), end: s(2760) }]);
    const placed = blocks.map((b) => [b.kind, b.left.toFixed(4), b.width.toFixed(4), b.reason]);
    expect(placed).toEqual([
      ["tl-rec", "0.0000", "0.5000", undefined],
      ["tl-rec", "0.5167", "0.4833", undefined],
      ["tl-gap tl-bad", "0.5000", "0.0167", "unplayable"],
      ["tl-skipped tl-bad", "0.7500", "0.0167", undefined],
    ]);
    expect(blocks[2]?.title).toBe("recording cannot be played: 10:30:00 – 10:31:00 (1 min)");
    const plain = timelineBlocks({ ...data, gaps: [{ start: s(1800), end: s(1860), reason: "no_recording" }] }, []);
    expect(plain[2]).toMatchObject({ kind: "tl-gap", title: "No recording 10:30:00 – 10:31:00 (1 min)" });
  });

  it("draws a camera's held parts on top, cut to the bar, only while the bar shows that camera", () => {
    const state = { ...emptyTimeline(), data: { ...data, camera: "ho-lobby" } };
    const parts = [{ start: s(-600), end: s(600) }, { start: s(3000), end: s(3300) }, { start: s(4000), end: s(5000) }];
    expect(heldParts({ ...state, held: { camera: "ho-lobby", parts } })).toEqual([
      { start: s(0), end: s(600) },
      { start: s(3000), end: s(3300) },
    ]);
    expect(heldParts({ ...state, held: { camera: "ho-door", parts } })).toEqual([]); // another camera's
    expect(heldParts({ ...state, held: null })).toEqual([]);
    const blocks = timelineBlocks(data, [], [{ start: s(0), end: s(600) }]);
    expect(blocks[blocks.length - 1]).toMatchObject({
      kind: "tl-held",
      left: 0,
      title: "Held as evidence 10:00:00 – 10:10:00 (10 min)",
    });
    expect(blocks[blocks.length - 1]?.width).toBeCloseTo(1 / 6);
  });

  it("spaces ticks by the bar's width and marks the ones at the edges", () => {
    const ticks = timelineTicks(data, 720); // at most 10 intervals: every 10 min
    expect(ticks.map((tick) => tick.label)).toEqual(["10:00", "10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]);
    expect(ticks[0]).toEqual({ label: "10:00", left: 0, classes: "tl-tick first" });
    expect(ticks[ticks.length - 1]).toEqual({ label: "11:00", left: 1, classes: "tl-tick last" });
    expect(timelineTicks(data, 0)).toEqual(timelineTicks(data, 640));
    expect(timelineTicks(data, 100).map((tick) => tick.label)).toEqual(["10:00", "10:30", "11:00"]); // 2 at least
  });

  it("says why a moment does not play, the player's skip first", () => {
    expect(notPlaying(data, [], s(1830))).toBe("recording cannot be played");
    expect(notPlaying(data, [{ start: s(1800), end: s(1860) }], s(1830))).toBe("cannot be played");
    expect(notPlaying(data, [], s(1860))).toBeNull();
    expect(hoverText(data, [], s(1830))).toBe("10:30:30 · recording cannot be played");
    expect(hoverText(data, [], s(60))).toBe("10:01:00");
  });

  it("steps 10 s (1 min with shift) or to either end, inside the range", () => {
    const { range } = data;
    expect(keyTarget(range, s(900), "ArrowRight", false)).toBe(s(910));
    expect(keyTarget(range, s(900), "ArrowLeft", true)).toBe(s(840));
    expect(keyTarget(range, null, "ArrowRight", false)).toBe(s(10));
    expect(keyTarget(range, s(5), "ArrowLeft", false)).toBe(s(0));
    expect(keyTarget(range, s(3595), "ArrowRight", false)).toBe(s(3600));
    expect(keyTarget(range, s(900), "End", false)).toBe(s(3600));
    expect(keyTarget(range, s(900), "Enter", false)).toBeNull();
  });

  it("reads a moment off a point on the bar", () => {
    expect(timeAtOffset(250, 1000, data.range)).toBe(s(900));
    expect(timeAtOffset(250, 0, data.range)).toBeNull();
  });
});
