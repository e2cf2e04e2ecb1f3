// The playback page's decisions over plain data: the range a link asks for, the
// camera to start with, what of the footage plays and why nothing would, what a
// player error or a skipped part is called. No DOM and no player here.
import type { Camera, Footage, Thumbnail } from "../api";
import { t, type MessageKey } from "../i18n";
import { hevcType, isHevc } from "../player";
import { HOUR, parseIso, type TimeRange } from "../time";
import { type Range, recordedRanges } from "../timeline";
import { type GapNote, formatPart, gapReason } from "./gap-notes";
import type { TimelineThumbnail } from "./timeline-model";

/** The range a deep link asks for, or the last hour. */
export function initialRange(params: URLSearchParams, now = Date.now()): TimeRange {
  const start = parseIso(params.get("start"));
  const end = parseIso(params.get("end"));
  if (start !== null && end !== null && end > start) return { start, end };
  const last = Math.floor(now / 1000) * 1000;
  return { start: last - HOUR, end: last };
}

/** The camera asked for, else the one used last, else the first (known ones only; "" for none). */
export function startCamera(
  cameras: ReadonlyMap<string, Camera>,
  requested: string | null,
  stored: string | null,
): string {
  if (requested && cameras.has(requested)) return requested;
  if (stored && cameras.has(stored)) return stored;
  return cameras.keys().next().value ?? "";
}

const playableRanges = (footage: Footage): Range[] =>
  footage.segments
    .filter((segment) => segment.status === "ok")
    .map((segment) => ({ start: parseIso(segment.start) ?? NaN, end: parseIso(segment.end) ?? NaN }));

/** What plays of the range: its playable segments, merged and clipped to it. */
export const recordedIn = (footage: Footage, range: TimeRange): Range[] =>
  recordedRanges(playableRanges(footage), range.start, range.end);

/** Why the footage will not be played (null: play it): nothing recorded. */
export function footageProblem(recorded: readonly Range[]): { key: MessageKey; kind: "info" | "error" } | null {
  return recorded.length ? null : { key: "playback.noFootage", kind: "info" };
}

/**
 * The codec to ask the playlist for (`?codec=h264`) when some footage that plays
 * is HEVC this browser cannot decode (`decodes`: Media Source's isTypeSupported):
 * the server lists that footage as H.264 renditions. Null: play it as recorded.
 */
export function playbackCodec(footage: Footage, decodes: (type: string) => boolean): "h264" | null {
  const hevc = footage.segments.filter((segment) => segment.status === "ok" && isHevc(segment.codec));
  const types = new Set(hevc.map((segment) => hevcType(segment.height)));
  return [...types].every((type) => decodes(type)) ? null : "h264";
}

/** The thumbnails with a valid time, sorted by it. */
export function timelineThumbnails(thumbnails: readonly Thumbnail[]): TimelineThumbnail[] {
  return thumbnails
    .map((thumb) => ({ time: parseIso(thumb.time) ?? NaN, url: thumb.url, tile: thumb.tile, tiles: thumb.tiles }))
    .filter((thumb) => Number.isFinite(thumb.time))
    .sort((a, b) => a.time - b.time);
}

/** The notes under the timeline: the server's gaps, then the parts the player skipped. */
export const playbackNotes = (serverGaps: readonly GapNote[], skipped: readonly Range[]): GapNote[] => [
  ...serverGaps,
  ...skipped.map((part) => ({ ...part, reason: "skipped", detail: null })),
];

/** "Part 10:00:10-10:00:20 WIB skipped: cannot be played" (no range when it is not known). */
export function skippedMessage(part: Range | null, tz: string): string {
  const range = part ? formatPart(part.start, part.end, tz) : "";
  return t("playback.skipped", { range, reason: gapReason("skipped") });
}

/** What a fatal player error is called; null for a 401 (the login page says it). */
export function playerErrorMessage(status: number | undefined, details: string): string | null {
  if (status === 401) return null;
  if (status === 404) return t("playback.noFootage");
  return t("playback.playerError", { detail: details });
}
