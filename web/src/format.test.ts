import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatPercent } from "./format";
import { setLang } from "./i18n";
import { DAY, HOUR, MINUTE } from "./time";

describe("format (English)", () => {
  beforeEach(() => setLang("en"));
  afterEach(() => setLang("id"));

  it.each([
    [0, "0 B"],
    [512, "512 B"],
    [1536, "1.5 KB"],
    [10 * 1024 * 1024, "10 MB"],
    [3.25 * 1024 ** 3, "3.3 GB"],
    [5 * 1024 ** 5, "5,120 TB"],
    [-5, "0 B"],
  ])("formatBytes(%d) = %s", (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });

  it("formats percentages", () => {
    expect(formatPercent(0.995)).toBe("99.5%");
    expect(formatPercent(1)).toBe("100%");
    expect(formatPercent(0)).toBe("0%");
  });

  it.each([
    [0, "0 s"],
    [45_000, "45 s"],
    [5 * MINUTE, "5 min"],
    [HOUR + 5 * MINUTE + 30_000, "1 h 5 min"],
    [2 * HOUR, "2 h"],
    [2 * DAY + 3 * HOUR + 10 * MINUTE, "2 d 3 h"],
  ])("formatDuration(%d) = %s", (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe("format (Indonesian)", () => {
  it("uses Indonesian separators and units", () => {
    setLang("id");
    expect(formatBytes(1536)).toBe("1,5 KB");
    expect(formatPercent(0.995)).toBe("99,5%");
    expect(formatDuration(HOUR + 5 * MINUTE)).toBe("1 jam 5 mnt");
  });
});
