// Login page: the local username/password form, or the Cognito hosted-UI button.
import { ApiError, api, errorMessage } from "../api";
import { setToken, startCognitoLogin } from "../auth";
import { h, showMessage } from "../dom";
import { t } from "../i18n";
import type { View } from "./view";

function loginErrorMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 401) return t("login.badCredentials");
  if (error instanceof ApiError && error.status === 404) return t("login.localDisabled");
  return errorMessage(error);
}

export const mountLogin: View = (container, context) => {
  const error = h("p", { id: "login-error", class: "message error", role: "alert", hidden: true });
  const card = h("section", { class: "login-card" }, h("h1", { i18n: "app.title" }));
  const { cognito } = context.config;

  if (context.config.auth === "cognito" && cognito) {
    const button = h("button", { id: "sso-login", type: "button", class: "primary", i18n: "login.sso" });
    button.addEventListener("click", () => {
      startCognitoLogin(cognito).catch((e: unknown) => showMessage(error, errorMessage(e)));
    });
    card.append(h("p", { i18n: "login.ssoHint" }), button, error);
  } else {
    const username = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
    const password = h("input", {
      id: "password",
      name: "password",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const submit = h("button", { type: "submit", class: "primary", i18n: "login.submit" });
    const form = h(
      "form",
      { id: "login-form", novalidate: true },
      h("label", { for: "username", i18n: "login.username" }),
      username,
      h("label", { for: "password", i18n: "login.password" }),
      password,
      submit,
      error,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!username.value.trim() || !password.value) {
        showMessage(error, t("login.required"));
        return;
      }
      submit.disabled = true;
      showMessage(error, "");
      api
        .login(username.value.trim(), password.value)
        .then((session) => {
          setToken(session.access_token, session.expires_in);
          context.onLoggedIn();
        })
        .catch((e: unknown) => {
          showMessage(error, loginErrorMessage(e));
          password.select();
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    card.append(form);
    queueMicrotask(() => username.focus());
  }
  if (context.loginError) showMessage(error, context.loginError);
  container.append(h("div", { class: "login-page" }, card));
  return () => undefined;
};
