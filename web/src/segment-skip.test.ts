import { describe, expect, it } from "vitest";
import {
  type PlayerError,
  type SkipFragment,
  failedFragment,
  needsMediaReset,
  skipTarget,
  skippedPart,
} from "./segment-skip";

const PDT = Date.UTC(2026, 11, 6, 3, 2, 0);
// four 60 s recordings, one after another on the player's timeline
const frags: SkipFragment[] = [0, 1, 2, 3].map((sn) => ({
  sn,
  start: sn * 60,
  duration: 60,
  programDateTime: PDT + sn * 60_000,
}));
const main = (sn: number) => ({ ...frags[sn]!, type: "main" });
const none = (): boolean => false;
const only =
  (...sns: number[]) =>
  (f: SkipFragment): boolean =>
    sns.includes(Number(f.sn));

describe("which fragment an hls.js error is about", () => {
  it("is the failed fragment itself when it cannot load, parse or be appended", () => {
    for (const details of ["fragLoadError", "fragLoadTimeOut", "fragParsingError", "bufferAppendError",
      "mediaSourceRequiresReset", "bufferAddCodecError"]) {
      const error: PlayerError = { type: "mediaError", details, fatal: false, frag: main(2) };
      expect(failedFragment(error, frags, 10)?.sn, details).toBe(2);
    }
  });

  it("waits while hls.js retries a request (a 5xx, a timeout), then skips when it gives up", () => {
    const retrying: PlayerError = { type: "networkError", details: "fragLoadError", fatal: false, frag: main(2), errorAction: { action: 5 } };
    expect(failedFragment(retrying, frags, 10)).toBeNull();
    expect(failedFragment({ ...retrying, fatal: true }, frags, 10)?.sn).toBe(2);
    expect(failedFragment({ ...retrying, errorAction: { action: 2 } }, frags, 10)?.sn).toBe(2); // a 404: for good
  });

  it("is the fragment at the playhead for a fatal media error that names none", () => {
    const error: PlayerError = { type: "mediaError", details: "bufferStalledError", fatal: true };
    expect(failedFragment(error, frags, 75)?.sn).toBe(1);
  });

  it("is none for errors that are not about one fragment", () => {
    const cases: PlayerError[] = [
      { type: "networkError", details: "manifestLoadError", fatal: true }, // the playlist: 401, 404...
      { type: "mediaError", details: "bufferStalledError", fatal: false }, // a stall hls.js handles
      { type: "mediaError", details: "fragGap", fatal: false, frag: main(1) }, // already skipped
      { type: "networkError", details: "fragLoadError", fatal: false, frag: { ...frags[1]!, type: "audio" } },
      { type: "networkError", details: "fragLoadError", fatal: false, frag: { ...frags[1]!, sn: "initSegment", type: "main" } },
    ];
    for (const error of cases) expect(failedFragment(error, frags, 75), error.details).toBeNull();
  });

  it("asks for a new media source only when the source buffer failed", () => {
    expect(needsMediaReset({ type: "mediaError", details: "mediaSourceRequiresReset", fatal: false })).toBe(true);
    expect(needsMediaReset({ type: "mediaError", details: "bufferAppendError", fatal: false })).toBe(true);
    expect(needsMediaReset({ type: "mediaError", details: "bufferStalledError", fatal: true })).toBe(true);
    expect(needsMediaReset({ type: "mediaError", details: "fragParsingError", fatal: false })).toBe(false);
    expect(needsMediaReset({ type: "networkError", details: "fragLoadError", fatal: true })).toBe(false);
  });
});

describe("where the playhead goes past a skipped part", () => {
  it("jumps from inside a skipped fragment to the start of the next one that plays", () => {
    expect(skipTarget(61, frags, only(1))).toBe(120);
    expect(skipTarget(61, frags, only(1, 2))).toBe(180);
    expect(skipTarget(0, frags, only(0))).toBe(60); // the very first one
  });

  it("never moves a playhead that is on footage that plays (never back to 0)", () => {
    expect(skipTarget(30, frags, only(1))).toBeNull();
    expect(skipTarget(125, frags, only(1))).toBeNull();
    expect(skipTarget(61, frags, none)).toBeNull();
  });

  it("moves a playhead stalled just before a skipped fragment only when asked to look ahead", () => {
    expect(skipTarget(59.8, frags, only(1))).toBeNull(); // still playing the end of the first
    expect(skipTarget(59.8, frags, only(1), 0.5)).toBe(120); // stalled there: the rest is skipped
  });

  it("ends when nothing after the skipped part plays", () => {
    expect(skipTarget(200, frags, only(3))).toBe("end");
    expect(skipTarget(130, frags, only(2, 3))).toBe("end");
  });

  it("says which wall-clock part was skipped", () => {
    expect(skippedPart(frags[1]!)).toEqual({ start: PDT + 60_000, end: PDT + 120_000 });
    expect(skippedPart({ ...frags[1]!, programDateTime: null })).toBeNull();
  });
});
