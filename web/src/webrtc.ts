// Live view over WebRTC (WHEP): sub-second, with HLS (player.ts) as the fallback.
// The relay's WHEP resource takes the same signed path as the playlist; the viewer
// POSTs its offer with every ICE candidate (no trickle) and gets the answer.

/** No frame within this long after asking: the tile falls back to HLS. */
export const FIRST_FRAME_MS = 3000;
/** The same while the relay is still starting the camera (its state not yet "live"):
 * the relay's own start (~2-4 s) comes first, for HLS as for WebRTC. */
export const STARTING_FIRST_FRAME_MS = 8000;
/** ICE gathering is cut short after this long: the candidates so far are sent. */
const GATHER_MS = 1000;
const CANDIDATE_GRACE_MS = 150;

/** A browser may be told to use HLS only: localStorage["vms.liveTransport"] = "hls". */
export const TRANSPORT_KEY = "vms.liveTransport";

export function webRtcWanted(): boolean {
  try {
    return localStorage.getItem(TRANSPORT_KEY) !== "hls";
  } catch {
    return true; // storage blocked: the default
  }
}

export type WebRtcFailure = "unsupported" | "refused" | "ice-failed" | "no-frame" | "ended";

export class WebRtcError extends Error {
  constructor(readonly reason: WebRtcFailure, detail = "") {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

/** ICE gathering: done, or CANDIDATE_GRACE_MS after the first candidate (the host ones
 * come together; a slow STUN or TURN server must not hold up a LAN viewer), or GATHER_MS. */
function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = window.setTimeout(resolve, GATHER_MS);
    const finish = (): void => {
      window.clearTimeout(timer);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") finish();
    });
    pc.addEventListener("icecandidate", (event) => {
      if (event.candidate) window.setTimeout(finish, CANDIDATE_GRACE_MS);
    });
  });
}

/** Resolves at the first presented frame, rejects when ICE fails or none comes in time. */
function firstFrame(video: HTMLVideoElement, pc: RTCPeerConnection, deadline: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(
      () => reject(new WebRtcError("no-frame")),
      Math.max(0, deadline - performance.now()),
    );
    const failed = (): void => {
      if (pc.connectionState !== "failed" && pc.iceConnectionState !== "failed") return;
      window.clearTimeout(timer);
      reject(new WebRtcError("ice-failed"));
    };
    pc.addEventListener("connectionstatechange", failed);
    pc.addEventListener("iceconnectionstatechange", failed);
    const done = (): void => {
      window.clearTimeout(timer);
      resolve();
    };
    const frames = video as { requestVideoFrameCallback?: (cb: () => void) => number };
    if (frames.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    else video.addEventListener("loadeddata", done, { once: true }); // without it: the first data
  });
}

async function exchange(url: string, offer: string): Promise<{ answer: string; session: string | null }> {
  const response = await fetch(url, { method: "POST", body: offer, headers: { "Content-Type": "application/sdp" } });
  if (response.status !== 201) throw new WebRtcError("refused", String(response.status));
  const location = response.headers.get("Location");
  return { answer: await response.text(), session: location ? new URL(location, new URL(url, window.location.href)).toString() : null };
}

/**
 * Play a camera over WebRTC in `video`. Resolves with a stop function once the
 * first frame is shown, within FIRST_FRAME_MS of the call; rejects (WebRtcError)
 * when that does not happen, and then leaves nothing running. `onEnded` is
 * called if the connection fails later (the caller reconnects).
 */
export async function playWebRtc(
  video: HTMLVideoElement,
  url: string,
  iceServers: RTCIceServer[],
  onEnded: (reason: WebRtcFailure) => void,
  firstFrameMs = FIRST_FRAME_MS,
): Promise<() => void> {
  if (typeof RTCPeerConnection === "undefined") throw new WebRtcError("unsupported");
  const deadline = performance.now() + firstFrameMs;
  const pc = new RTCPeerConnection({ iceServers });
  let session: string | null = null;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    pc.close();
    video.srcObject = null;
    if (session) void fetch(session, { method: "DELETE" }).catch(() => undefined);
  };
  try {
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const media = new MediaStream();
    pc.addEventListener("track", (event) => {
      media.addTrack(event.track);
      video.srcObject = media;
      video.muted = true;
      video.play().catch(() => undefined);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { answer, session: location } = await exchange(url, pc.localDescription?.sdp ?? "");
    session = location;
    await pc.setRemoteDescription({ type: "answer", sdp: answer });
    await firstFrame(video, pc, deadline);
  } catch (error) {
    stop();
    throw error instanceof WebRtcError ? error : new WebRtcError("refused", String(error));
  }
  pc.addEventListener("connectionstatechange", () => {
    if (!stopped && (pc.connectionState === "failed" || pc.connectionState === "closed")) {
      stop();
      onEnded("ended");
    }
  });
  return stop;
}
