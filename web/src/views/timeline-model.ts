// The playback timeline's model: what the bar shows (recorded ranges, gaps with
// their reasons, skipped parts, parts held as evidence, ticks, the playhead) and what a key or a hover
// means, as plain data. timeline-draw.ts puts it on the page; timeline-input.ts
// turns pointer and keys into it; timeline-bar.ts ties them together.
import { formatDuration } from "../format";
import { t } from "../i18n";
import { formatTime } from "../time";
import { type Range, fractionToTime, generateTicks, nearestByTime, timeToFraction } from "../timeline";
import { gapReason } from "./gap-notes";

/** A part without playable footage: `reason` is a gap.* code (no_recording, unplayable...). */
export interface TimelineGap extends Range {
  reason: string;
}

export interface TimelineData {
  /** The camera shown: its evidence holds are drawn (see TimelineState.held). */
  camera?: string;
  range: Range;
  tz: string;
  recorded: Range[];
  gaps: TimelineGap[];
}

export interface TimelineThumbnail {
  time: number;
  url: string;
  tile?: number | null;
  tiles?: number | null;
}

/** Everything the bar knows; `dragging` while a pointer moves the playhead. */
export interface TimelineState {
  data: TimelineData | null;
  /** Sorted by time. */
  thumbnails: TimelineThumbnail[];
  /** Parts the player could not play and went past. */
  skipped: Range[];
  /** A camera's parts held as evidence (admins only), drawn when the bar shows that camera. */
  held: { camera: string; parts: Range[] } | null;
  playhead: number | null;
  dragging: boolean;
}

/** One drawn part of the bar: its classes, its place (fractions of the bar) and its tooltip. */
export interface TimelineBlock {
  kind: string;
  start: number;
  end: number;
  left: number;
  width: number;
  title: string;
  reason?: string;
}

export interface TimelineTick {
  label: string;
  left: number;
  classes: string;
}

const TICK_SPACING_PX = 72;
const KEY_STEP_MS = 10_000;

export const emptyTimeline = (): TimelineState => ({
  data: null,
  thumbnails: [],
  skipped: [],
  held: null,
  playhead: null,
  dragging: false,
});

/** "10:00:00 – 10:30:00 (30 min)" in the site's zone. */
export const rangeText = (range: Range, tz: string): string =>
  `${formatTime(range.start, tz)} – ${formatTime(range.end, tz)} (${formatDuration(range.end - range.start)})`;

function block(kind: string, part: Range, bar: Range, title: string, reason?: string): TimelineBlock {
  const left = timeToFraction(part.start, bar);
  const width = timeToFraction(part.end, bar) - left;
  return { kind, start: part.start, end: part.end, left, width, title, reason };
}

function gapBlock(gap: TimelineGap, bar: Range, tz: string): TimelineBlock {
  const range = rangeText(gap, tz);
  if (gap.reason === "no_recording") return block("tl-gap", gap, bar, t("timeline.gap", { range }), gap.reason);
  const title = t("timeline.gapReason", { reason: gapReason(gap.reason), range });
  return block("tl-gap tl-bad", gap, bar, title, gap.reason);
}

/** The held parts of the shown camera within the bar's range (cut to it). */
export function heldParts(state: TimelineState): Range[] {
  const { data, held } = state;
  if (!data || !held || held.camera !== data.camera) return [];
  const { start, end } = data.range;
  return held.parts
    .filter((part) => part.end > start && part.start < end)
    .map((part) => ({ start: Math.max(part.start, start), end: Math.min(part.end, end) }));
}

/** The recorded ranges, then the gaps, then the skipped parts, then the held bands, as drawn
 * (later on top). */
export function timelineBlocks(
  data: TimelineData,
  skipped: readonly Range[],
  held: readonly Range[] = [],
): TimelineBlock[] {
  const { range, tz } = data;
  return [
    ...data.recorded.map((r) => block("tl-rec", r, range, t("timeline.recorded", { range: rangeText(r, tz) }))),
    ...data.gaps.map((gap) => gapBlock(gap, range, tz)),
    ...skipped.map((r) => block("tl-skipped tl-bad", r, range, t("timeline.skipped", { range: rangeText(r, tz) }))),
    ...held.map((r) => block("tl-held", r, range, t("timeline.held", { range: rangeText(r, tz) }))),
  ];
}

/** Ticks in site time, about one per 72 px of a bar `widthPx` wide (640 when unknown). */
export function timelineTicks(data: TimelineData, widthPx: number): TimelineTick[] {
  const maxTicks = Math.max(2, Math.floor((widthPx || 640) / TICK_SPACING_PX));
  return generateTicks(data.range, data.tz, maxTicks).map((tick) => {
    const left = timeToFraction(tick.time, data.range);
    const classes = ["tl-tick", tick.isDay ? "day" : "", left < 0.02 ? "first" : "", left > 0.98 ? "last" : ""];
    return { label: tick.label, left, classes: classes.filter(Boolean).join(" ") };
  });
}

/** The words for a moment on the bar that does not play, or null. */
export function notPlaying(data: TimelineData, skipped: readonly Range[], time: number): string | null {
  const inside = (r: Range): boolean => time >= r.start && time < r.end;
  if (skipped.some(inside)) return gapReason("skipped");
  const gap = data.gaps.find(inside);
  return gap ? gapReason(gap.reason) : null;
}

/** What the hover says at a moment: its time, and why it does not play. */
export function hoverText(data: TimelineData, skipped: readonly Range[], time: number): string {
  const why = notPlaying(data, skipped, time);
  return `${formatTime(time, data.tz)}${why ? ` · ${why}` : ""}`;
}

/** The thumbnail nearest a moment, or null. */
export const thumbnailAt = (state: TimelineState, time: number): TimelineThumbnail | null =>
  nearestByTime(state.thumbnails, time);

/**
 * The `object-position` that shows a sprite's tile in the 16:9 preview (`object-fit: cover`
 * scales the row of tiles to the preview's height; x% lines the tile up); "" for a JPEG of its own.
 */
export function thumbnailPosition(thumb: TimelineThumbnail): string {
  const { tile, tiles } = thumb;
  if (tile == null || tiles == null || tiles < 2 || tile < 0 || tile >= tiles) return "";
  return `${(100 * tile) / (tiles - 1)}% 50%`;
}

/** The moment under a point `x` px from the bar's left edge, or null on a bar of no width. */
export function timeAtOffset(x: number, width: number, range: Range): number | null {
  return width > 0 ? fractionToTime(x / width, range) : null;
}

/** Where a key moves the playhead (10 s, 1 min with shift, or either end), kept in the range. */
export function keyTarget(range: Range, playhead: number | null, key: string, shift: boolean): number | null {
  const current = playhead ?? range.start;
  const step = shift ? 6 * KEY_STEP_MS : KEY_STEP_MS;
  const targets: Record<string, number> = {
    ArrowLeft: current - step,
    ArrowRight: current + step,
    Home: range.start,
    End: range.end,
  };
  const target = targets[key];
  return target === undefined ? null : Math.min(range.end, Math.max(range.start, target));
}
