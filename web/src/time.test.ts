import { afterEach, describe, expect, it } from "vitest";
import { setLang } from "./i18n";
import {
  HOUR,
  MINUTE,
  compactDateTime,
  dateText,
  formatDate,
  formatDateTime,
  formatDayFirst,
  formatSiteDateTime,
  formatTime,
  localMsToUtc,
  parseIso,
  parseDateText,
  parseLocal,
  parseTimeText,
  rangeFromLocalInputs,
  relativeTime,
  timeText,
  toIso,
  wallClock,
  zoneAbbr,
  zoneOffsetMs,
  zonedToUtc,
} from "./time";

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);
const at = (value: string): number => Date.parse(value);

describe("zoneAbbr", () => {
  it("names the Indonesian zones WIB / WITA / WIT", () => {
    expect(zoneAbbr("Asia/Jakarta")).toBe("WIB");
    expect(zoneAbbr("Asia/Pontianak")).toBe("WIB");
    expect(zoneAbbr("Asia/Makassar")).toBe("WITA");
    expect(zoneAbbr("Asia/Jayapura")).toBe("WIT");
  });

  it("uses Intl's short names elsewhere, following DST", () => {
    expect(zoneAbbr("Europe/Berlin", at("2024-01-15T12:00:00Z"))).toBe("CET");
    expect(zoneAbbr("Europe/Berlin", at("2024-07-15T12:00:00Z"))).toBe("CEST");
    expect(zoneAbbr("America/New_York", at("2024-01-15T12:00:00Z"))).toBe("EST");
    expect(zoneAbbr("UTC")).toBe("UTC");
  });

  it("falls back to a UTC offset when no name exists", () => {
    expect(zoneAbbr("Asia/Tokyo")).toBe("UTC+9");
    expect(zoneAbbr("Asia/Kolkata")).toBe("UTC+5:30");
    expect(zoneAbbr("America/Sao_Paulo", at("2024-01-15T12:00:00Z"))).toBe("UTC-3");
  });

  it("does not throw for an unknown zone", () => {
    expect(zoneAbbr("Mars/Olympus_Mons")).toBe("UTC+0");
  });
});

describe("zoneOffsetMs / wallClock", () => {
  it("gives the fixed Indonesian offsets", () => {
    const instant = at("2024-06-01T00:00:00Z");
    expect(zoneOffsetMs("Asia/Jakarta", instant)).toBe(7 * HOUR);
    expect(zoneOffsetMs("Asia/Makassar", instant)).toBe(8 * HOUR);
    expect(zoneOffsetMs("Asia/Jayapura", instant)).toBe(9 * HOUR);
  });

  it("follows DST and half-hour zones", () => {
    expect(zoneOffsetMs("Europe/Berlin", at("2024-01-15T00:00:00Z"))).toBe(HOUR);
    expect(zoneOffsetMs("Europe/Berlin", at("2024-07-15T00:00:00Z"))).toBe(2 * HOUR);
    expect(zoneOffsetMs("Asia/Kolkata", new Date("2024-01-15T00:00:00Z"))).toBe(5.5 * HOUR);
    expect(zoneOffsetMs("America/New_York", at("2024-01-15T00:00:00Z"))).toBe(-5 * HOUR);
  });

  it("ignores milliseconds of the instant", () => {
    expect(zoneOffsetMs("Asia/Jakarta", at("2024-06-01T00:00:00.999Z"))).toBe(7 * HOUR);
  });

  it("splits an instant into the zone's wall-clock fields, midnight as hour 0", () => {
    expect(wallClock(at("2024-01-14T15:00:00Z"), "Asia/Jayapura")).toEqual({
      year: 2024,
      month: 1,
      day: 15,
      hour: 0,
      minute: 0,
      second: 0,
    });
  });
});

