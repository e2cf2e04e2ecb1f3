import { describe, expect, it } from "vitest";
import { DAY, HOUR, MINUTE } from "./time";
import {
  type Fragment,
  clipRanges,
  computeGaps,
  fractionToTime,
  generateTicks,
  mediaToWallClock,
  mergeRanges,
  nearestByTime,
  recordedRanges,
  resolveSeekTarget,
  tickStep,
  timeToFraction,
  wallClockToMedia,
} from "./timeline";

const T0 = Date.parse("2024-01-15T03:00:00Z"); // 10:00 WIB
const s = (seconds: number): number => T0 + seconds * 1000;
const r = (start: number, end: number) => ({ start: s(start), end: s(end) });

describe("mergeRanges", () => {
  it("returns nothing for nothing", () => {
    expect(mergeRanges([])).toEqual([]);
  });

  it("merges contiguous segments within the 1 s tolerance", () => {
    expect(mergeRanges([r(0, 60), r(60.4, 120), r(121, 180)])).toEqual([r(0, 180)]);
  });

  it("keeps segments further apart than the tolerance separate", () => {
    expect(mergeRanges([r(0, 60), r(61.5, 120)])).toEqual([r(0, 60), r(61.5, 120)]);
  });

  it("sorts unsorted input and merges overlaps and contained ranges", () => {
    expect(mergeRanges([r(200, 260), r(0, 100), r(50, 80), r(90, 150)])).toEqual([r(0, 150), r(200, 260)]);
  });

  it("honours a custom tolerance", () => {
    expect(mergeRanges([r(0, 10), r(14, 20)], 5000)).toEqual([r(0, 20)]);
    expect(mergeRanges([r(0, 10), r(10, 20)], 0)).toEqual([r(0, 20)]);
  });

  it("drops empty, inverted and non-finite ranges", () => {
    expect(mergeRanges([r(10, 10), r(20, 15), { start: NaN, end: s(5) }, r(30, 40)])).toEqual([r(30, 40)]);
  });

  it("does not mutate its input", () => {
    const input = [r(0, 10), r(10, 20)];
    mergeRanges(input);
    expect(input).toEqual([r(0, 10), r(10, 20)]);
  });
});

describe("clipRanges / recordedRanges", () => {
  it("clips ranges that extend beyond the window and drops those outside", () => {
    expect(clipRanges([r(-30, 30), r(50, 70), r(90, 200), r(300, 400)], s(0), s(100))).toEqual([
      r(0, 30),
      r(50, 70),
      r(90, 100),
    ]);
  });

  it("merges then clips", () => {
    expect(recordedRanges([r(90, 150), r(-60, 0.5), r(1, 60)], s(0), s(120))).toEqual([r(0, 60), r(90, 120)]);
  });
});

describe("computeGaps", () => {
  const start = s(0);
  const end = s(600);

  it("is the whole range when there are no segments", () => {
    expect(computeGaps([], start, end)).toEqual([r(0, 600)]);
  });

  it("is empty when the range is fully recorded, even by segments sticking out", () => {
    expect(computeGaps([r(-50, 300), r(300.5, 700)], start, end)).toEqual([]);
  });

  it("finds leading, inner and trailing gaps from unsorted segments", () => {
    expect(computeGaps([r(400, 500), r(60, 200), r(200.2, 300)], start, end)).toEqual([
      r(0, 60),
      r(300, 400),
      r(500, 600),
    ]);
  });

  it("ignores segments entirely outside the range", () => {
    expect(computeGaps([r(-200, -100), r(700, 800)], start, end)).toEqual([r(0, 600)]);
  });

  it("does not report gaps under the tolerance", () => {
    expect(computeGaps([r(0, 100), r(100.9, 600)], start, end)).toEqual([]);
  });

  it("is empty for an empty or inverted range", () => {
    expect(computeGaps([], end, start)).toEqual([]);
    expect(computeGaps([r(0, 10)], start, start)).toEqual([]);
  });

  it("together with the recorded ranges covers the range exactly", () => {
    const segments = [r(30, 90), r(95, 100), r(250, 590)];
    const pieces = [...recordedRanges(segments, start, end), ...computeGaps(segments, start, end)].sort(
      (a, b) => a.start - b.start,
    );
    expect(pieces[0]?.start).toBe(start);
    expect(pieces[pieces.length - 1]?.end).toBe(end);
    for (let i = 1; i < pieces.length; i++) expect(pieces[i]?.start).toBe(pieces[i - 1]?.end);
  });
});

describe("timeToFraction / fractionToTime", () => {
  const bar = r(0, 3600);

  it("maps linearly and back", () => {
    expect(timeToFraction(s(900), bar)).toBe(0.25);
    expect(fractionToTime(0.25, bar)).toBe(s(900));
    expect(fractionToTime(timeToFraction(s(1234), bar), bar)).toBeCloseTo(s(1234), 3);
  });

  it("clamps outside the bar", () => {
    expect(timeToFraction(s(-10), bar)).toBe(0);
    expect(timeToFraction(s(4000), bar)).toBe(1);
    expect(fractionToTime(-0.5, bar)).toBe(s(0));
    expect(fractionToTime(1.5, bar)).toBe(s(3600));
  });

  it("gives 0 for a zero-length bar", () => {
    expect(timeToFraction(s(5), r(10, 10))).toBe(0);
  });
});

