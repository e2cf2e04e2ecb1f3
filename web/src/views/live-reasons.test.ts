// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { DEFAULT_CONFIG } from "../config";
import { setLang } from "../i18n";
import { parseHash } from "../router";
import type { Cleanup } from "./view";

const playLive = vi.fn(async () => () => undefined);
vi.mock("../player", () => ({ playLive }));

const { mountLive } = await import("./live");

const REFUSED = "ffprobe failed: rtsp://10.0.0.9/ch1: Connection refused";
const cameras = [
  { id: "gate", site: "HO", name: "Gate", timezone: "Asia/Jakarta", state: "offline", last_segment_end: null, has_substream: false },
  { id: "gudang", site: "HO", name: "Gudang", timezone: "Asia/Jakarta", state: "nvr", last_segment_end: null, has_substream: false },
];
const respond = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });

describe("live tiles say why, in the page's language (issue 15, item 8)", () => {
  let cleanup: Cleanup;
  const fetchMock = vi.fn<typeof fetch>(async (input) => {
    const url = String(input);
    if (url === "/api/sites") return respond([{ id: "HO", name: "Head Office", timezone: "Asia/Jakarta" }]);
    if (url === "/api/cameras") return respond(cameras);
    // the relay retries a camera it cannot reach; the server gives its words to admins only
    return respond({ url: "/live/gate.m3u8", expires_at: "2099-01-01T00:00:00Z", state: "retrying",
      problem: "unreachable", last_error: admin ? REFUSED : null });
  });
  let admin = false;

  function mount(role: "admin" | "viewer"): void {
    admin = role === "admin";
    localStorage.clear();
    localStorage.setItem("vms.liveLayout", JSON.stringify({ grid: 4, slots: ["gate", "gudang", null, null] }));
    cleanup = mountLive(document.body, {
      route: parseHash("#/live"),
      user: { username: role, role, sites: ["HO"] },
      config: DEFAULT_CONFIG,
      loginError: "",
      onLoggedIn: () => undefined,
    });
  }

  const tile = (camera: string) => document.querySelector(`video[data-camera="${camera}"]`)?.closest(".tile");

  beforeEach(() => {
    setToken("tok");
    vi.stubGlobal("fetch", fetchMock);
    configureApi({ base: "", onUnauthorized: () => undefined });
  });

  afterEach(() => {
    cleanup();
    document.body.replaceChildren();
    vi.unstubAllGlobals();
    fetchMock.mockClear();
    setLang("id");
  });

  it("says why a camera is retrying, with no tool jargon", async () => {
    setLang("id");
    mount("viewer");
    await vi.waitFor(() => expect(tile("gate")?.querySelector(".tile-message")?.textContent).toBeTruthy());
    expect(tile("gate")?.querySelector(".tile-message")?.textContent).toBe(
      "Kamera tidak terjangkau (jaringan atau daya kamera). Mencoba lagi…",
    );
    expect(tile("gate")?.textContent).not.toContain("ffprobe");
    expect(tile("gate")?.querySelector("details.tech")).toBeNull();
  });

  it("shows admins the tool's words, collapsed", async () => {
    setLang("en");
    mount("admin");
    await vi.waitFor(() => expect(tile("gate")?.querySelector(".tile-message")?.textContent).toBeTruthy());
    expect(tile("gate")?.querySelector(".tile-message")?.textContent).toBe(
      "Camera unreachable (network or camera power). Retrying…",
    );
    const details = tile("gate")?.querySelector<HTMLDetailsElement>("details.tech");
    expect([details?.open, details?.querySelector("summary")?.textContent]).toEqual([false, "Technical details"]);
    expect(details?.querySelector("code")?.textContent).toBe(REFUSED);
  });

  it("an NVR-only camera's tile says it has no live view, and asks for none", async () => {
    setLang("en");
    mount("viewer");
    await vi.waitFor(() => expect(tile("gudang")).toBeTruthy());
    expect(tile("gudang")?.querySelector(".tile-message")?.textContent).toBe("Recorded by an NVR: no live view.");
    await vi.waitFor(() => expect(playLive).toHaveBeenCalled());
    const calls = fetchMock.mock.calls.map((call) => String(call[0]));
    expect(calls.some((url) => url.startsWith("/api/cameras/gudang/live"))).toBe(false);
    expect(document.querySelector('[data-camera-id="gudang"]')?.getAttribute("title")).toBe("NVR folder");
  });
});
