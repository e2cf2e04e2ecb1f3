// Share the selected range (the export form's times) with a configured recipient: a
// Telegram chat or an e-mail address gets one message with a thumbnail, the site's
// time and a link that plays the clip until it expires. Only the recipients this
// user may share with are offered (asked for on the first "Share…"). The server
// cuts the clip, then sends it; the status line follows it until it is sent.
import { errorMessage, request, type Camera } from "../api";
import { h, showMessage } from "../dom";
import { t } from "../i18n";
import { formatSiteDateTime, parseIso, toIso, type TimeRange } from "../time";

const POLL_MS = 1500;

export interface ShareRecipient {
  name: string;
  /** telegram or email */
  kind: string;
  language: string;
}

export interface ShareStatus {
  id: string;
  recipient: string;
  /** pending (being cut or sent), delivered or failed */
  status: string;
  progress: number;
  error: string;
  link_expires_at: string | null;
}

export const shareApi = {
  recipients: () => request<{ recipients: ShareRecipient[] }>("/api/share/recipients"),
  share: (camera: string, range: TimeRange, recipient: string) =>
    request<ShareStatus>("/api/shares", {
      method: "POST",
      body: { camera, start: toIso(range.start), end: toIso(range.end), recipient },
    }),
  status: (id: string) => request<ShareStatus>(`/api/shares/${encodeURIComponent(id)}`),
};

/** What the status line says about a share (times in the camera's site clock). */
export function shareStatusText(share: ShareStatus, tz: string): string {
  if (share.status === "delivered") {
    const until = parseIso(share.link_expires_at);
    return t("share.sent", { recipient: share.recipient, when: until === null ? "" : formatSiteDateTime(until, tz) });
  }
  if (share.status === "failed") return t("share.failed", { detail: share.error || t("error.noDetail") });
  return t("share.sending", { percent: Math.round(share.progress * 100) });
}

export interface SharePanel {
  readonly element: HTMLElement;
  destroy(): void;
}

function pick(select: HTMLSelectElement, recipients: ShareRecipient[]): void {
  select.replaceChildren(...recipients.map((r) => h("option", { value: r.name }, `${r.name} (${r.kind})`)));
}

/** `source()`: the camera and the range the export form says now (null: none valid).
 * The recipients are asked for on the first "Share…" (nothing is fetched before). */
export function createSharePanel(source: () => { camera: Camera; range: TimeRange } | null): SharePanel {
  const open = h("button", { id: "share-open", type: "button", i18n: "share.open" });
  const select = h("select", { id: "share-recipient" });
  const button = h("button", { id: "share", type: "button", class: "primary", i18n: "share.button" });
  const form = h("div", { class: "row", hidden: true }, h("label", {}, h("span", { i18n: "share.to" }), select), button);
  const status = h("p", { id: "share-status", class: "message", role: "status", hidden: true });
  const element = h("div", { class: "share-panel" }, open, form, h("p", { class: "hint", i18n: "share.hint" }), status);
  let timer: number | undefined;
  let stopped = false;
  const follow = async (id: string, tz: string): Promise<void> => {
    try {
      const share = await shareApi.status(id);
      if (stopped) return;
      showMessage(status, shareStatusText(share, tz), share.status === "failed" ? "error" : "info");
      if (share.status === "pending") timer = window.setTimeout(() => void follow(id, tz), POLL_MS);
      else button.disabled = false;
    } catch (error) {
      button.disabled = false;
      if (!stopped) showMessage(status, errorMessage(error));
    }
  };
  open.addEventListener("click", () => {
    shareApi
      .recipients()
      .then(({ recipients }) => {
        pick(select, recipients);
        form.hidden = recipients.length === 0;
        open.hidden = recipients.length > 0;
        showMessage(status, recipients.length ? "" : t("share.noRecipients"), "info");
      })
      .catch((error: unknown) => showMessage(status, errorMessage(error)));
  });
  button.addEventListener("click", () => {
    const chosen = source();
    if (!chosen) return showMessage(status, t("share.noRange"));
    button.disabled = true;
    showMessage(status, t("share.sending", { percent: 0 }), "info");
    shareApi
      .share(chosen.camera.id, chosen.range, select.value)
      .then((share) => follow(share.id, chosen.camera.timezone))
      .catch((error: unknown) => {
        button.disabled = false;
        showMessage(status, errorMessage(error));
      });
  });
  return {
    element,
    destroy() {
      stopped = true;
      window.clearTimeout(timer);
    },
  };
}
