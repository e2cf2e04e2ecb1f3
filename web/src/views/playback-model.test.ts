// The playback page's decisions without a page or a player.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Camera, Footage, Segment } from "../api";
import { setLang } from "../i18n";
import {
  footageProblem,
  playbackCodec,
  playbackNotes,
  playerErrorMessage,
  recordedIn,
  skippedMessage,
  startCamera,
  timelineThumbnails,
} from "./playback-model";

const at = Date.parse;
const segment = (start: string, end: string, patch: Partial<Segment> = {}): Segment => ({
  start, end, duration_s: 10, size_bytes: 1, codec: "h264", width: 1, height: 1, status: "ok", reason: null, ...patch,
});
const footage = (segments: Segment[]): Footage => ({ camera: "c", site: "HO", start: "", end: "", segments, gaps: [] });
const range = { start: at("2024-01-15T03:00:00Z"), end: at("2024-01-15T03:01:00Z") };

describe("playback model", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it("starts with the camera asked for, else the one used last, else the first", () => {
    const cam = (id: string) => ({ id }) as Camera;
    const cameras = new Map([["a", cam("a")], ["b", cam("b")]]);
    expect(startCamera(cameras, "b", "a")).toBe("b");
    expect(startCamera(cameras, "x", "b")).toBe("b");
    expect(startCamera(cameras, null, "gone")).toBe("a");
    expect(startCamera(new Map(), "x", null)).toBe("");
  });

  it("plays the segments that are ok, merged and clipped to the range", () => {
    const found = footage([
      segment("2024-01-15T02:59:50Z", "2024-01-15T03:00:10Z"),
      segment("2024-01-15T03:00:10Z", "2024-01-15T03:00:20Z"),
      segment("2024-01-15T03:00:20Z", "2024-01-15T03:00:30Z", { status: "quarantined" }),
      segment("2024-01-15T03:00:50Z", "2024-01-15T03:01:10Z"),
    ]);
    expect(recordedIn(found, range)).toEqual([
      { start: range.start, end: at("2024-01-15T03:00:20Z") },
      { start: at("2024-01-15T03:00:50Z"), end: range.end },
    ]);
  });

  it("does not start a player without footage", () => {
    const hevc = footage([segment("2024-01-15T03:00:00Z", "2024-01-15T03:00:10Z", { codec: "hevc" })]);
    expect(footageProblem([])).toEqual({ key: "playback.noFootage", kind: "info" });
    expect(footageProblem(recordedIn(hevc, range))).toBeNull();
  });

  it("asks for H.264 renditions when HEVC that plays cannot be decoded here", () => {
    const asked: string[] = [];
    const decodes = (supported: boolean) => (type: string) => (asked.push(type), supported);
    const hevc = footage([
      segment("2024-01-15T03:00:00Z", "2024-01-15T03:00:10Z", { codec: "hevc", height: 1080 }),
      segment("2024-01-15T03:00:10Z", "2024-01-15T03:00:20Z", { codec: "h264", height: 1080 }),
    ]);
    expect(playbackCodec(hevc, decodes(false))).toBe("h264");
    expect(playbackCodec(hevc, decodes(true))).toBeNull();
    expect(asked).toEqual(['video/mp4; codecs="hvc1.1.6.L120.90"', 'video/mp4; codecs="hvc1.1.6.L120.90"']);
    const avc = footage([segment("2024-01-15T03:00:00Z", "2024-01-15T03:00:10Z", { codec: "h264" })]);
    expect(playbackCodec(avc, decodes(false))).toBeNull(); // H.264 plays everywhere MSE does
    const setAside = footage([
      segment("2024-01-15T03:00:00Z", "2024-01-15T03:00:10Z"),
      segment("2024-01-15T03:00:10Z", "2024-01-15T03:00:20Z", { codec: "hevc", status: "quarantined" }),
    ]);
    expect(playbackCodec(setAside, decodes(false))).toBeNull(); // only what plays counts
  });

  it("keeps the thumbnails with a time, sorted", () => {
    const thumbs = [
      { time: "2024-01-15T03:00:30Z", url: "b" },
      { time: "nonsense", url: "x" },
      { time: "2024-01-15T03:00:00Z", url: "a" },
    ];
    expect(timelineThumbnails(thumbs).map((thumb) => thumb.url)).toEqual(["a", "b"]);
  });

  it("says what was skipped and what failed", () => {
    const part = { start: at("2024-01-15T03:00:10Z"), end: at("2024-01-15T03:00:20Z") };
    expect(playbackNotes([], [part])).toEqual([{ ...part, reason: "skipped", detail: null }]);
    expect(skippedMessage(part, "Asia/Jakarta")).toBe("Part 10:00:10–10:00:20 WIB skipped: cannot be played.");
    expect(playerErrorMessage(401, "manifestLoadError")).toBeNull();
    expect(playerErrorMessage(404, "manifestLoadError")).toBe("No recordings in this time range.");
    expect(playerErrorMessage(undefined, "bufferStalledError")).toBe("Playback failed (bufferStalledError).");
  });
});
