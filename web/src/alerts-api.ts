// The Alerts page's API (administrators): the recorded alerts with their deliveries,
// and acknowledge.
import { request } from "./api";

/** One message to one recipient about an alert, and whether it got there. */
export interface AlertDelivery {
  /** open, clear or note (a one-off). */
  event: string;
  channel: string;
  recipient: string;
  language: string;
  subject: string;
  /** pending (maybe retrying), delivered, failed (given up) or held (quiet hours). */
  status: string;
  attempts: number;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
  last_error: string;
}

export interface AlertItem {
  id: string;
  /** camera_offline, site_down, tampering, site_silent, ... (worded by the viewer: alertRule.*). */
  rule: string;
  site: string;
  camera: string | null;
  severity: "info" | "warning" | "critical";
  /** The server's English summary. */
  message: string;
  opened_at: string;
  cleared_at: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  deliveries: AlertDelivery[];
}

export interface AlertQuery {
  openOnly: boolean;
  unacknowledgedOnly: boolean;
}

export const alertsApi = {
  list: (query: AlertQuery) =>
    request<{ alerts: AlertItem[] }>("/api/alerts", {
      query: {
        open_only: query.openOnly ? "true" : undefined,
        unacknowledged_only: query.unacknowledgedOnly ? "true" : undefined,
      },
    }),
  acknowledge: (id: string) => request<AlertItem>(`/api/alerts/${encodeURIComponent(id)}/ack`, { method: "POST" }),
};
