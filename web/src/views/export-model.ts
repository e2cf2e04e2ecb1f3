// What the export panel says, decided over plain data: the default range, whether
// a range can be exported, what it lacks (before the export: the API's coverage;
// after: the job's missing parts) and how far a job is. No DOM here.
import { ApiError, type Coverage, type ExportJob, type Gap } from "../api";
import { formatBytes, formatDuration } from "../format";
import { type MessageKey, t } from "../i18n";
import { HOUR, type TimeRange } from "../time";

export const MAX_EXPORT_MS = 2 * HOUR;

/** What a range lacks, as the API said before the export. */
export interface RangeCoverage {
  missing: Gap[];
  missingMs: number;
  totalMs: number;
  coveredMs: number;
}

/** The words above the list of missing parts (undefined: leave them as they are) and the parts. */
export interface MissingShown {
  text?: string;
  gaps: readonly Gap[];
}

/** "<name>.json" for "<name>.mp4": the sidecar is saved beside the clip. */
export function sidecarFileName(clip: string): string {
  return `${clip.replace(/\.mp4$/i, "")}.json`;
}

/** "<name>_evidence.zip" for "<name>.mp4": the evidence package as the server names it. */
export function packageFileName(clip: string): string {
  return `${clip.replace(/\.mp4$/i, "")}_evidence.zip`;
}

/** A file a finished job offers: the link's id, address, saved name and words. */
export interface JobLink {
  id: "export-download" | "export-sidecar" | "export-package";
  href: string;
  fileName: string;
  label: MessageKey;
  /** " (5 MB, 30 min)" after the words, or "". */
  details: string;
  primary: boolean;
}

/** The links of a done job: the MP4, its JSON sidecar, and the evidence package once written. */
export function jobLinks(job: ExportJob): JobLink[] {
  if (job.status !== "done") return [];
  const clip = job.file_name ?? "export.mp4";
  const links: JobLink[] = [];
  const add = (id: JobLink["id"], href: string | null | undefined, fileName: string, label: MessageKey,
               details = ""): void => {
    if (href) links.push({ id, href, fileName, label, details, primary: id === "export-download" });
  };
  add("export-download", job.download_url, job.file_name ?? "", "export.download", downloadDetails(job));
  add("export-sidecar", job.sidecar_url, sidecarFileName(clip), "export.sidecar");
  add("export-package", job.package_url, packageFileName(clip), "export.package");
  return links;
}

/** The default export: the playback range, cut to the maximum export length. */
export function defaultExportRange(playback: TimeRange): TimeRange {
  return { start: playback.start, end: Math.min(playback.end, playback.start + MAX_EXPORT_MS) };
}

export const jobFinished = (job: ExportJob): boolean => job.status === "done" || job.status === "failed";

/** A range the fields may be exported as, or null (none, or longer than the maximum). */
export const exportable = (range: TimeRange | null): TimeRange | null =>
  range && range.end - range.start <= MAX_EXPORT_MS ? range : null;

/** Why a range cannot be exported, or null when it can. */
export function rangeProblem(range: TimeRange | null): string | null {
  if (!range) return t("export.invalidRange");
  if (range.end - range.start > MAX_EXPORT_MS) return t("export.tooLong", { max: formatDuration(MAX_EXPORT_MS) });
  return null;
}

export function rangeCoverage(found: Coverage, range: TimeRange): RangeCoverage {
  return {
    missing: found.missing,
    missingMs: found.missing_s * 1000,
    coveredMs: found.covered_s * 1000,
    totalMs: range.end - range.start,
  };
}

const gapsMs = (gaps: readonly Gap[]): number =>
  gaps.reduce((sum, gap) => sum + (Date.parse(gap.end) - Date.parse(gap.start)), 0);

/** Before an export: the range's coverage; after: what the job says is not in the file. */
export function missingShown(
  job: ExportJob | null,
  afterExport: boolean,
  coverage: RangeCoverage | null,
): MissingShown {
  if (job && afterExport) {
    const missing = job.missing ?? [];
    const missingMs = (job.missing_s ?? gapsMs(missing) / 1000) * 1000;
    const text = missing.length ? t("export.missingAfter", { missing: formatDuration(missingMs) }) : "";
    return { text, gaps: missing };
  }
  if (!coverage) return { gaps: [] };
  const { missing, missingMs, totalMs } = coverage;
  if (coverage.coveredMs <= 0) return { text: t("export.nothingCovered"), gaps: missing };
  if (!missing.length) return { text: t("export.complete"), gaps: missing };
  const text = t("export.missingBefore", { missing: formatDuration(missingMs), total: formatDuration(totalMs) });
  return { text, gaps: missing };
}

/** "Processing… 50%" and the like. */
export function jobStatusText(job: ExportJob): string {
  switch (job.status) {
    case "queued":
      return t("export.queued");
    case "running": {
      const percent = Math.round(job.progress * 100);
      return job.evidence ? t("export.runningEvidence", { percent }) : t("export.running", { percent });
    }
    case "failed":
      return t("export.failed", { detail: job.error ?? t("error.noDetail") });
    case "done":
      return t("export.done");
  }
}

/** How far the job is, 0 to 1 (1 once done). */
export const jobProgress = (job: ExportJob): number =>
  job.status === "done" ? 1 : Math.min(1, Math.max(0, job.progress));

/** " (5 MB, 30 min)" after the download link, or "" when neither is known. */
export function downloadDetails(job: ExportJob): string {
  const details = [
    job.size_bytes !== null ? formatBytes(job.size_bytes) : "",
    job.duration_s !== null ? formatDuration(job.duration_s * 1000) : "",
  ].filter(Boolean);
  return details.length ? ` (${details.join(", ")})` : "";
}

/** A failed poll worth retrying: the network, or the server's own error. */
export const isTransient = (error: unknown): boolean =>
  error instanceof ApiError && (error.status === 0 || error.status >= 500);