describe("resolveSeekTarget", () => {
  const recorded = [r(60, 120), r(300, 400)];

  it("keeps a recorded time, ends included", () => {
    expect(resolveSeekTarget(s(90), recorded)).toBe(s(90));
    expect(resolveSeekTarget(s(60), recorded)).toBe(s(60));
    expect(resolveSeekTarget(s(120), recorded)).toBe(s(120));
  });

  it("jumps from a gap to the next recording", () => {
    expect(resolveSeekTarget(s(0), recorded)).toBe(s(60));
    expect(resolveSeekTarget(s(200), recorded)).toBe(s(300));
  });

  it("is null after the last recording or without recordings", () => {
    expect(resolveSeekTarget(s(401), recorded)).toBeNull();
    expect(resolveSeekTarget(s(0), [])).toBeNull();
  });
});

describe("wall clock <-> media time", () => {
  // Three recordings: 10:00:00-10:01:00, 10:01:00-10:02:00, then a gap until 10:05:00-10:06:00.
  const fragments: Fragment[] = [
    { start: 0, duration: 60, programDateTime: s(0) },
    { start: 60, duration: 60, programDateTime: s(60) },
    { start: 120, duration: 60, programDateTime: s(300) },
  ];

  it("maps inside fragments: frag.start + (t - pdt) / 1000", () => {
    expect(wallClockToMedia(s(0), fragments)).toBe(0);
    expect(wallClockToMedia(s(30.5), fragments)).toBe(30.5);
    expect(wallClockToMedia(s(90), fragments)).toBe(90);
    expect(wallClockToMedia(s(330), fragments)).toBe(150);
  });

  it("maps a time in a gap to the next fragment and clamps at both ends", () => {
    expect(wallClockToMedia(s(200), fragments)).toBe(120);
    expect(wallClockToMedia(s(-100), fragments)).toBe(0);
    expect(wallClockToMedia(s(1000), fragments)).toBe(180);
  });

  it("maps media time back to wall clock across the discontinuity", () => {
    expect(mediaToWallClock(0, fragments)).toBe(s(0));
    expect(mediaToWallClock(90, fragments)).toBe(s(90));
    expect(mediaToWallClock(120, fragments)).toBe(s(300));
    expect(mediaToWallClock(150.25, fragments)).toBe(s(330.25));
    expect(mediaToWallClock(500, fragments)).toBe(s(360));
    expect(mediaToWallClock(-1, fragments)).toBe(s(0));
  });

  it("round-trips inside recorded time", () => {
    for (const wall of [s(1), s(59.9), s(61), s(301), s(359)]) {
      const media = wallClockToMedia(wall, fragments);
      expect(media).not.toBeNull();
      expect(mediaToWallClock(media ?? 0, fragments)).toBeCloseTo(wall, 3);
    }
  });

  it("handles a first fragment starting before the requested start (whole segments)", () => {
    const early: Fragment[] = [{ start: 0, duration: 120, programDateTime: s(-45) }];
    expect(wallClockToMedia(s(0), early)).toBe(45);
  });

  it("accepts unsorted fragments and skips ones without programDateTime", () => {
    const shuffled = [fragments[2]!, { start: 999, duration: 5, programDateTime: null }, fragments[0]!, fragments[1]!];
    expect(wallClockToMedia(s(90), shuffled)).toBe(90);
    expect(mediaToWallClock(130, shuffled)).toBe(s(310));
  });

  it("is null without timed fragments", () => {
    expect(wallClockToMedia(s(0), [])).toBeNull();
    expect(mediaToWallClock(0, [])).toBeNull();
    expect(wallClockToMedia(s(0), [{ start: 0, duration: 6, programDateTime: null }])).toBeNull();
  });
});

describe("nearestByTime", () => {
  const thumbs = [0, 10, 20, 30].map((sec) => ({ time: s(sec), url: `t${sec}.jpg` }));

  it("finds the closest thumbnail", () => {
    expect(nearestByTime(thumbs, s(12))?.url).toBe("t10.jpg");
    expect(nearestByTime(thumbs, s(16))?.url).toBe("t20.jpg");
    expect(nearestByTime(thumbs, s(20))?.url).toBe("t20.jpg");
  });

  it("prefers the earlier one on a tie", () => {
    expect(nearestByTime(thumbs, s(15))?.url).toBe("t10.jpg");
  });

  it("clamps to the ends", () => {
    expect(nearestByTime(thumbs, s(-100))?.url).toBe("t0.jpg");
    expect(nearestByTime(thumbs, s(1000))?.url).toBe("t30.jpg");
  });

  it("handles empty and single lists", () => {
    expect(nearestByTime([], s(0))).toBeNull();
    expect(nearestByTime([thumbs[1]!], s(1000))?.url).toBe("t10.jpg");
  });

  it("works on long lists", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ time: s(i * 6), url: String(i) }));
    expect(nearestByTime(many, s(6 * 4321 + 2))?.url).toBe("4321");
    expect(nearestByTime(many, s(6 * 4321 + 4))?.url).toBe("4322");
  });
});

