// Pure timeline maths. Instants are epoch ms; media times are seconds.
import { DAY, HOUR, MINUTE, formatDate, formatTime, localMsToUtc, utcToLocalMs, type TimeRange } from "./time";

export type Range = TimeRange;

/** Tolerance under which two recordings count as contiguous. */
export const CONTIGUOUS_MS = 1000;

const isValidRange = (r: Range): boolean =>
  Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start;

/** Sort and merge ranges that overlap or are separated by at most `toleranceMs`. */
export function mergeRanges(ranges: readonly Range[], toleranceMs = CONTIGUOUS_MS): Range[] {
  const sorted = ranges
    .filter(isValidRange)
    .map((r) => ({ start: r.start, end: r.end }))
    .sort((a, b) => a.start - b.start);
  const merged: Range[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.start - last.end <= toleranceMs) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** Clip ranges to [start, end], dropping those outside it. */
export function clipRanges(ranges: readonly Range[], start: number, end: number): Range[] {
  return ranges
    .map((r) => ({ start: Math.max(r.start, start), end: Math.min(r.end, end) }))
    .filter(isValidRange);
}

/** Recorded ranges inside [start, end]: merged within the tolerance, then clipped. */
export function recordedRanges(
  segments: readonly Range[],
  start: number,
  end: number,
  toleranceMs = CONTIGUOUS_MS,
): Range[] {
  return clipRanges(mergeRanges(segments, toleranceMs), start, end);
}

/** The parts of [start, end] not covered by any segment (segments may be unsorted). */
export function computeGaps(
  segments: readonly Range[],
  start: number,
  end: number,
  toleranceMs = CONTIGUOUS_MS,
): Range[] {
  if (!(end > start)) return [];
  const gaps: Range[] = [];
  let cursor = start;
  for (const recorded of recordedRanges(segments, start, end, toleranceMs)) {
    if (recorded.start > cursor) gaps.push({ start: cursor, end: recorded.start });
    cursor = Math.max(cursor, recorded.end);
  }
  if (cursor < end) gaps.push({ start: cursor, end });
  return gaps;
}

const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value));

/** Position of an instant on a bar spanning `range` (0..1, clamped). */
export function timeToFraction(time: number, range: Range): number {
  const span = range.end - range.start;
  return span > 0 ? clamp((time - range.start) / span, 0, 1) : 0;
}

/** Instant at a position (0..1, clamped) on a bar spanning `range`. */
export function fractionToTime(fraction: number, range: Range): number {
  return range.start + clamp(fraction, 0, 1) * (range.end - range.start);
}

/**
 * Where a seek to `time` should land: the time itself when it is recorded, the
 * start of the next recording when it falls in a gap, null after the last one.
 * `recorded` must be merged (sorted, non-overlapping).
 */
export function resolveSeekTarget(time: number, recorded: readonly Range[]): number | null {
  for (const range of recorded) {
    if (time < range.start) return range.start;
    if (time <= range.end) return time;
  }
  return null;
}

/** The subset of an hls.js fragment the mapping needs. */
export interface Fragment {
  /** Media time (s) at which the fragment starts. */
  start: number;
  /** Duration (s). */
  duration: number;
  /** Wall clock (epoch ms) of the fragment's first frame, from EXT-X-PROGRAM-DATE-TIME. */
  programDateTime: number | null;
}

interface TimedFragment extends Fragment {
  programDateTime: number;
}

function sortedBy<T>(items: readonly T[], key: (item: T) => number): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if (key(items[i]!) < key(items[i - 1]!)) return [...items].sort((a, b) => key(a) - key(b));
  }
  return items;
}

/** Index of the last item whose key is <= value (-1 if none); items sorted by key. */
function lastAtOrBefore<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

const timedFragments = (fragments: readonly Fragment[]): readonly TimedFragment[] =>
  sortedBy(
    fragments.filter((f): f is TimedFragment => f.programDateTime !== null),
    (f) => f.programDateTime,
  );

/**
 * Media time (s) showing wall clock `time`: from the last fragment whose
 * programDateTime is <= time. A time in a gap maps to the next fragment's
 * start, one before the first fragment to its start, one after the last to
 * its end. Null when no fragment carries a programDateTime.
 */
export function wallClockToMedia(time: number, fragments: readonly Fragment[]): number | null {
  const timed = timedFragments(fragments);
  const first = timed[0];
  if (!first) return null;
  const index = lastAtOrBefore(timed, time, (f) => f.programDateTime);
  if (index < 0) return first.start;
  const fragment = timed[index]!;
  const offset = (time - fragment.programDateTime) / 1000;
  if (offset <= fragment.duration) return fragment.start + offset;
  const next = timed[index + 1];
  return next ? next.start : fragment.start + fragment.duration;
}

/** Wall clock (epoch ms) shown at media time `media` (s); null without timed fragments. */
export function mediaToWallClock(media: number, fragments: readonly Fragment[]): number | null {
  const timed = sortedBy(timedFragments(fragments), (f) => f.start);
  const first = timed[0];
  if (!first) return null;
  const index = lastAtOrBefore(timed, media, (f) => f.start);
  if (index < 0) return first.programDateTime;
  const fragment = timed[index]!;
  const offset = Math.min(media - fragment.start, fragment.duration);
  return fragment.programDateTime + offset * 1000;
}

/** The item closest in time to `time`; `items` sorted by time. Ties pick the earlier one. */
export function nearestByTime<T extends { time: number }>(items: readonly T[], time: number): T | null {
  const index = lastAtOrBefore(items, time, (item) => item.time);
  const before = items[index];
  const after = items[index + 1];
  if (!before) return after ?? null;
  if (!after) return before;
  return time - before.time <= after.time - time ? before : after;
}

const TICK_STEPS = [
  1000, 2000, 5000, 10_000, 15_000, 30_000,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY,
];

/** The smallest "nice" step that keeps a span within `maxTicks` intervals. */
export function tickStep(spanMs: number, maxTicks: number): number {
  const limit = Math.max(1, maxTicks);
  return TICK_STEPS.find((step) => spanMs / step <= limit) ?? 7 * DAY;
}

export interface Tick {
  time: number;
  label: string;
  /** The tick falls on the site's midnight and is labelled with the date. */
  isDay: boolean;
}

function tickLabel(time: number, tz: string, step: number): { label: string; isDay: boolean } {
  const localTime = formatTime(time, tz);
  if (step >= DAY || localTime === "00:00:00") {
    const [, month, day] = formatDate(time, tz).split("-");
    return { label: `${day}/${month}`, isDay: true };
  }
  return { label: step < MINUTE ? localTime : localTime.slice(0, 5), isDay: false };
}

/**
 * Ticks at round wall-clock times of the site's zone (every 10 min, every 3 h,
 * each midnight, ...) between start and end inclusive, at most about
 * `maxTicks` intervals apart. Wall times skipped by DST are dropped.
 */
export function generateTicks(range: Range, tz: string, maxTicks = 8): Tick[] {
  if (!(range.end > range.start)) return [];
  const step = tickStep(range.end - range.start, maxTicks);
  const ticks: Tick[] = [];
  for (let local = Math.ceil(utcToLocalMs(range.start, tz) / step) * step; ; local += step) {
    const time = localMsToUtc(local, tz);
    if (utcToLocalMs(time, tz) !== local) continue;
    if (time > range.end) break;
    const previous = ticks[ticks.length - 1];
    if (time < range.start || (previous && time <= previous.time)) continue;
    ticks.push({ time, ...tickLabel(time, tz, step) });
  }
  return ticks;
}
