// System status (admins): per site and camera, last upload, backlog, 24 h coverage.
// The table is here; its rows are in status-rows.ts, the NVR folders in watch-folders.ts,
// the restore drills in drills.ts.
import { api, errorMessage, type StatusReport } from "../api";
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { parseIso, relativeTime } from "../time";
import { cameraRow, siteRow } from "./status-rows";
import { renderDrills } from "./drills";
import type { View } from "./view";
import { renderWatchFolders } from "./watch-folders";

const REFRESH_MS = 10_000;

/** ``admin``: show the tools' own words (collapsed technical details) beside each reason. */
export function renderStatusTable(report: StatusReport, now = Date.now(), admin = false): HTMLTableElement {
  return h(
    "table",
    { id: "status-table", class: "status-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { i18n: "status.name" }),
        h("th", { i18n: "status.state" }),
        h("th", { i18n: "status.lastUpload" }),
        h("th", { i18n: "status.backlog" }),
        h("th", { i18n: "status.coverage" }),
        h("th", { i18n: "status.live" }),
      ),
    ),
    ...report.sites.map((site) =>
      h(
        "tbody",
        { "data-site": site.id },
        siteRow(site, now, admin),
        ...site.cameras.map((camera) => cameraRow(site, camera, now, admin)),
      ),
    ),
  );
}

export const mountStatus: View = (container, context) => {
  const message = h("p", { id: "status-message", class: "message", role: "status", hidden: true });
  const updated = h("span", { id: "status-updated", class: "hint" });
  const tableWrap = h("div", { class: "table-wrap" });
  container.append(
    h(
      "section",
      { class: "status-page" },
      h("div", { class: "page-head" }, h("h1", { i18n: "status.title" }), updated),
      message,
      tableWrap,
    ),
  );
  if (context.user?.role !== "admin") {
    showMessage(message, t("status.adminOnly"));
    return () => undefined;
  }

  let report: StatusReport | null = null;
  let timer: number | undefined;
  let disposed = false;

  function render(): void {
    if (!report) return;
    const generated = parseIso(report.generated_at) ?? Date.now();
    updated.textContent = t("status.updated", { when: relativeTime(generated) });
    const admin = context.user?.role === "admin";
    tableWrap.replaceChildren(
      renderStatusTable(report, Date.now(), admin),
      renderWatchFolders(report, admin) ?? "",
      renderDrills(report, admin) ?? "",
    );
  }

  async function refresh(): Promise<void> {
    try {
      const next = await api.status();
      if (disposed) return;
      report = next;
      showMessage(message, "");
      render();
    } catch (error) {
      if (disposed) return;
      showMessage(message, errorMessage(error));
    }
    timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  }

  void refresh();
  const offLang = onLangChange(render);
  return () => {
    disposed = true;
    window.clearTimeout(timer);
    offLang();
  };
};
