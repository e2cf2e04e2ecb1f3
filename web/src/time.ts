// Site time-zone helpers built on Intl only. All instants are epoch milliseconds
// (or Date); "local" values are wall-clock fields of a site's IANA zone.
import { t } from "./i18n";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const SITE_ZONE_ABBR: Readonly<Record<string, string>> = {
  "Asia/Jakarta": "WIB",
  "Asia/Pontianak": "WIB",
  "Asia/Makassar": "WITA",
  "Asia/Jayapura": "WIT",
};

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type Instant = Date | number;

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(tz);
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = {
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    };
    try {
      formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone: tz });
    } catch {
      // An unknown zone name from the backend: show UTC rather than fail.
      formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    partsFormatters.set(tz, formatter);
  }
  return formatter;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** The wall-clock fields of an instant in a zone. */
export function wallClock(instant: Instant, tz: string): WallClock {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(tz).formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Asia/Jakarta: +7 h). */
export function zoneOffsetMs(tz: string, instant: Instant): number {
  const ms = typeof instant === "number" ? instant : instant.getTime();
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** Wall-clock time of an instant as if it were UTC ms (for calendar arithmetic). */
export function utcToLocalMs(instant: number, tz: string): number {
  return instant + zoneOffsetMs(tz, instant);
}

/**
 * The instant at which the zone's wall clock reads `localMs` (wall-clock fields
 * encoded as UTC ms). A time that occurs twice (DST fall-back) resolves to the
 * earlier instant; one skipped by a DST spring-forward resolves to the same
 * wall time in the offset before the change (02:30 -> 03:30 CEST), as
 * Temporal's "compatible" disambiguation does.
 */
export function localMsToUtc(localMs: number, tz: string): number {
  const before = zoneOffsetMs(tz, localMs - DAY);
  const after = zoneOffsetMs(tz, localMs + DAY);
  const valid = [before, after]
    .map((offset) => localMs - offset)
    .filter((instant) => instant + zoneOffsetMs(tz, instant) === localMs);
  return valid.length ? Math.min(...valid) : localMs - before;
}

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_FIRST_RE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$/;
const TIME_RE = /^(\d{1,2})([:.])(\d{2})(?:\2(\d{2}))?$/;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
}

/**
 * A date as people write it here, day first: "06/12/2026", "6-12-2026",
 * "06.12.2026"; or ISO "2026-12-06". Null when it is no real date (31/02, or
 * a month-first 12/31/2026).
 */
