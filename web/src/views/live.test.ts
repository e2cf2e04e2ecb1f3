// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { setLang } from "../i18n";
import { DEFAULT_CONFIG } from "../config";
import { parseHash } from "../router";
import type { Cleanup } from "./view";

const playLive = vi.fn(async () => () => undefined);
vi.mock("../player", () => ({ playLive }));

const { mountLive } = await import("./live");

const cameras = [
  { id: "HO-1", site: "HO", name: "Lobby", timezone: "Asia/Jakarta", state: "recording", last_segment_end: null, has_substream: true },
  { id: "HO-2", site: "HO", name: "Gate", timezone: "Asia/Jakarta", state: "offline", last_segment_end: null, has_substream: false },
  { id: "PAP-1", site: "PAP", name: "Yard", timezone: "Asia/Jayapura", state: "recording", last_segment_end: null, has_substream: false },
];
const sites = [
  { id: "HO", name: "Head Office", timezone: "Asia/Jakarta" },
  { id: "PAP", name: "Jayapura", timezone: "Asia/Jayapura" },
];

const respond = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status });

describe("live view", () => {
  let cleanup: Cleanup;
  const fetchMock = vi.fn<typeof fetch>(async (input) => {
    const url = String(input);
    if (url === "/api/sites") return respond(200, sites);
    if (url === "/api/cameras") return respond(200, cameras);
    if (url.startsWith("/api/cameras/HO-2/live")) return respond(503, { detail: "relay not running" });
    const camera = /\/api\/cameras\/([^/]+)\/live/.exec(url)?.[1];
    return respond(200, { url: `/live/${camera}.m3u8`, expires_at: "2099-01-01T00:00:00Z" });
  });

  const tiles = () => [...document.querySelectorAll<HTMLElement>("#live-grid > .tile")];
  const settle = () => vi.waitFor(() => expect(fetchMock.mock.calls.length).toBeGreaterThan(2));

  beforeEach(() => {
    localStorage.clear();
    setLang("en");
    setToken("tok");
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
    cleanup = mountLive(document.body, {
      route: parseHash("#/live"),
      user: { username: "admin", role: "admin", sites: ["*"] },
      config: DEFAULT_CONFIG,
      loginError: "",
      onLoggedIn: () => undefined,
    });
  });

  afterEach(() => {
    cleanup();
    document.body.replaceChildren();
    vi.unstubAllGlobals();
    fetchMock.mockClear();
    playLive.mockClear();
    setLang("id");
  });

  it("lists sites and cameras with their state", async () => {
    await settle();
    const items = [...document.querySelectorAll<HTMLElement>(".camera-item")];
    expect(items.map((item) => item.dataset.cameraId)).toEqual(["HO-2", "HO-1", "PAP-1"]);
    expect(document.querySelector('[data-camera-id="HO-2"] .dot')?.classList.contains("offline")).toBe(true);
    expect(document.querySelector('details.site[data-site="PAP"] summary')?.textContent).toBe("Jayapura WIT");
  });

  it("fills a 2x2 grid with muted inline sub-stream tiles", async () => {
    await settle();
    expect(tiles()).toHaveLength(4);
    const videos = [...document.querySelectorAll<HTMLVideoElement>("#live-grid video")];
    expect(videos.map((video) => video.dataset.camera)).toEqual(["HO-2", "HO-1", "PAP-1"]);
    expect(videos.every((video) => video.muted && video.hasAttribute("playsinline"))).toBe(true);
    await vi.waitFor(() => expect(playLive).toHaveBeenCalledTimes(2));
    expect(fetchMock.mock.calls.map((call) => String(call[0]))).toContain("/api/cameras/HO-1/live?quality=sub");
    expect(playLive.mock.calls.map((call) => (call as unknown[])[1])).toContain("http://localhost:3000/live/HO-1.m3u8");
  });

  it("says live view is unavailable, with the server's words in an admin's details", async () => {
    await vi.waitFor(() =>
      expect(document.querySelector('[data-slot="0"] .tile-message')?.textContent).toBe(
        "Live view is not available right now.",
      ),
    );
    expect(document.querySelector('[data-slot="0"] details.tech code')?.textContent).toBe("relay not running");
  });

  it("switches layouts and opens a single camera on double-click", async () => {
    await settle();
    document.querySelector<HTMLButtonElement>('[data-grid="9"]')?.click();
    expect(tiles()).toHaveLength(9);
    expect(document.querySelector('[data-grid="9"]')?.getAttribute("aria-pressed")).toBe("true");
    document.querySelector<HTMLButtonElement>('[data-grid="1"]')?.click();
    expect(tiles()).toHaveLength(1);

    document.querySelector<HTMLButtonElement>('[data-grid="4"]')?.click();
    tiles()[1]?.dispatchEvent(new MouseEvent("dblclick"));
    expect(tiles().map((tile) => tile.dataset.slot)).toEqual(["single"]);
    expect(document.querySelector("#live-grid video")?.getAttribute("data-camera")).toBe("HO-1");
    await vi.waitFor(() =>
      expect(fetchMock.mock.calls.map((call) => String(call[0]))).toContain("/api/cameras/HO-1/live?quality=main"),
    );
    tiles()[0]?.dispatchEvent(new MouseEvent("dblclick"));
    expect(tiles()).toHaveLength(4);
  });

  it("places a camera clicked in the list into the first empty tile and remembers the layout", async () => {
    await settle();
    document.querySelector<HTMLButtonElement>('[data-grid="9"]')?.click();
    document.querySelector<HTMLButtonElement>('[data-camera-id="PAP-1"]')?.click();
    expect(tiles().filter((tile) => tile.querySelector('video[data-camera="PAP-1"]'))).toHaveLength(1);
    document.querySelector<HTMLButtonElement>('[data-grid="1"]')?.click();
    document.querySelector<HTMLButtonElement>('[data-camera-id="PAP-1"]')?.click();
    expect(document.querySelector("#live-grid video")?.getAttribute("data-camera")).toBe("PAP-1");
    const stored = JSON.parse(localStorage.getItem("vms.liveLayout") ?? "{}") as { grid: number; slots: unknown[] };
    expect(stored.grid).toBe(1);
    expect(stored.slots.slice(0, 3)).toEqual(["PAP-1", "HO-1", null]);
  });
});
