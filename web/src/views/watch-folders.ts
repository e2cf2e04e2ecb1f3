// NVR drop folders on the status page: what became of every file dropped there
// (edge_uploader/watch_report.py): counts per outcome, then every file still
// waiting and the latest ones with a reason, in the user's language; the tools'
// own words only for admins.
import type { SiteStatus, StatusReport } from "../api";
import { h } from "../dom";
import { formatBytes } from "../format";
import { type MessageKey, dictionaries, t } from "../i18n";
import { technicalDetails } from "../reasons";
import { formatSiteDateTime, parseIso } from "../time";

export interface WatchedFileStatus {
  name: string;
  /** waiting, ingested, duplicate, quarantined, salvaged or removed */
  outcome: string;
  reason_code?: string | null;
  reason_params?: Record<string, string>;
  /** Both languages, as the edge wrote it: shown when this viewer does not know the code. */
  reason?: string | null;
  detail?: string | null;
  size?: number;
  updated_at?: string | null;
}

export interface WatchFolderStatus {
  path: string;
  camera: string;
  counts: Record<string, number>;
  files: WatchedFileStatus[];
}

type SiteWithFolders = SiteStatus & { watch_folders?: WatchFolderStatus[] };

const OUTCOMES = ["waiting", "ingested", "duplicate", "quarantined", "salvaged", "removed"];
const BAD = new Set(["quarantined", "salvaged", "removed"]);

function known(key: string): key is MessageKey {
  return key in dictionaries.id;
}

/** The outcome in the user's language ("dikarantina"), else the code itself. */
export function outcomeText(outcome: string): string {
  const key = `watch.outcome.${outcome}`;
  return known(key) ? t(key) : outcome;
}

/** Why, in the user's language; the edge's bilingual words for a code this viewer lacks. */
export function watchReason(file: WatchedFileStatus): string {
  const key = `watch.reason.${file.reason_code ?? ""}`;
  if (file.reason_code && known(key)) return t(key, file.reason_params ?? {});
  return file.reason ?? "";
}

/** "4 diambil · 1 dikarantina", outcomes with no file left out. */
export function countsText(counts: Record<string, number>): string {
  const parts = OUTCOMES.filter((o) => (counts[o] ?? 0) > 0).map((o) => `${counts[o]} ${outcomeText(o)}`);
  return parts.length ? parts.join(" · ") : t("watch.none");
}

function fileRow(file: WatchedFileStatus, tz: string, admin: boolean): HTMLTableRowElement {
  const when = parseIso(file.updated_at);
  return h(
    "tr",
    { class: BAD.has(file.outcome) ? "watch-file bad" : "watch-file", "data-outcome": file.outcome },
    h("td", { class: "name" }, file.name, h("small", {}, formatBytes(file.size ?? 0))),
    h("td", { class: "outcome" }, outcomeText(file.outcome)),
    h("td", { class: "reason" }, watchReason(file), technicalDetails(file.detail, admin)),
    h("td", { class: "when" }, when === null ? "—" : formatSiteDateTime(when, tz)),
  );
}

function folderBlock(site: SiteWithFolders, folder: WatchFolderStatus, admin: boolean): HTMLElement {
  const camera = site.cameras.find((c) => c.id === folder.camera)?.name ?? folder.camera;
  return h(
    "div",
    { class: "watch-folder", "data-site": site.id, "data-camera": folder.camera },
    h("h3", {}, `${site.name} · ${camera}`, " ", h("code", {}, folder.path)),
    h("p", { class: "counts" }, countsText(folder.counts)),
    folder.files.length === 0
      ? null
      : h(
          "table",
          { class: "status-table watch-files" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", { i18n: "watch.file" }),
              h("th", { i18n: "watch.outcome" }),
              h("th", { i18n: "watch.reason" }),
              h("th", { i18n: "watch.when" }),
            ),
          ),
          h("tbody", {}, ...folder.files.map((file) => fileRow(file, site.timezone, admin))),
        ),
  );
}

/** The status page's NVR folder section, or null when no site has a folder. */
export function renderWatchFolders(report: StatusReport, admin = false): HTMLElement | null {
  const blocks = (report.sites as SiteWithFolders[]).flatMap((site) =>
    (site.watch_folders ?? []).map((folder) => folderBlock(site, folder, admin)),
  );
  if (blocks.length === 0) return null;
  return h("section", { id: "watch-folders", class: "watch-folders" }, h("h2", { i18n: "watch.title" }), ...blocks);
}
