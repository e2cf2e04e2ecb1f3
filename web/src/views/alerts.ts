// Alerts (administrators): every recorded alert, newest first, with who was told
// what, when and whether it got there (a failed delivery in red, with why), and an
// Acknowledge button for those nobody has seen yet. Times in the site's clock.
import { type AlertItem, type AlertQuery, alertsApi } from "../alerts-api";
import { api, errorMessage, type Camera, type Site } from "../api";
import { h, showMessage } from "../dom";
import { onLangChange, t } from "../i18n";
import { formatSiteDateTime, parseIso } from "../time";
import { alertState, deliveryFailed, deliveryText, ruleText } from "./alerts-model";
import type { View } from "./view";

const REFRESH_MS = 15_000;

export interface AlertsNames {
  sites: Map<string, Site>;
  cameras: Map<string, Camera>;
}

function deliveriesList(alert: AlertItem, tz: string): HTMLElement {
  return h(
    "ul",
    { class: "alert-deliveries" },
    ...alert.deliveries.map((d) =>
      h("li", { class: deliveryFailed(d) ? "error" : undefined, "data-status": d.status }, deliveryText(d, tz)),
    ),
  );
}

/** One alert as a table row; `onAck` acknowledges it (the button is there until someone has). */
export function alertRow(alert: AlertItem, names: AlertsNames, onAck: (id: string) => void): HTMLTableRowElement {
  const site = names.sites.get(alert.site);
  const tz = site?.timezone ?? "UTC";
  const camera = alert.camera ? (names.cameras.get(alert.camera)?.name ?? alert.camera) : "";
  const opened = parseIso(alert.opened_at);
  let ack: HTMLElement | string = "";
  if (!alert.acknowledged_by) {
    ack = h("button", { type: "button", class: "ack", "data-ack": alert.id, i18n: "alerts.acknowledge" });
    ack.addEventListener("click", () => onAck(alert.id));
  }
  return h(
    "tr",
    { "data-alert": alert.id, class: `severity-${alert.severity}${alert.cleared_at ? "" : " alert-open"}` },
    h("td", {}, opened === null ? "" : formatSiteDateTime(opened, tz)),
    h("td", {}, [site?.name ?? alert.site, camera].filter(Boolean).join(" / ")),
    h("td", {}, h("strong", {}, ruleText(alert.rule)), h("div", { class: "hint" }, alert.message)),
    h("td", { class: "alert-state" }, alertState(alert, tz)),
    h("td", {}, deliveriesList(alert, tz)),
    h("td", {}, ack),
  );
}

export function renderAlertsTable(alerts: AlertItem[], names: AlertsNames, onAck: (id: string) => void): HTMLElement {
  if (alerts.length === 0) return h("p", { id: "alerts-empty", class: "hint", i18n: "alerts.none" });
  const head = ["alerts.when", "alerts.where", "alerts.what", "alerts.state", "alerts.told", "alerts.ack"] as const;
  return h(
    "table",
    { id: "alerts-table", class: "status-table alerts-table" },
    h("thead", {}, h("tr", {}, ...head.map((key) => h("th", { i18n: key })))),
    h("tbody", {}, ...alerts.map((alert) => alertRow(alert, names, onAck))),
  );
}

function filters(onChange: (query: AlertQuery) => void): HTMLElement {
  const open = h("input", { type: "checkbox", id: "alerts-open-only" });
  const unacked = h("input", { type: "checkbox", id: "alerts-unacked-only" });
  const changed = (): void => onChange({ openOnly: open.checked, unacknowledgedOnly: unacked.checked });
  open.addEventListener("change", changed);
  unacked.addEventListener("change", changed);
  return h(
    "div",
    { class: "row alerts-filters" },
    h("label", {}, open, h("span", { i18n: "alerts.openOnly" })),
    h("label", {}, unacked, h("span", { i18n: "alerts.unackedOnly" })),
  );
}

async function loadNames(): Promise<AlertsNames> {
  const [sites, cameras] = await Promise.all([api.sites(), api.cameras()]);
  return { sites: new Map(sites.map((s) => [s.id, s])), cameras: new Map(cameras.map((c) => [c.id, c])) };
}

export const mountAlerts: View = (container, context) => {
  const message = h("p", { id: "alerts-message", class: "message", role: "status", hidden: true });
  const body = h("div", { class: "table-wrap" });
  let query: AlertQuery = { openOnly: false, unacknowledgedOnly: false };
  let timer: number | undefined;
  let disposed = false;
  let alerts: AlertItem[] | null = null;
  let names: AlertsNames = { sites: new Map(), cameras: new Map() };
  const head = h("div", { class: "page-head" }, h("h1", { i18n: "alerts.title" }));
  container.append(h("section", { class: "alerts-page" }, head, message));
  if (context.user?.role !== "admin") {
    showMessage(message, t("alerts.adminOnly"));
    return () => undefined;
  }

  const render = (): void => {
    if (alerts) body.replaceChildren(renderAlertsTable(alerts, names, (id) => void acknowledge(id)));
  };
  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      if (names.sites.size === 0) names = await loadNames();
      const answer = await alertsApi.list(query);
      if (disposed) return;
      alerts = answer.alerts;
      showMessage(message, "");
      render();
    } catch (error) {
      if (!disposed) showMessage(message, errorMessage(error));
    }
    if (!disposed) timer = window.setTimeout(() => void refresh(), REFRESH_MS);
  };
  const acknowledge = async (id: string): Promise<void> => {
    try {
      await alertsApi.acknowledge(id);
      await refresh();
    } catch (error) {
      showMessage(message, errorMessage(error));
    }
  };
  container.querySelector(".alerts-page")?.append(filters((next) => ((query = next), void refresh())), body);
  void refresh();
  const offLang = onLangChange(render);
  return () => {
    disposed = true;
    window.clearTimeout(timer);
    offLang();
  };
};
