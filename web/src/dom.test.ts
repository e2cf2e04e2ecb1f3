// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { h, showMessage, translateTree } from "./dom";
import { setLang } from "./i18n";

describe("dom helpers", () => {
  afterEach(() => setLang("id"));

  it("builds elements with attributes and children, skipping empty values", () => {
    const element = h("button", { type: "button", "data-grid": 4, disabled: true, hidden: false, title: undefined }, "2×2", null, false, h("span"));
    expect(element.outerHTML).toBe('<button type="button" data-grid="4" disabled="">2×2<span></span></button>');
  });

  it("translates text, titles and labels and re-translates them on demand", () => {
    const root = h("div", {}, h("a", { i18n: "nav.live" }), h("button", { i18nTitle: "nav.logout", i18nLabel: "playback.play" }));
    expect(root.querySelector("a")?.textContent).toBe("Langsung");
    expect(root.querySelector("button")?.title).toBe("Keluar");
    setLang("en");
    translateTree(root);
    expect(root.querySelector("a")?.textContent).toBe("Live");
    expect(root.querySelector("button")?.title).toBe("Log out");
    expect(root.querySelector("button")?.getAttribute("aria-label")).toBe("Play");
  });

  it("shows and hides messages", () => {
    const p = h("p");
    showMessage(p, "boom");
    expect([p.hidden, p.textContent, p.classList.contains("error")]).toEqual([false, "boom", true]);
    showMessage(p, "fyi", "info");
    expect(p.classList.contains("error")).toBe(false);
    showMessage(p, "");
    expect(p.hidden).toBe(true);
  });
});