export function parseDateText(text: string): CalendarDate | null {
  const value = text.trim();
  const iso = ISO_DATE_RE.exec(value);
  const dayFirst = iso ? null : DAY_FIRST_RE.exec(value);
  if (!iso && !dayFirst) return null;
  const [year, month, day] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : [Number(dayFirst?.[4]), Number(dayFirst?.[3]), Number(dayFirst?.[1])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** A 24-hour time: "05:40", "05:40:20", "5.40.20" (Indonesian writes dots). */
export function parseTimeText(text: string): TimeOfDay | null {
  const match = TIME_RE.exec(text.trim());
  if (!match) return null;
  const [hour, minute, second] = [Number(match[1]), Number(match[3]), Number(match[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  return { hour, minute, second };
}

/** "06/12/2026" for a calendar date. */
export function dateText(date: CalendarDate): string {
  return `${pad(date.day)}/${pad(date.month)}/${pad(date.year, 4)}`;
}

/** "05:40:20" for a time of day. */
export function timeText(time: TimeOfDay): string {
  return `${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`;
}

/** Parse a date and a time (see parseDateText, parseTimeText) as wall-clock fields encoded as UTC ms; null when invalid. */
export function parseLocal(date: string, time: string): number | null {
  const d = parseDateText(date);
  const tm = parseTimeText(time);
  if (!d || !tm) return null;
  return Date.UTC(d.year, d.month - 1, d.day, tm.hour, tm.minute, tm.second);
}

/** Convert a date and time read in the site's zone to a UTC Date (null if invalid). */
export function zonedToUtc(date: string, time: string, tz: string): Date | null {
  const localMs = parseLocal(date, time);
  return localMs === null ? null : new Date(localMsToUtc(localMs, tz));
}

export interface TimeRange {
  start: number;
  end: number;
}

/**
 * A range from a date and two times in the site's zone. An end time at or
 * before the start time means the next day (23:00 - 01:00 spans midnight).
 */
export function rangeFromLocalInputs(
  date: string,
  startTime: string,
  endTime: string,
  tz: string,
): TimeRange | null {
  const startLocal = parseLocal(date, startTime);
  const endLocal = parseLocal(date, endTime);
  if (startLocal === null || endLocal === null) return null;
  const start = localMsToUtc(startLocal, tz);
  const end = localMsToUtc(endLocal <= startLocal ? endLocal + DAY : endLocal, tz);
  return { start, end };
}

/** "YYYY-MM-DD" in the zone. */
export function formatDate(instant: Instant, tz: string): string {
  const w = wallClock(instant, tz);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** "HH:MM:SS" (or "HH:MM") in the zone. */
export function formatTime(instant: Instant, tz: string, withSeconds = true): string {
  const w = wallClock(instant, tz);
  const hm = `${pad(w.hour)}:${pad(w.minute)}`;
  return withSeconds ? `${hm}:${pad(w.second)}` : hm;
}

/** "YYYY-MM-DD HH:MM:SS" in the zone. */
export function formatDateTime(instant: Instant, tz: string): string {
  return `${formatDate(instant, tz)} ${formatTime(instant, tz)}`;
}

/** "06/12/2026" in the zone: day first, whatever the browser's locale or language. */
export function formatDayFirst(instant: Instant, tz: string): string {
  return dateText(wallClock(instant, tz));
}

/** "06/12/2026 05:40:20 WIB": how people read an instant, in the site's zone. */
export function formatSiteDateTime(instant: Instant, tz: string): string {
  return `${formatDayFirst(instant, tz)} ${formatTime(instant, tz)} ${zoneAbbr(tz, instant)}`;
}

/** "YYYYMMDD-HHMMSS" in the zone, for file names. */
export function compactDateTime(instant: Instant, tz: string): string {
  return `${formatDate(instant, tz).replaceAll("-", "")}-${formatTime(instant, tz).replaceAll(":", "")}`;
}

function offsetLabel(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.abs(offsetMs) / MINUTE;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `UTC${sign}${hours}${rest ? `:${pad(rest)}` : ""}`;
}

/** WIB / WITA / WIT for Indonesian zones, otherwise Intl's short name (CET, EST) or UTC+N. */
export function zoneAbbr(tz: string, at: Instant = Date.now()): string {
  const fixed = SITE_ZONE_ABBR[tz];
  if (fixed) return fixed;
  for (const locale of ["en-US", "en-GB"]) {
    try {
      const name = new Intl.DateTimeFormat(locale, { timeZone: tz, timeZoneName: "short" })
        .formatToParts(at)
        .find((part) => part.type === "timeZoneName")?.value;
      if (name && !/^(GMT|UTC)[+\-\u2212]/.test(name)) return name;
    } catch {
      break;
    }
  }
  return offsetLabel(zoneOffsetMs(tz, at));
}

/** "5 menit lalu" / "5 min ago"; future instants (clock skew) read as "now". */
export function relativeTime(instant: Instant, now: Instant = Date.now()): string {
  const diff = Number(now) - Number(instant);
  const seconds = Math.floor(diff / 1000);
  if (seconds < 5) return t("rel.now");
  if (seconds < 60) return t("rel.seconds", { n: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("rel.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("rel.hours", { n: hours });
  return t("rel.days", { n: Math.floor(hours / 24) });
}

/** ISO 8601 UTC without milliseconds, as used in URLs and API queries. */
export function toIso(instant: Instant): string {
  return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Parse an ISO string to epoch ms; null for missing or invalid input. */
export function parseIso(value: string | null | undefined): number | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
