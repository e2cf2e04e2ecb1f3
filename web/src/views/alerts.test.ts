// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AlertItem } from "../alerts-api";
import type { Camera, Site } from "../api";
import { setLang } from "../i18n";
import { type AlertsNames, renderAlertsTable } from "./alerts";
import { alertState, deliveryFailed, deliveryText, ruleText } from "./alerts-model";

const delivery = {
  event: "open",
  channel: "tg",
  recipient: "-1001",
  language: "id",
  subject: "Kamera mati",
  status: "delivered",
  attempts: 1,
  created_at: "2026-12-06T03:00:00Z",
  delivered_at: "2026-12-06T03:00:05Z",
  next_attempt_at: null,
  last_error: "",
};
const alert: AlertItem = {
  id: "a1",
  rule: "camera_offline",
  site: "CABANG-01",
  camera: "cab-kasir",
  severity: "warning",
  message: "Camera Kasir offline since 11:00:00 WITA",
  opened_at: "2026-12-06T03:00:00Z",
  cleared_at: null,
  acknowledged_by: null,
  acknowledged_at: null,
  deliveries: [
    delivery,
    { ...delivery, channel: "mail", recipient: "ops@example.co.id", status: "pending", attempts: 2,
      delivered_at: null, next_attempt_at: "2026-12-06T03:02:00Z", last_error: "SMTP: connection refused" },
  ],
};
const names: AlertsNames = {
  sites: new Map([["CABANG-01", { id: "CABANG-01", name: "Cabang Makassar", timezone: "Asia/Makassar" } as Site]]),
  cameras: new Map([["cab-kasir", { id: "cab-kasir", name: "Kasir" } as Camera]]),
};

afterEach(() => setLang("id"));

describe("alerts page", () => {
  it("says what happened, where, in the site's clock, and who was told", () => {
    const onAck = vi.fn();
    const table = renderAlertsTable([alert], names, onAck);
    const row = table.querySelector('[data-alert="a1"]');
    expect(row?.textContent).toContain("06/12/2026 11:00:00 WITA");
    expect(row?.textContent).toContain("Cabang Makassar / Kasir");
    expect(row?.textContent).toContain("Kamera mati");
    const items = [...(row?.querySelectorAll(".alert-deliveries li") ?? [])];
    expect(items.map((li) => li.textContent)).toEqual([
      "Mulai: tg → -1001: terkirim · 06/12/2026 11:00:05 WITA",
      "Mulai: mail → ops@example.co.id: menunggu · 2 percobaan · coba lagi 06/12/2026 11:02:00 WITA · SMTP: connection refused",
    ]);
    expect(items.map((li) => li.classList.contains("error"))).toEqual([false, true]);
    (row?.querySelector("button[data-ack]") as HTMLButtonElement).click();
    expect(onAck).toHaveBeenCalledWith("a1");
  });

  it("words states, failures and unknown rules in English too", () => {
    setLang("en");
    const done = { ...alert, cleared_at: "2026-12-06T03:10:00Z", acknowledged_by: "admin",
                   acknowledged_at: "2026-12-06T03:11:00Z" };
    expect(alertState(done, "Asia/Makassar")).toBe(
      "Over 06/12/2026 11:10:00 WITA · acknowledged by admin 06/12/2026 11:11:00 WITA");
    expect(renderAlertsTable([done], names, vi.fn()).querySelector("button[data-ack]")).toBeNull();
    const failed = { ...delivery, status: "failed", attempts: 30, last_error: "Telegram answered 400" };
    expect(deliveryText(failed, "Asia/Jakarta")).toBe("Start: tg → -1001: failed · 30 attempts · Telegram answered 400");
    expect(deliveryFailed(failed)).toBe(true);
    expect(ruleText("site_down")).toBe("Every camera of the site offline");
    expect(ruleText("brand_new")).toBe("brand_new");
    expect(renderAlertsTable([], names, vi.fn()).textContent).toBe("No alerts yet.");
  });
});