describe("zonedToUtc", () => {
  it.each([
    ["Asia/Jakarta", "2024-01-15", "10:00", "2024-01-15T03:00:00.000Z"],
    ["Asia/Pontianak", "2024-01-15", "10:00", "2024-01-15T03:00:00.000Z"],
    ["Asia/Makassar", "2024-01-15", "10:00", "2024-01-15T02:00:00.000Z"],
    ["Asia/Jayapura", "2024-01-15", "10:00", "2024-01-15T01:00:00.000Z"],
    ["Asia/Jayapura", "2024-01-15", "05:30:15", "2024-01-14T20:30:15.000Z"],
    ["Asia/Jakarta", "2024-01-01", "00:00:00", "2023-12-31T17:00:00.000Z"],
    ["Asia/Kolkata", "2024-01-15", "10:00", "2024-01-15T04:30:00.000Z"],
    ["UTC", "2024-02-29", "23:59:59", "2024-02-29T23:59:59.000Z"],
    ["Europe/Berlin", "2024-01-15", "12:00", "2024-01-15T11:00:00.000Z"],
    ["Europe/Berlin", "2024-07-15", "12:00", "2024-07-15T10:00:00.000Z"],
  ])("%s %s %s -> %s", (tz, date, time, expected) => {
    expect(iso(zonedToUtc(date, time, tz))).toBe(expected);
  });

  describe("Europe/Berlin spring forward (2024-03-31, 02:00 -> 03:00)", () => {
    it.each([
      ["01:59:59", "2024-03-31T00:59:59.000Z"],
      ["03:00", "2024-03-31T01:00:00.000Z"],
      ["04:00", "2024-03-31T02:00:00.000Z"],
    ])("%s -> %s", (time, expected) => {
      expect(iso(zonedToUtc("2024-03-31", time, "Europe/Berlin"))).toBe(expected);
    });

    it("moves a skipped wall time forward by the DST shift (02:30 -> 03:30 CEST)", () => {
      expect(iso(zonedToUtc("2024-03-31", "02:30", "Europe/Berlin"))).toBe("2024-03-31T01:30:00.000Z");
    });
  });

  describe("Europe/Berlin fall back (2024-10-27, 03:00 -> 02:00)", () => {
    it.each([
      ["01:30", "2024-10-26T23:30:00.000Z"],
      ["03:00", "2024-10-27T02:00:00.000Z"],
      ["12:00", "2024-10-27T11:00:00.000Z"],
    ])("%s -> %s", (time, expected) => {
      expect(iso(zonedToUtc("2024-10-27", time, "Europe/Berlin"))).toBe(expected);
    });

    it("resolves the repeated hour to its first occurrence (CEST)", () => {
      expect(iso(zonedToUtc("2024-10-27", "02:30", "Europe/Berlin"))).toBe("2024-10-27T00:30:00.000Z");
    });
  });

  it("handles New York's transitions the same way", () => {
    expect(iso(zonedToUtc("2024-03-10", "02:30", "America/New_York"))).toBe("2024-03-10T07:30:00.000Z");
    expect(iso(zonedToUtc("2024-11-03", "01:30", "America/New_York"))).toBe("2024-11-03T05:30:00.000Z");
  });

  it.each([
    ["2024-02-30", "10:00"],
    ["2023-02-29", "10:00"],
    ["2024-13-01", "10:00"],
    ["2024-1-5", "10:00"],
    ["", "10:00"],
    ["2024-01-15", "24:00"],
    ["2024-01-15", "10:60"],
    ["2024-01-15", "10:00:60"],
    ["2024-01-15", "10"],
    ["2024-01-15", ""],
  ])("rejects %j %j", (date, time) => {
    expect(zonedToUtc(date, time, "Asia/Jakarta")).toBeNull();
  });

  it("round-trips every quarter hour of a year in WIB, WITA and WIT", () => {
    for (const tz of ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]) {
      for (let instant = at("2024-01-01T00:00:00Z"); instant < at("2025-01-01T00:00:00Z"); instant += 15 * MINUTE * 97) {
        expect(zonedToUtc(formatDate(instant, tz), formatTime(instant, tz), tz)?.getTime()).toBe(instant);
      }
    }
  });

  it("round-trips Berlin's fall-back day except the second pass of the repeated hour", () => {
    for (let instant = at("2024-10-26T22:00:00Z"); instant < at("2024-10-27T23:00:00Z"); instant += 10 * MINUTE) {
      const back = zonedToUtc(formatDate(instant, "Europe/Berlin"), formatTime(instant, "Europe/Berlin"), "Europe/Berlin");
      const secondPass = instant >= at("2024-10-27T01:00:00Z") && instant < at("2024-10-27T02:00:00Z");
      expect(back?.getTime()).toBe(secondPass ? instant - HOUR : instant);
    }
  });
});

describe("parseLocal / localMsToUtc", () => {
  it("encodes wall-clock fields as UTC ms", () => {
    expect(parseLocal("2024-01-15", "10:20:30")).toBe(Date.UTC(2024, 0, 15, 10, 20, 30));
  });

  it("keeps sub-second parts when converting", () => {
    expect(localMsToUtc(Date.UTC(2024, 0, 15, 10, 0, 0, 250), "Asia/Jakarta")).toBe(at("2024-01-15T03:00:00.250Z"));
  });
});

