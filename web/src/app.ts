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
import { mountPlayback } from "./views/playback";
import { mountStatus } from "./views/status";
import type { Cleanup, View } from "./views/view";

const VIEWS: Record<RouteName, View> = {
  login: mountLogin,
  live: mountLive,
  playback: mountPlayback,
  export: mountPlayback,
  status: mountStatus,
};

const TITLES: Record<RouteName, MessageKey> = {
  login: "login.title",
  live: "nav.live",
  playback: "nav.playback",
  export: "nav.playback",
  status: "nav.status",
};

/** Drop the OAuth callback query from the address bar, keeping the path. */
function clearCallbackQuery(hash: string): void {
  history.replaceState(history.state, "", `${location.pathname}${hash}`);
}

export async function startApp(root: HTMLElement): Promise<void> {
  const config: AppConfig = await loadConfig();
  const header = h("header", { class: "topbar" });
  const main = h("main", { id: "view" });
  root.replaceChildren(header, main);

  let user: Me | null = null;
  let loginError = "";
  let cleanup: Cleanup | null = null;
  let generation = 0;

  configureApi({
    base: config.apiBase,
    onUnauthorized: () => {
      clearToken();
      user = null;
      rememberReturn(location.hash);
      navigate("#/login");
    },
  });

  if (config.auth === "cognito" && config.cognito) {
    try {
      if (await completeCognitoLogin(config.cognito, location.search)) {
        clearCallbackQuery(takeReturn(DEFAULT_HASH));
      }
    } catch (error) {
      clearCallbackQuery(location.hash);
      loginError = t("login.ssoFailed", { detail: errorMessage(error) });
    }
  }

  function logout(): void {
    clearToken();
    user = null;
    if (config.auth === "cognito" && config.cognito) location.assign(logoutUrl(config.cognito));
    else navigate("#/login");
  }

  function showHeader(active: RouteName): void {
    renderHeader(header, { user, active, onLogout: logout });
    document.title = `${t(TITLES[active])} · ${t("app.title")}`;
  }

  async function render(): Promise<void> {
    const current = ++generation;
    cleanup?.();
    cleanup = null;
    main.replaceChildren();
    const route = parseHash(location.hash);
    const token = getToken();
    if (route.name !== "login" && !token) {
      rememberReturn(location.hash || DEFAULT_HASH);
      navigate("#/login");
      return;
    }
    if (route.name === "login" && token) {
      navigate(takeReturn(DEFAULT_HASH));
      return;
    }
    if (token && !user) {
      try {
        user = await api.me();
      } catch (error) {
        if (current !== generation || (error instanceof ApiError && error.status === 401)) return;
        showHeader(route.name);
        const retry = h("button", { type: "button", i18n: "app.retry" });
        retry.addEventListener("click", () => void render());
        main.append(h("p", { class: "message error", role: "alert" }, errorMessage(error)), retry);
        return;
      }
      if (current !== generation) return;
    }
    showHeader(route.name);
    cleanup = VIEWS[route.name](main, {
      route,
      user,
      config,
      loginError,
      onLoggedIn: () => {
        loginError = "";
        user = null;
        navigate(takeReturn(DEFAULT_HASH));
      },
    });
  }

  onLangChange(() => {
    translateTree(document.body);
    showHeader(parseHash(location.hash).name);
  });
  setLang(getLang());
  window.addEventListener("hashchange", () => void render());
  await render();
}
