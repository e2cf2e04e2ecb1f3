// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startApp } from "./app";
import { setLang } from "./i18n";

const respond = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });

describe("app shell", () => {
  let role: "admin" | "viewer" = "admin";
  const fetchMock = vi.fn<typeof fetch>(async (input, init) => {
    const url = String(input);
    const authorized = (init?.headers as Record<string, string> | undefined)?.Authorization === "Bearer good";
    if (url === "config.json") return new Response("not found", { status: 404 });
    if (url === "/api/auth/login") return respond(200, { access_token: "good", token_type: "bearer", expires_in: 3600 });
    if (!authorized) return respond(401, { detail: "not authenticated" });
    if (url === "/api/me") return respond(200, { username: "budi", role, sites: ["HO"] });
    if (url === "/api/sites" || url === "/api/cameras") return respond(200, []);
    return respond(404, { detail: "not found" });
  });

  const root = () => document.getElementById("app") as HTMLElement;
  const login = async () => {
    await vi.waitFor(() => expect(document.querySelector("#username")).not.toBeNull());
    (document.querySelector("#username") as HTMLInputElement).value = "budi";
    (document.querySelector("#password") as HTMLInputElement).value = "secret";
    document.querySelector<HTMLButtonElement>("button[type=submit]")?.click();
  };

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    setLang("id");
    role = "admin";
    vi.stubGlobal("fetch", fetchMock);
    document.body.innerHTML = '<div id="app"></div>';
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockClear();
    location.hash = "";
  });

  it("sends a visitor to login and back to the deep link afterwards", async () => {
    location.hash = "#/playback?camera=HO-1&start=2024-01-15T03:00:00Z&end=2024-01-15T04:00:00Z";
    await startApp(root());
    await vi.waitFor(() => expect(location.hash).toBe("#/login"));
    await login();
    await vi.waitFor(() => expect(location.hash).toBe("#/playback?camera=HO-1&start=2024-01-15T03:00:00Z&end=2024-01-15T04:00:00Z"));
    await vi.waitFor(() => expect(document.querySelector("select#camera")).not.toBeNull());
    expect(sessionStorage.getItem("vms.token")).toBe("good");
    expect(document.querySelector('[data-nav="playback"]')?.classList.contains("active")).toBe(true);
  });

  it("hides the status link from viewers", async () => {
    role = "viewer";
    sessionStorage.setItem("vms.token", "good");
    location.hash = "#/live";
    await startApp(root());
    await vi.waitFor(() => expect(document.querySelector('[data-nav="live"]')).not.toBeNull());
    expect([...document.querySelectorAll<HTMLElement>("[data-nav]")].map((a) => a.dataset.nav)).toEqual(["live", "playback"]);
  });

  it("toggles the language of the page and <html lang>", async () => {
    sessionStorage.setItem("vms.token", "good");
    location.hash = "#/live";
    await startApp(root());
    await vi.waitFor(() => expect(document.querySelector('[data-nav="status"]')).not.toBeNull());
    const toggle = () => document.querySelector<HTMLButtonElement>('[data-testid="lang-toggle"]');
    expect(toggle()?.textContent).toBe("EN");
    expect(document.querySelector('[data-nav="live"]')?.textContent).toBe("Langsung");
    toggle()?.click();
    expect(document.documentElement.lang).toBe("en");
    expect(toggle()?.textContent).toBe("ID");
    expect(document.querySelector('[data-nav="live"]')?.textContent).toBe("Live");
    expect(document.querySelector(".toolbar-label")?.textContent).toBe("Layout");
    expect(localStorage.getItem("vms.lang")).toBe("en");
  });

  it("clears a rejected token and returns to login", async () => {
    sessionStorage.setItem("vms.token", "stale");
    location.hash = "#/status";
    await startApp(root());
    await vi.waitFor(() => expect(location.hash).toBe("#/login"));
    expect(sessionStorage.getItem("vms.token")).toBeNull();
    expect(sessionStorage.getItem("vms.returnTo")).toBe("#/status");
  });
});