describe("rangeFromLocalInputs", () => {
  it("reads both times on the date in the site's zone", () => {
    expect(rangeFromLocalInputs("2024-01-15", "10:00", "11:30", "Asia/Makassar")).toEqual({
      start: at("2024-01-15T02:00:00Z"),
      end: at("2024-01-15T03:30:00Z"),
    });
  });

  it("takes an end at or before the start as the next day", () => {
    expect(rangeFromLocalInputs("2024-01-15", "23:00", "01:00", "Asia/Jakarta")).toEqual({
      start: at("2024-01-15T16:00:00Z"),
      end: at("2024-01-15T18:00:00Z"),
    });
    const whole = rangeFromLocalInputs("2024-01-15", "08:00", "08:00", "Asia/Jakarta");
    expect(whole && whole.end - whole.start).toBe(24 * HOUR);
  });

  it("spans a DST change by real elapsed time", () => {
    const range = rangeFromLocalInputs("2024-03-31", "01:00", "04:00", "Europe/Berlin");
    expect(range && range.end - range.start).toBe(2 * HOUR);
  });

  it("is null for invalid input", () => {
    expect(rangeFromLocalInputs("2024-01-15", "", "11:00", "Asia/Jakarta")).toBeNull();
    expect(rangeFromLocalInputs("nope", "10:00", "11:00", "Asia/Jakarta")).toBeNull();
  });
});

describe("formatting in the site's zone", () => {
  const instant = at("2024-01-14T20:30:15Z");

  it("formats date, time and both", () => {
    expect(formatDate(instant, "Asia/Jayapura")).toBe("2024-01-15");
    expect(formatTime(instant, "Asia/Jayapura")).toBe("05:30:15");
    expect(formatTime(instant, "Asia/Jayapura", false)).toBe("05:30");
    expect(formatDateTime(instant, "Asia/Jakarta")).toBe("2024-01-15 03:30:15");
    expect(formatDateTime(new Date(instant), "Asia/Makassar")).toBe("2024-01-15 04:30:15");
  });

  it("formats compactly for file names", () => {
    expect(compactDateTime(instant, "Asia/Jakarta")).toBe("20240115-033015");
  });

  it("shows midnight as 00, not 24", () => {
    expect(formatTime(at("2024-01-14T17:00:00Z"), "Asia/Jakarta")).toBe("00:00:00");
  });
});

describe("relativeTime", () => {
  const now = at("2024-01-15T12:00:00Z");
  afterEach(() => setLang("id"));

  it.each([
    [0, "baru saja"],
    [4_000, "baru saja"],
    [30_000, "30 detik lalu"],
    [5 * MINUTE, "5 menit lalu"],
    [59 * MINUTE + 59_000, "59 menit lalu"],
    [2 * HOUR + 5 * MINUTE, "2 jam lalu"],
    [3 * 24 * HOUR, "3 hari lalu"],
    [-10 * MINUTE, "baru saja"],
  ])("%d ms ago -> %s (id)", (ago, expected) => {
    expect(relativeTime(now - ago, now)).toBe(expected);
  });

  it("speaks English when switched", () => {
    setLang("en");
    expect(relativeTime(now - 5 * MINUTE, new Date(now))).toBe("5 min ago");
    expect(relativeTime(new Date(now - 2 * HOUR), now)).toBe("2 h ago");
    expect(relativeTime(now, now)).toBe("just now");
  });
});

describe("ISO helpers", () => {
  it("drops milliseconds", () => {
    expect(toIso(at("2024-01-15T03:00:00.123Z"))).toBe("2024-01-15T03:00:00Z");
  });

  it("parses offsets and rejects garbage", () => {
    expect(parseIso("2024-01-15T10:00:00+07:00")).toBe(at("2024-01-15T03:00:00Z"));
    expect(parseIso("not a date")).toBeNull();
    expect(parseIso(null)).toBeNull();
    expect(parseIso("")).toBeNull();
  });
});

