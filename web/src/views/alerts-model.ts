// What the Alerts page says about an alert and each of its deliveries (pure).
import type { AlertDelivery, AlertItem } from "../alerts-api";
import { t, type MessageKey } from "../i18n";
import { formatSiteDateTime, parseIso } from "../time";

const RULES = new Set([
  "camera_offline", "site_down", "tampering", "site_silent", "upload_backlog", "spool_full",
  "footage_dropped", "recording_gap", "quarantine", "drill_failed", "failed_logins", "digest", "test",
]);
const DELIVERY_STATES = new Set(["pending", "delivered", "failed", "held"]);

/** The rule in the user's language (an unknown rule as itself). */
export function ruleText(rule: string): string {
  return RULES.has(rule) ? t(`alertRule.${rule}` as MessageKey) : rule;
}

/** "when" in the site's clock, or "" when missing. */
function siteTime(iso: string | null, tz: string): string {
  const at = parseIso(iso);
  return at === null ? "" : formatSiteDateTime(at, tz);
}

/** Open / cleared (when), and acknowledged (by whom, when) in the site's clock. */
export function alertState(alert: AlertItem, tz: string): string {
  const state = alert.cleared_at
    ? t("alerts.cleared", { when: siteTime(alert.cleared_at, tz) })
    : t("alerts.open");
  if (!alert.acknowledged_by) return state;
  return `${state} · ${t("alerts.ackedBy", { user: alert.acknowledged_by, when: siteTime(alert.acknowledged_at, tz) })}`;
}

/** One delivery: "telegram → -1001: delivered 06/12/2026 10:02:00 WIB", failures with why. */
export function deliveryText(d: AlertDelivery, tz: string): string {
  const who = `${d.channel} → ${d.recipient}`;
  const event = t(d.event === "clear" ? "alerts.eventClear" : d.event === "open" ? "alerts.eventOpen" : "alerts.eventNote");
  const status = DELIVERY_STATES.has(d.status) ? t(`alerts.delivery.${d.status}` as MessageKey) : d.status;
  const parts = [`${event}: ${who}: ${status}`];
  if (d.status === "delivered" && d.delivered_at) parts.push(siteTime(d.delivered_at, tz));
  if (d.attempts > 1 || d.status === "failed") parts.push(t("alerts.attempts", { n: d.attempts }));
  if (d.status === "pending" && d.next_attempt_at) parts.push(t("alerts.nextTry", { when: siteTime(d.next_attempt_at, tz) }));
  if (d.last_error && d.status !== "delivered") parts.push(d.last_error);
  return parts.join(" · ");
}

/** Whether the delivery did not (yet) get there: shown in red. */
export function deliveryFailed(d: AlertDelivery): boolean {
  return d.status === "failed" || (d.status === "pending" && d.attempts > 0);
}
