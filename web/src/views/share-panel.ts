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
  recipients: () => request<{ recipients: ShareRecipient[]; send_clip: boolean }>("/api/share/recipients"),
  share: (camera: string, range: TimeRange, recipient: string, clip = false) =>
    request<ShareStatus>("/api/shares", {
      method: "POST",
      body: { camera, start: toIso(range.start), end: toIso(range.end), recipient, clip },
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

interface ShareForm {
  readonly open: HTMLButtonElement;
  readonly select: HTMLSelectElement;
  readonly clip: HTMLInputElement;
  readonly clipChoice: HTMLLabelElement;
  readonly button: HTMLButtonElement;
  readonly form: HTMLDivElement;
  readonly status: HTMLParagraphElement;
}

function shareForm(): ShareForm {
  const open = h("button", { id: "share-open", type: "button", i18n: "share.open" });
  const select = h("select", { id: "share-recipient" });
  const button = h("button", { id: "share", type: "button", class: "primary", i18n: "share.button" });
  const clip = h("input", { id: "share-clip", type: "checkbox" });
  const clipChoice = h("label", { hidden: true }, clip, h("span", { i18n: "share.clip" }));
  const to = h("label", {}, h("span", { i18n: "share.to" }), select);
  const form = h("div", { class: "row", hidden: true }, to, clipChoice, button);
  const status = h("p", { id: "share-status", class: "message", role: "status", hidden: true });
  return { open, select, clip, clipChoice, button, form, status };
}

/** Ask whom this user may share with, and offer them (or say there is nobody). */
function offerRecipients(f: ShareForm): void {
  shareApi
    .recipients()
    .then(({ recipients, send_clip: clipAllowed }) => {
      pick(f.select, recipients);
      f.clipChoice.hidden = !clipAllowed;
      f.form.hidden = recipients.length === 0;
      f.open.hidden = recipients.length > 0;
      showMessage(f.status, recipients.length ? "" : t("share.noRecipients"), "info");
    })
    .catch((error: unknown) => showMessage(f.status, errorMessage(error)));
}

/** `source()`: the camera and the range the export form says now (null: none valid).
 * The recipients are asked for on the first "Share…" (nothing is fetched before). */
export function createSharePanel(source: () => { camera: Camera; range: TimeRange } | null): SharePanel {
  const f = shareForm();
  const { button, status } = f;
  const element = h("div", { class: "share-panel" }, f.open, f.form, h("p", { class: "hint", i18n: "share.hint" }), status);
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
  f.open.addEventListener("click", () => offerRecipients(f));
  button.addEventListener("click", () => {
    const chosen = source();
    if (!chosen) return showMessage(status, t("share.noRange"));
    button.disabled = true;
    showMessage(status, t("share.sending", { percent: 0 }), "info");
    shareApi
      .share(chosen.camera.id, chosen.range, f.select.value, !f.clipChoice.hidden && f.clip.checked)
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
