// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { DEFAULT_CONFIG } from "../config";
import { setLang } from "../i18n";
import { parseHash } from "../router";
import { rangeFromLocalInputs } from "../time";
import { createDateField, createTimeField, validateFields } from "./datetime-input";
import { mountPlayback } from "./playback";
import type { Cleanup } from "./view";

// 6 December 2026, 05:40:20 WIB (06:40:20 WITA, 07:40:20 WIT); 5 December in UTC.
const instant = Date.parse("2026-12-05T22:40:20Z");

const type = (input: HTMLInputElement, text: string): void => {
  input.value = text;
  input.dispatchEvent(new Event("input"));
  input.dispatchEvent(new Event("change"));
};

describe("site date and time fields", () => {
  beforeEach(() => setLang("id"));
  afterEach(() => setLang("id"));

  it.each([
    ["Asia/Jakarta", "06/12/2026", "05:40:20"],
    ["Asia/Makassar", "06/12/2026", "06:40:20"],
    ["Asia/Jayapura", "06/12/2026", "07:40:20"],
  ])("show an instant day first and 24-hour in %s, and read it back", (tz, date, time) => {
    const dateField = createDateField("d");
    const timeField = createTimeField("t");
    dateField.show(instant, tz);
    timeField.show(instant, tz);
    expect([dateField.input.type, dateField.input.value, timeField.input.value]).toEqual(["text", date, time]);
    expect(validateFields([dateField, timeField])).toBe(true);
    expect(rangeFromLocalInputs(dateField.input.value, timeField.input.value, "23:59:59", tz)?.start).toBe(instant);
  });

  it("tidies what is typed into the field's own format", () => {
    const dateField = createDateField("d");
    const timeField = createTimeField("t");
    type(dateField.input, "2026-12-06");
    type(timeField.input, "5.40");
    expect([dateField.input.value, timeField.input.value]).toEqual(["06/12/2026", "05:40:00"]);
    expect(dateField.element.querySelector(".field-error")?.hasAttribute("hidden")).toBe(true);
  });

  it("says what is wrong under the field, in the page's language", () => {
    const dateField = createDateField("d");
    const timeField = createTimeField("t");
    document.body.append(dateField.element, timeField.element);
    type(dateField.input, "12/31/2026"); // month first, as an en-US browser writes it
    type(timeField.input, "5:40 PM");
    const error = (id: string): string => document.getElementById(`${id}-error`)?.textContent ?? "";
    expect(error("d")).toBe("Tanggal tidak valid. Tulis hari/bulan/tahun, mis. 31/12/2026.");
    expect(error("t")).toBe("Gunakan format 24 jam, mis. 17:30:00, bukan AM/PM.");
    expect(dateField.input.getAttribute("aria-invalid")).not.toBeNull();
    expect(dateField.input.value).toBe("12/31/2026"); // left as typed, to correct
    setLang("en");
    expect(error("d")).toBe("Invalid date. Write day/month/year, e.g. 31/12/2026.");
    expect(dateField.input.placeholder).toBe("dd/mm/yyyy");
    type(timeField.input, "25:00");
    expect(error("t")).toBe("Invalid time. Write hours:minutes:seconds (24-hour), e.g. 17:30:00.");
    type(timeField.input, "");
    expect(error("t")).toBe("Required.");
    type(timeField.input, "17:30");
    expect(error("t")).toBe("");
    expect(validateFields([dateField, timeField])).toBe(false);
    dateField.destroy();
    timeField.destroy();
    document.body.replaceChildren();
  });
});

describe("the playback page's fields", () => {
  let cleanup: Cleanup;
  const respond = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });
  const fetchMock = vi.fn<typeof fetch>(async (input) => {
    const url = String(input);
    if (url === "/api/sites") return respond([{ id: "CAB", name: "Makassar", timezone: "Asia/Makassar" }]);
    if (url === "/api/cameras") {
      return respond([{ id: "kasir", site: "CAB", name: "Kasir", timezone: "Asia/Makassar", state: "recording",
        last_segment_end: null, has_substream: false }]);
    }
    return new Response("{}", { status: 404 });
  });

  beforeEach(() => {
    localStorage.clear();
    setToken("tok");
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
    cleanup = mountPlayback(document.body, {
      route: parseHash("#/playback?start=2026-12-05T22:40:20Z&end=2026-12-05T23:10:20Z"),
      user: { username: "budi", role: "viewer", sites: ["CAB"] },
      config: DEFAULT_CONFIG,
      loginError: "",
      onLoggedIn: () => undefined,
    });
  });

  afterEach(() => {
    cleanup();
    document.body.replaceChildren();
    vi.unstubAllGlobals();
  });

  it("are day-first, 24-hour text fields in the site's zone, whatever the browser's locale", async () => {
    const field = (id: string) => document.getElementById(id) as HTMLInputElement;
    await vi.waitFor(() => expect(field("date").value).not.toBe(""));
    const shown = ["date", "start-time", "end-time", "export-start", "export-end"].map((id) => [
      field(id).type,
      field(id).value,
    ]);
    expect(shown).toEqual([
      ["text", "06/12/2026"],
      ["text", "06:40:20"],
      ["text", "07:10:20"],
      ["text", "06:40:20"],
      ["text", "07:10:20"],
    ]);
  });
});
