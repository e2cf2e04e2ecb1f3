// Capacity and cost plan (admins; GET /api/plan, `vms plan`): per site whether the
// uplink carries the cameras' footage within its schedule, at which level, the
// backlog over a week (a chart) and the CPU; the deployment's monthly AWS cost next
// to Kinesis Video Streams.
import { errorMessage, request } from "../api";
import { h, showMessage } from "../dom";
import { formatNumber } from "../format";
import { locale, onLangChange, t, type MessageKey } from "../i18n";
import { buildHash, navigate } from "../router";
import { siteChart } from "./plan-chart";
import { type DeploymentPlan, type PlanCosts, type SitePlan, siteVerdict, weekHour } from "./plan-model";
import type { View } from "./view";
import "./plan.css";

export const DEFAULT_HOURS = 100;
const gb = (value: number): string => formatNumber(value, 1);
const usd = (value: number): string =>
  new Intl.NumberFormat(locale(), { style: "currency", currency: "USD", currencyDisplay: "narrowSymbol" }).format(value);

function siteRow(site: SitePlan): HTMLTableRowElement {
  const backlog = !site.keeps_up
    ? t("plan.grows", { growth: gb(site.growth_gb_day) })
    : site.backlog_peak_gb < 0.001
      ? t("plan.none")
      : `${gb(site.backlog_peak_gb)} GB, ${weekHour(site.peak_at)}`;
  const drained = site.backlog_peak_gb < 0.001 && site.keeps_up ? "–" : site.drained_at === null ? t("plan.never") : weekHour(site.drained_at);
  const cells = [
    site.name,
    String(site.cameras),
    gb(site.recorded_gb_day),
    site.capacity_gb_day === null ? t("plan.noCap") : gb(site.capacity_gb_day),
    `${site.level} ${site.profile}`,
    gb(site.upload_gb_day),
    backlog,
    drained,
    `${formatNumber(site.cpu_cores, 2)} / ${formatNumber(site.cpu_budget_cores, 2)}`,
  ];
  return h(
    "tr",
    { "data-site": site.site, class: site.keeps_up ? undefined : "bad" },
    ...cells.map((cell) => h("td", {}, cell)),
    h("td", { class: "plan-verdict" }, site.keeps_up ? t("plan.ok") : t("plan.notOk")),
  );
}

const SITE_HEADS: MessageKey[] = [
  "plan.col.site", "plan.col.cameras", "plan.col.records", "plan.col.uplink", "plan.col.level",
  "plan.col.sends", "plan.col.backlog", "plan.col.drained", "plan.col.cpu", "plan.col.verdict",
]; // prettier-ignore

function costTable(c: PlanCosts, horizon: number): HTMLTableElement {
  const cell = (value: number | null): HTMLTableCellElement => h("td", {}, value === null ? "–" : usd(value));
  const row = (key: MessageKey, ours: number | null, kvs: number | null): HTMLTableRowElement =>
    h("tr", {}, h("th", { i18n: key }), cell(ours), cell(kvs));
  return h(
    "table",
    { id: "plan-costs", class: "status-table" },
    h("caption", {}, t("plan.costs", { region: c.region, tb: formatNumber(c.stored_tb, 2), days: horizon })),
    h("tr", {}, h("th", {}), h("th", { i18n: "plan.cost.ours" }), h("th", { i18n: "plan.cost.kvs" })),
    row("plan.cost.storage", c.storage, c.kvs_storage),
    row("plan.cost.requests", c.requests, null),
    row("plan.cost.processing", c.processing, null),
    row("plan.cost.ingest", null, c.kvs_ingest),
    row("plan.cost.hls", null, c.kvs_hls),
    row("plan.cost.transfer", c.transfer_out, c.kvs_transfer_out),
    row("plan.cost.total", c.total, c.kvs_total),
  );
}

/** The whole plan: the sites' table, each site's week chart and verdict, the costs. */
export function renderPlan(plan: DeploymentPlan): HTMLElement {
  const measured = plan.measured_from ? t("plan.measured", { where: plan.measured_from }) : t("plan.nothingMeasured");
  const table = h(
    "table",
    { id: "plan-sites", class: "status-table" },
    h("thead", {}, h("tr", {}, ...SITE_HEADS.map((key) => h("th", { i18n: key })))),
    h("tbody", {}, ...plan.sites.map(siteRow)),
  );
  const charts = plan.sites.map((site) =>
    h(
      "figure",
      { class: "plan-site", "data-site": site.site },
      h("figcaption", { class: site.keeps_up ? "plan-ok" : "plan-bad" }, `${site.name}: ${siteVerdict(site)}`),
      siteChart(site),
    ),
  );
  const legend = h("p", { class: "hint plan-legend", i18n: "plan.legend" });
  const prices = h("p", { class: "hint" }, t("plan.prices", { prices: plan.prices }));
  return h("div", { class: "plan" }, h("p", { class: "hint" }, measured), table, legend, ...charts, costTable(plan.costs, plan.horizon_days), prices);
}

export const mountPlan: View = (container, context) => {
  const message = h("p", { id: "plan-message", class: "message", role: "status", hidden: true });
  const hoursParam = Number(context.route.params.get("hours") ?? DEFAULT_HOURS);
  const hours = Number.isFinite(hoursParam) && hoursParam >= 0 ? hoursParam : DEFAULT_HOURS;
  const input = h("input", { id: "plan-hours", type: "number", min: 0, max: 10_000_000, step: "any", value: hours });
  const form = h("form", { class: "plan-form" }, h("label", { for: "plan-hours", i18n: "plan.hoursWatched" }), input, h("button", { type: "submit", i18n: "plan.apply" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(buildHash("plan", { hours: input.value || String(DEFAULT_HOURS) }));
  });
  const body = h("div", { class: "table-wrap" });
  container.append(h("section", { class: "plan-page" }, h("div", { class: "page-head" }, h("h1", { i18n: "plan.title" })), form, message, body));
  if (context.user?.role !== "admin") {
    showMessage(message, t("status.adminOnly"));
    return () => undefined;
  }
  let plan: DeploymentPlan | null = null;
  let disposed = false;
  const render = (): void => {
    if (plan) body.replaceChildren(renderPlan(plan));
  };
  showMessage(message, t("plan.loading"), "info");
  request<DeploymentPlan>("/api/plan", { query: { hours_watched: String(hours) } })
    .then((next) => {
      if (disposed) return;
      plan = next;
      showMessage(message, "");
      render();
    })
    .catch((error: unknown) => {
      if (!disposed) showMessage(message, errorMessage(error));
    });
  const offLang = onLangChange(render);
  return () => {
    disposed = true;
    offLang();
  };
};