/** Run as a browser in `locale` whose own zone is `tz` would (defaults of Intl and Date). */
function asBrowser<T>(locale: string, tz: string, run: () => T): T {
  const RealFormat = Intl.DateTimeFormat;
  const realToLocale = Date.prototype.toLocaleString;
  const realTz = process.env.TZ;
  const Browser = function (locales?: string | string[], options?: Intl.DateTimeFormatOptions) {
    return new RealFormat(locales ?? locale, options);
  } as unknown as typeof Intl.DateTimeFormat;
  Browser.supportedLocalesOf = RealFormat.supportedLocalesOf;
  Intl.DateTimeFormat = Browser;
  Date.prototype.toLocaleString = function (this: Date, locales?: Intl.LocalesArgument, options?: Intl.DateTimeFormatOptions) {
    return realToLocale.call(this, locales ?? locale, options);
  };
  process.env.TZ = tz;
  try {
    return run();
  } finally {
    Intl.DateTimeFormat = RealFormat;
    Date.prototype.toLocaleString = realToLocale;
    if (realTz === undefined) delete process.env.TZ;
    else process.env.TZ = realTz;
  }
}

describe("site time people read, whatever the browser (issue 15, item 7)", () => {
  // 6 December 2026, 05:40:20 in Jakarta; still 5 December in UTC and New York.
  const instant = at("2026-12-05T22:40:20Z");
  const sites = [
    ["Asia/Jakarta", "06/12/2026 05:40:20 WIB"],
    ["Asia/Makassar", "06/12/2026 06:40:20 WITA"],
    ["Asia/Jayapura", "06/12/2026 07:40:20 WIT"],
  ] as const;

  it("an en-US browser in New York would show month first and AM/PM by default", () => {
    const naive = asBrowser("en-US", "America/New_York", () => new Date(instant).toLocaleString());
    expect(naive).toBe("12/5/2026, 5:40:20 PM");
  });

  it.each(sites)("%s: id-ID and en-US browsers show the same 24-hour, day-first site time", (tz, expected) => {
    const shown = [
      asBrowser("id-ID", "Asia/Jakarta", () => formatSiteDateTime(instant, tz)),
      asBrowser("en-US", "America/New_York", () => formatSiteDateTime(instant, tz)),
      asBrowser("en-US", "UTC", () => formatSiteDateTime(instant, tz)),
    ];
    expect(shown).toEqual([expected, expected, expected]);
    for (const lang of ["id", "en"] as const) {
      setLang(lang);
      expect(asBrowser("en-US", "America/New_York", () => formatSiteDateTime(instant, tz))).toBe(expected);
    }
    setLang("id");
  });

  it.each(sites)("%s: what the fields show reads back as the same instant in any browser zone", (tz) => {
    for (const browserTz of ["America/New_York", "Asia/Jakarta", "Pacific/Kiritimati"]) {
      const back = asBrowser("en-US", browserTz, () => zonedToUtc(formatDayFirst(instant, tz), formatTime(instant, tz), tz));
      expect(back?.getTime()).toBe(instant);
    }
  });

  it("reads dates day first, with slashes, dashes or dots, and ISO", () => {
    const december6 = { year: 2026, month: 12, day: 6 };
    for (const text of ["06/12/2026", "6/12/2026", "06-12-2026", "06.12.2026", " 2026-12-06 "]) {
      expect(parseDateText(text), text).toEqual(december6);
    }
    expect(dateText(december6)).toBe("06/12/2026");
  });

  it.each(["12/31/2026", "31/02/2026", "29/02/2025", "00/12/2026", "6/12/26", "06/12-2026", "2026-12-6", "besok", ""])(
    "refuses %j as a date",
    (text) => expect(parseDateText(text)).toBeNull(),
  );

  it("reads 24-hour times with colons or dots, seconds optional", () => {
    expect(parseTimeText("05:40:20")).toEqual({ hour: 5, minute: 40, second: 20 });
    expect(parseTimeText("5.40.20")).toEqual({ hour: 5, minute: 40, second: 20 });
    expect(parseTimeText("17:30")).toEqual({ hour: 17, minute: 30, second: 0 });
    expect(timeText({ hour: 5, minute: 4, second: 0 })).toBe("05:04:00");
    for (const text of ["24:00", "5:40 PM", "05:4", "05:40.20", "12", ""]) expect(parseTimeText(text), text).toBeNull();
  });

  it("a range typed day first spans the same instants as ISO", () => {
    expect(rangeFromLocalInputs("06/12/2026", "05.40", "06:00:30", "Asia/Jakarta")).toEqual(
      rangeFromLocalInputs("2026-12-06", "05:40:00", "06:00:30", "Asia/Jakarta"),
    );
    expect(rangeFromLocalInputs("06/12/2026", "05:40", "06:00", "Asia/Jakarta")?.start).toBe(instant - 20_000);
  });
});
