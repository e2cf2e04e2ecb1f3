// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { playWebRtc, WebRtcError } from "./webrtc";

/** Just enough of RTCPeerConnection: gathering completes at once, no media. */
class FakePc extends EventTarget {
  static last: FakePc | null = null;
  iceGatheringState = "complete";
  connectionState = "new";
  iceConnectionState = "new";
  localDescription: { sdp: string } | null = null;
  remote: string | null = null;
  closed = false;
  constructor(readonly config: RTCConfiguration) {
    super();
    FakePc.last = this;
  }
  addTransceiver(): void {}
  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: "offer", sdp: "v=0 offer" };
  }
  async setLocalDescription(d: { sdp: string }): Promise<void> {
    this.localDescription = d;
  }
  async setRemoteDescription(d: { sdp: string }): Promise<void> {
    this.remote = d.sdp;
  }
  close(): void {
    this.closed = true;
  }
}

describe("playWebRtc", () => {
  let video: HTMLVideoElement;
  let frame: (() => void) | null;
  beforeEach(() => {
    frame = null;
    vi.stubGlobal("RTCPeerConnection", FakePc);
    video = document.createElement("video");
    (video as unknown as { requestVideoFrameCallback: (cb: () => void) => number }).requestVideoFrameCallback = (cb) => {
      frame = cb;
      return 1;
    };
  });
  afterEach(() => vi.unstubAllGlobals());

  const answer = (status: number) =>
    vi.fn(async (..._args: unknown[]) => new Response(status === 201 ? "v=0 answer" : "no", { status, headers: { Location: "/live/t/1/s/whep/abcdefghijklmnop" } }));

  it("posts the offer as application/sdp and resolves at the first frame", async () => {
    const fetchMock = answer(201);
    vi.stubGlobal("fetch", fetchMock);
    const playing = playWebRtc(video, "http://relay/live/t/1/s/whep", [{ urls: "stun:x:3478" }], () => undefined);
    await vi.waitFor(() => expect(frame).not.toBeNull());
    frame?.();
    const stop = await playing;
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://relay/live/t/1/s/whep");
    expect(init.body).toBe("v=0 offer");
    expect(new Headers(init.headers).get("Content-Type")).toBe("application/sdp");
    expect(FakePc.last?.remote).toBe("v=0 answer");
    expect(FakePc.last?.config.iceServers).toEqual([{ urls: "stun:x:3478" }]);
    stop();
    expect(FakePc.last?.closed).toBe(true);
    expect(fetchMock.mock.calls[1]?.[0]).toBe("http://relay/live/t/1/s/whep/abcdefghijklmnop"); // DELETE
  });

  it("rejects as refused on a 403 and leaves nothing open", async () => {
    vi.stubGlobal("fetch", answer(403));
    await expect(playWebRtc(video, "/w", [], () => undefined)).rejects.toMatchObject({ reason: "refused" });
    expect(FakePc.last?.closed).toBe(true);
  });

  it("rejects when no frame comes in time, or when ICE fails", async () => {
    vi.stubGlobal("fetch", answer(201));
    const late = playWebRtc(video, "/w", [], () => undefined, 50);
    await expect(late).rejects.toBeInstanceOf(WebRtcError);
    await expect(late).rejects.toMatchObject({ reason: "no-frame" });
    expect(FakePc.last?.closed).toBe(true);
    const failing = playWebRtc(video, "/w", [], () => undefined, 5000);
    await vi.waitFor(() => expect(FakePc.last?.remote).toBe("v=0 answer"));
    const pc = FakePc.last!;
    pc.connectionState = "failed";
    pc.dispatchEvent(new Event("connectionstatechange"));
    await expect(failing).rejects.toMatchObject({ reason: "ice-failed" });
  });
});
