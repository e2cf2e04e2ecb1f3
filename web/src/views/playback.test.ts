import { describe, expect, it } from "vitest";
import { HOUR } from "../time";
import { initialRange } from "./playback";

describe("initialRange", () => {
  const now = Date.parse("2024-01-15T03:00:00.750Z");

  it("takes the deep link's start and end", () => {
    const params = new URLSearchParams("camera=x&start=2024-01-14T01:00:00Z&end=2024-01-14T09:30:00%2B07:00");
    expect(initialRange(params, now)).toEqual({
      start: Date.parse("2024-01-14T01:00:00Z"),
      end: Date.parse("2024-01-14T02:30:00Z"),
    });
  });

  it("defaults to the last hour, to the second", () => {
    const end = Date.parse("2024-01-15T03:00:00Z");
    expect(initialRange(new URLSearchParams(), now)).toEqual({ start: end - HOUR, end });
  });

  it("ignores an invalid or inverted deep-link range", () => {
    const end = Date.parse("2024-01-15T03:00:00Z");
    expect(initialRange(new URLSearchParams("start=x&end=y"), now)).toEqual({ start: end - HOUR, end });
    expect(initialRange(new URLSearchParams("start=2024-01-15T02:00:00Z&end=2024-01-15T01:00:00Z"), now)).toEqual({
      start: end - HOUR,
      end,
    });
  });
});
