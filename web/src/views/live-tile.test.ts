// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configureApi } from "../api";
import { setToken } from "../auth";
import { setLang } from "../i18n";
import { TRANSPORT_KEY, WebRtcError } from "../webrtc";

const { playLive, playWebRtc } = vi.hoisted(() => ({
  playLive: vi.fn(async (..._args: unknown[]) => () => undefined),
  playWebRtc: vi.fn(),
}));
vi.mock("../player", () => ({ playLive }));
vi.mock("../webrtc", async (original) => ({ ...(await original<typeof import("../webrtc")>()), playWebRtc }));

const { LiveTile } = await import("./live-tile");

const camera = {
  id: "HO-1", site: "HO", name: "Lobby", timezone: "Asia/Jakarta", state: "recording" as const,
  last_segment_end: null, has_substream: true,
};
const respond = (body: unknown): Response => new Response(JSON.stringify(body), { status: 200 });

describe("live tile: WebRTC first, HLS as the fallback", () => {
  let live: Record<string, unknown>;
  beforeEach(() => {
    setLang("en");
    setToken("tok");
    live = { url: "/live/t/1/HO-1/index.m3u8", whep_url: "/live/t/1/HO-1/whep", expires_at: "2099-01-01T00:00:00Z",
             state: "live", last_error: null, ice_servers: [{ urls: ["stun:stun.example:3478"] }] };
    vi.stubGlobal("fetch", vi.fn(async () => respond(live)));
    configureApi({ base: "", onUnauthorized: () => undefined });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    playLive.mockClear();
    playWebRtc.mockReset();
  });

  const tile = () => new LiveTile(camera, "sub", 0, { select: () => undefined, toggleSingle: () => undefined });
  const badge = (t: InstanceType<typeof LiveTile>) => t.element.querySelector<HTMLElement>(".tile-mode")!;

  it("plays over WebRTC with the relay's ICE servers and says so", async () => {
    playWebRtc.mockResolvedValue(() => undefined);
    const t = tile();
    await vi.waitFor(() => expect(badge(t).dataset.mode).toBe("webrtc"));
    expect(badge(t).textContent).toBe("WebRTC");
    expect(badge(t).hidden).toBe(false);
    expect(playWebRtc.mock.calls[0]?.[1]).toMatch(/\/live\/t\/1\/HO-1\/whep$/);
    expect(playWebRtc.mock.calls[0]?.[2]).toEqual([{ urls: ["stun:stun.example:3478"] }]);
    expect(playWebRtc.mock.calls[0]?.[4]).toBe(3000); // the relay is live: 3 s for a frame
    expect(playLive).not.toHaveBeenCalled();
    t.destroy();
    live.state = "starting"; // the relay starts the camera first: longer
    const u = tile();
    await vi.waitFor(() => expect(playWebRtc.mock.calls[1]?.[4]).toBe(8000));
    u.destroy();
  });

  it("falls back to HLS when WebRTC gets no frame (or ICE fails), in the page's language", async () => {
    setLang("id");
    playWebRtc.mockRejectedValue(new WebRtcError("no-frame"));
    const t = tile();
    await vi.waitFor(() => expect(badge(t).dataset.mode).toBe("hls"));
    expect(badge(t).textContent).toBe("HLS");
    expect(badge(t).dataset.fallback).toContain("no-frame");
    expect(playLive.mock.calls[0]?.[1]).toMatch(/\/live\/t\/1\/HO-1\/index.m3u8$/);
    t.destroy();
  });

  it("goes straight to HLS when the relay offers no WebRTC, or this browser is set to HLS", async () => {
    live.whep_url = null;
    const t = tile();
    await vi.waitFor(() => expect(badge(t).dataset.mode).toBe("hls"));
    t.destroy();
    live.whep_url = "/live/t/1/HO-1/whep";
    localStorage.setItem(TRANSPORT_KEY, "hls");
    const u = tile();
    await vi.waitFor(() => expect(badge(u).dataset.mode).toBe("hls"));
    localStorage.clear();
    expect(playWebRtc).not.toHaveBeenCalled();
    u.destroy();
  });
});
