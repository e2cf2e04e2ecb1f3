// Restore drills on the status page (footage/services/drill.py, GET /api/status
// "drills"): when the last drill ran, how many recordings it fetched back, the
// share of the archive verified in 30 days, and each failure with its camera,
// when it was recorded (the site's clock), what went wrong and the object; the
// check's own words for admins only.
import type { StatusReport } from "../api";
import { h } from "../dom";
import { formatNumber, formatPercent } from "../format";
import { type MessageKey, dictionaries, t } from "../i18n";
import { technicalDetails } from "../reasons";
import { formatSiteDateTime, parseIso, relativeTime } from "../time";

export interface DrillFailure {
  site: string;
  camera: string;
  start: string;
  key: string;
  /** missing, hash_mismatch, chain_mismatch, undecodable or error */
  outcome: string;
  /** The check's own words: admins only. */
  reason?: string | null;
}

export interface DrillsStatus {
  last_at: string | null;
  sampled: number;
  failed: DrillFailure[];
  fraction_verified_30d: number;
  archive_segments: number;
}

type ReportWithDrills = StatusReport & { drills?: DrillsStatus | null };

/** What went wrong, in the user's language; the code itself for one this viewer lacks. */
export function drillOutcome(outcome: string): string {
  const key = `drill.outcome.${outcome}`;
  return key in dictionaries.id ? t(key as MessageKey) : outcome;
}

/** One line: when, how many, passed or how many failed, the share verified in 30 days. */
export function drillSummary(drills: DrillsStatus, now = Date.now()): string {
  const last = parseIso(drills.last_at);
  if (last === null) return t("drill.none");
  const failed = drills.failed.length;
  return t("drill.summary", {
    when: relativeTime(last, now),
    sampled: formatNumber(drills.sampled, 0),
    result: failed ? t("drill.failed", { n: failed }) : t("drill.passed"),
    share: formatPercent(drills.fraction_verified_30d),
    archive: formatNumber(drills.archive_segments, 0),
  });
}

function failureRow(report: StatusReport, failure: DrillFailure, admin: boolean): HTMLTableRowElement {
  const site = report.sites.find((s) => s.id === failure.site);
  const camera = site?.cameras.find((c) => c.id === failure.camera)?.name ?? failure.camera;
  const when = parseIso(failure.start);
  return h(
    "tr",
    { class: "drill-failure bad", "data-outcome": failure.outcome },
    h("th", { scope: "row" }, `${site?.name ?? failure.site} · ${camera}`),
    h("td", { class: "when" }, when === null ? "—" : formatSiteDateTime(when, site?.timezone ?? "UTC")),
    h("td", { class: "outcome" }, drillOutcome(failure.outcome), technicalDetails(failure.reason, admin)),
    h("td", { class: "object" }, h("code", {}, failure.key)),
  );
}

/** The status page's drill section, or null where no drill log is kept. */
export function renderDrills(report: StatusReport, admin = false, now = Date.now()): HTMLElement | null {
  const drills = (report as ReportWithDrills).drills;
  if (!drills) return null;
  const failures = drills.failed.map((f) => failureRow(report, f, admin));
  return h(
    "section",
    { id: "drills", class: "drills" },
    h("h2", { i18n: "drill.title" }),
    h("p", { class: failures.length ? "drill-summary bad" : "drill-summary" }, drillSummary(drills, now)),
    failures.length === 0
      ? null
      : h(
          "table",
          { class: "status-table drill-failures" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { i18n: "drill.site" }),
              h("th", { i18n: "drill.recorded" }),
              h("th", { i18n: "drill.outcome" }),
              h("th", { i18n: "drill.object" }),
            ),
          ),
          h("tbody", {}, ...failures),
        ),
  );
}
