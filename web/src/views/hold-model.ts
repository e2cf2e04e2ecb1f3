// The evidence holds' decisions over plain data: who may see them (admins), the
// request a form makes (a reason is required), the holds of a camera as shown
// (who, the range in the site's time, why), their bands on the timeline, and what
// an answer or an error is called. No DOM here.
import { ApiError, type Me, errorMessage } from "../api";
import type { EvidenceHold, HoldRequest } from "../evidence-api";
import { t } from "../i18n";
import { formatDayFirst, formatTime, parseIso, toIso, zoneAbbr, type TimeRange } from "../time";
import type { Range } from "../timeline";

/** The API's limit on a reason. */
export const MAX_REASON_LENGTH = 500;

/** A hold as listed: its id (to release it), range (epoch ms), who placed it and why. */
export interface HoldRow {
  id: string;
  start: number;
  end: number;
  who: string;
  reason: string;
}

/** Only administrators see the holds (the server refuses anyone else, and audits it). */
export const canManageHolds = (user: Me | null): boolean => user?.role === "admin";

/** The request for a hold of `range` of `camera`, or why there is none (translated). */
export function holdRequest(
  camera: string | null,
  range: TimeRange | null,
  reason: string,
): { request: HoldRequest } | { problem: string } {
  if (!camera) return { problem: t("hold.noCamera") };
  if (!range || !(range.end > range.start)) return { problem: t("hold.invalidRange") };
  const why = reason.trim();
  if (!why) return { problem: t("hold.reasonRequired") };
  return { request: { camera, start: toIso(range.start), end: toIso(range.end), reason: why } };
}

/** A hold's row, or null when its times are not times. */
export function holdRow(hold: EvidenceHold): HoldRow | null {
  const start = parseIso(hold.start);
  const end = parseIso(hold.end);
  if (start === null || end === null || end <= start) return null;
  return { id: hold.id, start, end, who: hold.created_by, reason: hold.reason };
}

/** The holds of `camera` as listed, by start (anything else in the answer is left out). */
export function holdRows(holds: readonly EvidenceHold[], camera: string): HoldRow[] {
  return holds
    .filter((hold) => hold.camera === camera)
    .map(holdRow)
    .filter((row): row is HoldRow => row !== null)
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

/** "06/12/2026 10:00:00–10:30:00 WIB", both dates when it spans days: holds are of any day. */
export function holdRangeText(start: number, end: number, tz: string): string {
  const zone = zoneAbbr(tz, start);
  const [day, lastDay] = [formatDayFirst(start, tz), formatDayFirst(end - 1, tz)];
  if (day === lastDay) return `${day} ${formatTime(start, tz)}–${formatTime(end, tz)} ${zone}`;
  return `${day} ${formatTime(start, tz)} – ${formatDayFirst(end, tz)} ${formatTime(end, tz)} ${zone}`;
}

/** The held parts of the timeline. */
export const heldRanges = (rows: readonly HoldRow[]): Range[] => rows.map(({ start, end }) => ({ start, end }));

/** What the page says once a hold is placed or released. */
export function outcomeMessage(action: "placed" | "released", hold: EvidenceHold, tz: string): string {
  const row = holdRow(hold);
  const range = row ? holdRangeText(row.start, row.end, tz) : `${hold.start} – ${hold.end}`;
  return t(action === "placed" ? "hold.placed" : "hold.released", { range, n: hold.segments ?? 0 });
}

/** An error of a hold call in the user's language: a refusal, an unknown camera or hold, the
 * network; anything else as any API error is said. */
export function holdErrorMessage(error: unknown, action: "list" | "place" | "release", camera: string): string {
  if (error instanceof ApiError && error.status === 403) return t("hold.forbidden");
  if (error instanceof ApiError && error.status === 404) {
    return action === "release" ? t("hold.gone") : t("hold.cameraUnknown", { camera });
  }
  const message = errorMessage(error);
  return action === "list" ? t("hold.listFailed", { detail: message }) : message;
}
