// The application shell: configuration, session, header and the routed page.
import { ApiError, api, configureApi, errorMessage, type Me } from "./api";
import { clearToken, completeCognitoLogin, getToken, logoutUrl, rememberReturn, takeReturn } from "./auth";
import { loadConfig, type AppConfig } from "./config";
import { h, translateTree } from "./dom";
import { getLang, onLangChange, setLang, t, type MessageKey } from "./i18n";
import { DEFAULT_HASH, type RouteName, navigate, parseHash } from "./router";
import { renderHeader } from "./views/header";
import { mountLive } from "./views/live";
import { mountLogin } from "./views/login";
import { mountPlan } from "./views/plan";
import { mountPlayback } from "./views/playback";
import { mountStatus } from "./views/status";
import { mountAlerts } from "./views/alerts";
import type { Cleanup, View } from "./views/view";

const VIEWS: Record<RouteName, View> = {
  login: mountLogin,
  live: mountLive,
  playback: mountPlayback,
  export: mountPlayback,
  status: mountStatus,
  plan: mountPlan,
  alerts: mountAlerts,
};

const TITLES: Record<RouteName, MessageKey> = {
  login: "login.title",
  live: "nav.live",
  playback: "nav.playback",
  export: "nav.playback",
  status: "nav.status",
  plan: "nav.plan",
  alerts: "nav.alerts",
};

/** Drop the OAuth callback query from the address bar, keeping the path. */
function clearCallbackQuery(hash: string): void {
  history.replaceState(history.state, "", `${location.pathname}${hash}`);
}

interface Shell {
  readonly config: AppConfig;
  readonly header: HTMLElement;
  readonly main: HTMLElement;
  user: Me | null;
  /** An error to show on the login page (a failed single sign-on). */
  loginError: string;
}

/** Completes a single sign-on coming back to the page: the error for the login page, or "". */
async function finishSingleSignOn(config: AppConfig): Promise<string> {
  if (config.auth !== "cognito" || !config.cognito) return "";
  try {
    if (await completeCognitoLogin(config.cognito, location.search)) {
      clearCallbackQuery(takeReturn(DEFAULT_HASH));
    }
    return "";
  } catch (error) {
    clearCallbackQuery(location.hash);
    return t("login.ssoFailed", { detail: errorMessage(error) });
  }
}

function logout(shell: Shell): void {
  clearToken();
  shell.user = null;
  const { config } = shell;
  if (config.auth === "cognito" && config.cognito) location.assign(logoutUrl(config.cognito));
  else navigate("#/login");
}

function showHeader(shell: Shell, active: RouteName): void {
  renderHeader(shell.header, { user: shell.user, active, onLogout: () => logout(shell) });
  document.title = `${t(TITLES[active])} · ${t("app.title")}`;
}

/** Sends a visitor without a token to log in, and one with a token away from the login
 * page; false when it did. */
function guardRoute(name: RouteName, token: string | null): boolean {
  if (name !== "login" && !token) {
    rememberReturn(location.hash || DEFAULT_HASH);
    navigate("#/login");
    return false;
  }
  if (name === "login" && token) {
    navigate(takeReturn(DEFAULT_HASH));
    return false;
  }
  return true;
}

/** Asks who is logged in; on an error (other than 401) says so with a retry button.
 * True when the page can be shown (and `stale()` says it is still wanted). */
async function loadUser(shell: Shell, active: RouteName, stale: () => boolean, retry: () => void): Promise<boolean> {
  try {
    shell.user = await api.me();
  } catch (error) {
    if (stale() || (error instanceof ApiError && error.status === 401)) return false;
    showHeader(shell, active);
    const button = h("button", { type: "button", i18n: "app.retry" });
    button.addEventListener("click", retry);
    shell.main.append(h("p", { class: "message error", role: "alert" }, errorMessage(error)), button);
    return false;
  }
  return !stale();
}

/** Renders the page the address asks for, replacing (and cleaning up) the one before. */
function createRenderer(shell: Shell): () => Promise<void> {
  let cleanup: Cleanup | null = null;
  let generation = 0;
  const render = async (): Promise<void> => {
    const current = ++generation;
    cleanup?.();
    cleanup = null;
    shell.main.replaceChildren();
    const route = parseHash(location.hash);
    const token = getToken();
    if (!guardRoute(route.name, token)) return;
    if (token && !shell.user) {
      const shown = await loadUser(shell, route.name, () => current !== generation, () => void render());
      if (!shown) return;
    }
    showHeader(shell, route.name);
    cleanup = VIEWS[route.name](shell.main, {
      route,
      user: shell.user,
      config: shell.config,
      loginError: shell.loginError,
      onLoggedIn: () => {
        shell.loginError = "";
        shell.user = null;
        navigate(takeReturn(DEFAULT_HASH));
      },
    });
  };
  return render;
}

export async function startApp(root: HTMLElement): Promise<void> {
  const config: AppConfig = await loadConfig();
  const header = h("header", { class: "topbar" });
  const main = h("main", { id: "view" });
  const shell: Shell = { config, header, main, user: null, loginError: "" };
  root.replaceChildren(shell.header, shell.main);
  configureApi({
    base: config.apiBase,
    onUnauthorized: () => {
      clearToken();
      shell.user = null;
      rememberReturn(location.hash);
      navigate("#/login");
    },
  });
  shell.loginError = await finishSingleSignOn(config);
  const render = createRenderer(shell);
  onLangChange(() => {
    translateTree(document.body);
    showHeader(shell, parseHash(location.hash).name);
  });
  setLang(getLang());
  window.addEventListener("hashchange", () => void render());
  await render();
}
