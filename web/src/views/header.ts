// Top bar: navigation, language toggle, user and logout.
import type { Me } from "../api";
import { h } from "../dom";
import { getLang, setLang, t } from "../i18n";
import type { RouteName } from "../router";
import { pushToggle } from "./push-toggle";

const NAV: { name: RouteName; key: "nav.live" | "nav.playback" | "nav.status" | "nav.plan" | "nav.alerts"; adminOnly: boolean }[] = [
  { name: "live", key: "nav.live", adminOnly: false },
  { name: "playback", key: "nav.playback", adminOnly: false },
  { name: "status", key: "nav.status", adminOnly: true },
  { name: "plan", key: "nav.plan", adminOnly: true },
  { name: "alerts", key: "nav.alerts", adminOnly: true },
];

const LOGO =
  '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" ' +
  'd="M3 7a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v2.5l4-2.5v10l-4-2.5V17a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z"/></svg>';

export interface HeaderState {
  user: Me | null;
  active: RouteName;
  onLogout: () => void;
}

export function renderHeader(header: HTMLElement, state: HeaderState): void {
  const brand = h("a", { class: "brand", href: "#/live" }, h("span", { i18n: "app.title" }));
  brand.insertAdjacentHTML("afterbegin", LOGO);
  const nextLang = getLang() === "id" ? "en" : "id";
  const langToggle = h(
    "button",
    {
      type: "button",
      class: "lang-toggle",
      "data-testid": "lang-toggle",
      title: t("nav.switchLanguage"),
      lang: nextLang,
    },
    nextLang.toUpperCase(),
  );
  langToggle.addEventListener("click", () => setLang(nextLang));

  const children: Node[] = [brand];
  const active = state.active === "export" ? "playback" : state.active;
  if (state.user) {
    const links = NAV.filter((item) => !item.adminOnly || state.user?.role === "admin").map((item) =>
      h("a", {
        href: `#/${item.name}`,
        "data-nav": item.name,
        class: item.name === active ? "active" : undefined,
        "aria-current": item.name === active ? "page" : undefined,
        i18n: item.key,
      }),
    );
    const logout = h("button", { type: "button", id: "logout", class: "link", i18n: "nav.logout" });
    logout.addEventListener("click", state.onLogout);
    children.push(
      h("nav", { class: "main-nav" }, ...links),
      h("span", { class: "spacer" }),
      h("span", { class: "user", title: state.user.role }, state.user.username),
      pushToggle(),
      langToggle,
      logout,
    );
  } else {
    children.push(h("span", { class: "spacer" }), langToggle);
  }
  header.replaceChildren(...children);
}
