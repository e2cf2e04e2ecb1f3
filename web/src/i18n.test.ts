// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();

describe("i18n", () => {
  beforeEach(() => {
    localStorage.clear();
    vi.resetModules();
  });
  afterEach(() => localStorage.clear());

  it("has the same keys in Indonesian and English", async () => {
    const { dictionaries } = await import("./i18n");
    expect(Object.keys(dictionaries.en).sort()).toEqual(Object.keys(dictionaries.id).sort());
  });

  it("has no empty strings", async () => {
    const { dictionaries } = await import("./i18n");
    for (const dictionary of Object.values(dictionaries)) {
      for (const [key, text] of Object.entries(dictionary)) expect(text.trim(), key).not.toBe("");
    }
  });

  it("uses the same placeholders in both languages", async () => {
    const { dictionaries } = await import("./i18n");
    for (const [key, text] of Object.entries(dictionaries.id)) {
      expect(placeholders(dictionaries.en[key as keyof typeof dictionaries.en]), key).toEqual(placeholders(text));
    }
  });

  it("defaults to Indonesian", async () => {
    const { getLang, locale, t } = await import("./i18n");
    expect(getLang()).toBe("id");
    expect(locale()).toBe("id-ID");
    expect(t("nav.logout")).toBe("Keluar");
  });

  it("switches, persists, sets <html lang> and notifies listeners", async () => {
    const { getLang, onLangChange, setLang, t } = await import("./i18n");
    const listener = vi.fn();
    const off = onLangChange(listener);
    setLang("en");
    expect(getLang()).toBe("en");
    expect(t("nav.logout")).toBe("Log out");
    expect(localStorage.getItem("vms.lang")).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect(listener).toHaveBeenCalledWith("en");
    off();
    setLang("id");
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("restores the stored language and ignores unknown values", async () => {
    localStorage.setItem("vms.lang", "en");
    expect((await import("./i18n")).getLang()).toBe("en");
    vi.resetModules();
    localStorage.setItem("vms.lang", "fr");
    expect((await import("./i18n")).getLang()).toBe("id");
  });

  it("fills placeholders and leaves unknown ones", async () => {
    const { t } = await import("./i18n");
    expect(t("rel.minutes", { n: 5 })).toBe("5 menit lalu");
    expect(t("error.http", { status: 500 })).toBe("Kesalahan server (500): {detail}");
  });
});
