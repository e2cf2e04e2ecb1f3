// The header's bell: turn alerts on this device on or off (web push). Hidden where
// the browser has no web push; says when notifications are blocked or push is not
// set up on the server (no webpush channel).
import { ApiError, errorMessage } from "../api";
import { h } from "../dom";
import { t, type MessageKey } from "../i18n";
import { type PushState, disablePush, enablePush, pushState, pushSupported } from "../push";

const LABELS: Record<PushState, MessageKey> = {
  unsupported: "push.off",
  off: "push.off",
  on: "push.on",
  denied: "push.denied",
};

function show(button: HTMLButtonElement, state: PushState): void {
  button.dataset.state = state;
  button.textContent = t(LABELS[state]);
  button.title = t(state === "on" ? "push.turnOff" : state === "denied" ? "push.deniedHint" : "push.turnOn");
  button.hidden = state === "unsupported";
}

export function pushToggle(): HTMLButtonElement {
  const button = h("button", { type: "button", id: "push-toggle", class: "link push-toggle", hidden: true });
  if (!pushSupported()) return button;
  void pushState().then((state) => show(button, state));
  button.addEventListener("click", () => {
    button.disabled = true;
    const next = button.dataset.state === "on" ? disablePush() : enablePush();
    next
      .then((state) => show(button, state))
      .catch((error: unknown) => {
        const unset = error instanceof ApiError && error.status === 503;
        button.title = unset ? t("push.unavailable") : errorMessage(error);
        button.textContent = t("push.failed");
      })
      .finally(() => void (button.disabled = false));
  });
  return button;
}
