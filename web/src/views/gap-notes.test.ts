// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { MAX_NOTES, createGapNotes, formatPart, gapReason, notesFromGaps } from "./gap-notes";

const T0 = Date.parse("2026-12-06T03:02:00Z"); // 10:02 WIB
const s = (seconds: number): number => T0 + seconds * 1000;

describe("gap notes", () => {
  beforeEach(() => setLang("id"));
  afterEach(() => setLang("id"));

  it("words every reason code in both languages, an unknown one as not playable", () => {
    expect(gapReason("no_recording")).toBe("tidak ada rekaman");
    expect(gapReason("unplayable")).toBe("rekaman tidak dapat diputar");
    expect(gapReason("something_new")).toBe("rekaman tidak dapat diputar");
    setLang("en");
    expect(gapReason("overlap")).toBe("overlapping copy, kept apart");
    expect(gapReason("skipped")).toBe("cannot be played");
  });

  it("says a part in the site's time, with the dates when it spans days", () => {
    expect(formatPart(s(0), s(60), "Asia/Jakarta")).toBe("10:02:00–10:03:00 WIB");
    expect(formatPart(s(0), s(60), "Asia/Makassar")).toBe("11:02:00–11:03:00 WITA");
    expect(formatPart(s(-11 * 3600), s(-9 * 3600), "Asia/Jakarta")).toBe("05/12/2026 23:02:00 – 06/12/2026 01:02:00 WIB");
  });

  it("lists the server's gaps with their reasons and the raw detail on hover", () => {
    const notes = createGapNotes("gaps", "playback.gapsTitle");
    expect(notes.element.hidden).toBe(true);
    const gaps = [
      { start: "2026-12-06T03:05:00Z", end: "2026-12-06T03:06:00Z", reason: "no_recording", detail: null },
      { start: "2026-12-06T03:02:00Z", end: "2026-12-06T03:03:00Z", reason: "unplayable", detail: "moov atom not found" },
    ];
    notes.set(notesFromGaps(gaps), "Asia/Jakarta");
    expect(notes.element.hidden).toBe(false);
    const items = [...notes.element.querySelectorAll("li")];
    expect(items.map((li) => li.textContent)).toEqual([
      "10:02:00–10:03:00 WIB (1 mnt): rekaman tidak dapat diputar",
      "10:05:00–10:06:00 WIB (1 mnt): tidak ada rekaman",
    ]);
    expect(items[0]?.title).toBe("moov atom not found");
    setLang("en");
    expect(notes.element.querySelector("li")?.textContent).toBe("10:02:00–10:03:00 WIB (1 min): recording cannot be played");
    notes.destroy();
  });

  it("says how many more there are past the first few", () => {
    const notes = createGapNotes("gaps", null);
    const many = Array.from({ length: MAX_NOTES + 3 }, (_, i) => ({ start: s(i * 120), end: s(i * 120 + 60), reason: "no_recording", detail: null }));
    notes.set(many, "Asia/Jakarta");
    const items = [...notes.element.querySelectorAll("li")];
    expect(items).toHaveLength(MAX_NOTES + 1);
    expect(items.at(-1)?.textContent).toBe("… dan 3 bagian lain");
    notes.set([], "Asia/Jakarta");
    expect(notes.element.hidden).toBe(true);
    notes.destroy();
  });
});