describe("tickStep / generateTicks", () => {
  it("picks nice steps for 5 min to 24 h", () => {
    expect(tickStep(5 * MINUTE, 8)).toBe(MINUTE);
    expect(tickStep(HOUR, 8)).toBe(10 * MINUTE);
    expect(tickStep(2 * HOUR, 8)).toBe(15 * MINUTE);
    expect(tickStep(6 * HOUR, 8)).toBe(HOUR);
    expect(tickStep(24 * HOUR, 8)).toBe(3 * HOUR);
    expect(tickStep(24 * HOUR, 4)).toBe(6 * HOUR);
    expect(tickStep(30 * 1000, 8)).toBe(5000);
    expect(tickStep(31 * DAY, 8)).toBe(7 * DAY);
    expect(tickStep(400 * DAY, 8)).toBe(7 * DAY);
  });

  it("labels an hour in WIB every 10 minutes at round times", () => {
    const ticks = generateTicks({ start: s(-150), end: s(3600) }, "Asia/Jakarta", 8);
    expect(ticks.map((tick) => tick.label)).toEqual(["10:00", "10:10", "10:20", "10:30", "10:40", "10:50", "11:00"]);
    expect(ticks[0]?.time).toBe(s(0));
  });

  it("aligns to the site's zone, not UTC", () => {
    const ticks = generateTicks({ start: s(0), end: s(3600) }, "Asia/Jayapura", 2);
    expect(ticks.map((tick) => tick.label)).toEqual(["12:00", "12:30", "13:00"]);
  });

  it("labels 5 minutes by the minute and short ranges with seconds", () => {
    expect(generateTicks({ start: s(0), end: s(300) }, "Asia/Makassar", 8).map((t) => t.label)).toEqual([
      "11:00",
      "11:01",
      "11:02",
      "11:03",
      "11:04",
      "11:05",
    ]);
    expect(generateTicks({ start: s(0), end: s(20) }, "Asia/Jakarta", 4).map((t) => t.label)).toEqual([
      "10:00:00",
      "10:00:05",
      "10:00:10",
      "10:00:15",
      "10:00:20",
    ]);
  });

  it("labels midnight with the date over 24 h", () => {
    const start = Date.parse("2024-01-15T05:00:00Z"); // 12:00 WIB
    const ticks = generateTicks({ start, end: start + DAY }, "Asia/Jakarta", 8);
    expect(ticks.map((tick) => tick.label)).toEqual(["12:00", "15:00", "18:00", "21:00", "16/01", "03:00", "06:00", "09:00", "12:00"]);
    expect(ticks.filter((tick) => tick.isDay).map((tick) => tick.time)).toEqual([Date.parse("2024-01-15T17:00:00Z")]);
  });

  it("labels days on a multi-day range", () => {
    const start = Date.parse("2024-01-14T17:00:00Z"); // 2024-01-15 00:00 WIB
    const ticks = generateTicks({ start, end: start + 3 * DAY }, "Asia/Jakarta", 4);
    expect(ticks.map((tick) => tick.label)).toEqual(["15/01", "16/01", "17/01", "18/01"]);
    expect(ticks.every((tick) => tick.isDay)).toBe(true);
  });

  it("skips the wall time that DST removes (Berlin 2024-03-31)", () => {
    const start = Date.parse("2024-03-30T23:00:00Z"); // 00:00 CET
    const end = Date.parse("2024-03-31T04:00:00Z"); // 06:00 CEST
    const ticks = generateTicks({ start, end }, "Europe/Berlin", 8);
    expect(ticks.map((tick) => tick.label)).toEqual(["31/03", "01:00", "03:00", "04:00", "05:00", "06:00"]);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.time).toBeGreaterThan(ticks[i - 1]!.time);
  });

  it("keeps ticks increasing through the repeated hour (Berlin 2024-10-27)", () => {
    const start = Date.parse("2024-10-26T23:00:00Z"); // 01:00 CEST
    const end = Date.parse("2024-10-27T03:00:00Z"); // 04:00 CET
    const ticks = generateTicks({ start, end }, "Europe/Berlin", 4);
    expect(ticks.map((tick) => tick.label)).toEqual(["01:00", "02:00", "03:00", "04:00"]);
    expect(ticks.map((tick) => tick.time)).toEqual(
      ["2024-10-26T23:00:00Z", "2024-10-27T00:00:00Z", "2024-10-27T02:00:00Z", "2024-10-27T03:00:00Z"].map(Date.parse),
    );
  });

  it("is empty for an empty range", () => {
    expect(generateTicks({ start: s(10), end: s(10) }, "Asia/Jakarta")).toEqual([]);
  });
});
