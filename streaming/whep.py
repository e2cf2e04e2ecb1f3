"""The WHEP service: sub-second live view over WebRTC, next to HLS.

nginx proxies ``/live/<token>/<expires>/<stream>/whep`` here after the same
secure_link check as the stream's playlist; the token is checked again here
(loopback only, but a check that cannot be skipped), before any media or ICE.
A viewer POSTs its SDP offer (ICE gathered, no trickle) and gets the answer
(201, ``Location`` of its session, which a DELETE ends). The session ends
too when its token expires: the viewer asks the API for a fresh link, as an
HLS player does.

Video goes out as the relay publishes it (H.264: the camera's, or the HLS
transcode of an H.265 camera), not re-encoded; audio as Opus (G.711 for a
browser without Opus). Many viewers of a stream share one source (fanout). A
viewer counts as a live viewer (Demand: wanted, and ``viewers`` in the relay
status, which the uploader's ``live_share`` follows) while its session lasts.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.stats import RTCRemoteInboundRtpStreamStats
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from footage.config import WebRtcConfig
from footage.live import TokenRefused, check_live_token
from streaming.fanout import StreamSource, ViewerVideo
from streaming.linkwatch import LinkChange, LinkWatch

log = logging.getLogger(__name__)
_MAX_OFFER = 64 * 1024
#: A session's demand is renewed this often (Demand counts viewers seen within 10 s).
_DEMAND_EVERY_S = 1.0
#: Reports are not judged for this long after a session starts: its first GOP goes
#: out at once, a burst a slow queue on the way may drop part of.
_SETTLE_S = 3.0
#: A source reads on this long after its last viewer left: switching back is instant.
LINGER_S = 30.0


@dataclass(frozen=True, slots=True)
class WhepStream:
    """What the service knows of a stream it may serve."""

    camera: str
    site: str
    key: bytes  # its site's live key
    rtmp_url: str
    always: bool = False  # live: always: its source reads ahead of any viewer


@dataclass(slots=True)
class _Session:
    stream: str
    address: str
    pc: RTCPeerConnection
    expires_at: datetime
    video: ViewerVideo
    sender: RTCRtpSender
    link: LinkWatch
    started: float = field(default_factory=time.monotonic)
    counted: tuple[int, int] = (0, 0)  # (sent, lost) as of the last receiver report
    closing: asyncio.Task[None] | None = None


@dataclass(slots=True)
class WhepService:
    streams: Mapping[str, WhepStream]
    settings: WebRtcConfig
    seen: Callable[[str, str, float], None]  # Demand.seen(stream, address, monotonic)
    now: Callable[[], datetime]
    sources: dict[str, StreamSource] = field(default_factory=dict)
    sessions: dict[str, _Session] = field(default_factory=dict)

    def app(self) -> Starlette:
        prefix = "/live/{token}/{expires}/{stream}/whep"
        return Starlette(routes=[
            Route(prefix, self.offer, methods=["POST"]),
            Route(prefix + "/{session}", self.end, methods=["DELETE"]),
        ])  # fmt: skip

    def _authorise(self, request: Request) -> tuple[str, WhepStream, datetime]:
        params = request.path_params
        stream = params["stream"]
        known = self.streams.get(stream)
        expires_at = check_live_token(stream, params["token"], params["expires"],
                                      known.key if known else None, self.now())  # fmt: skip
        assert known is not None  # check_live_token refuses a stream without a key
        return stream, known, expires_at

    async def offer(self, request: Request) -> Response:
        address = request.headers.get("x-forwarded-for", request.client.host if request.client
                                      else "unknown")  # fmt: skip
        try:
            stream, known, expires_at = self._authorise(request)
        except TokenRefused as exc:
            log.warning("whep refused %s: %s", request.path_params.get("stream"), exc,
                        extra={"client": address})  # fmt: skip
            return Response(str(exc), exc.status, media_type="text/plain")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/sdp":
            return Response("the offer must be application/sdp", 415, media_type="text/plain")
        body = await request.body()
        if len(body) > _MAX_OFFER:
            return Response("offer too large", 413, media_type="text/plain")
        try:
            answer, session_id = await self._answer(stream, known, body.decode(), address,
                                                    expires_at)  # fmt: skip
        except (ValueError, UnicodeDecodeError) as exc:
            return Response(f"not a usable offer: {exc}", 400, media_type="text/plain")
        location = request.url.path + "/" + session_id
        return Response(answer, 201, media_type="application/sdp",
                        headers={"Location": location})  # fmt: skip

    async def _answer(
        self, stream: str, known: WhepStream, sdp: str, address: str, expires_at: datetime
    ) -> tuple[str, str]:
        ice = [RTCIceServer(s.urls, s.username, s.credential) for s in self.settings.ice_servers]
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice))
        source = self._source(stream, known)
        session_id = secrets.token_urlsafe(16)
        video, audio = source.subscribe("m=audio" in sdp)
        try:
            # our transceivers first, so the remote offer is matched to them and the
            # answer carries only the codecs we can send as they are
            video_sender = _send(pc, video)
            if audio is not None:
                _send(pc, audio, own_stream=True)
            await pc.setRemoteDescription(RTCSessionDescription(without_mdns(sdp), "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception:
            video.stop()
            if audio is not None:
                source.drop_audio(audio)
            await pc.close()
            raise
        lossy = self.settings.lossy_link_percent / 100
        session = _Session(stream, address, pc, expires_at, video, video_sender, LinkWatch(lossy))
        self.sessions[session_id] = session
        session.closing = asyncio.get_running_loop().create_task(
            self._watch(session_id, session, (video, audio))
        )
        log.info("whep session for %s from %s (%d viewers)", stream, address, source.viewers,
                 extra={"camera": known.camera, "site": known.site})  # fmt: skip
        return pc.localDescription.sdp, session_id

    async def _watch(self, session_id: str, session: _Session, tracks: tuple) -> None:  # type: ignore[type-arg]
        """Keep the stream wanted while the session lasts; end it when the peer
        connection fails or closes, or its token expires."""
        try:
            while session.pc.connectionState not in ("failed", "closed"):
                if self.now() >= session.expires_at:
                    break
                self.seen(session.stream, f"webrtc:{session.address}:{session_id[:6]}",
                          time.monotonic())  # fmt: skip
                await self._judge_link(session)
                await asyncio.sleep(_DEMAND_EVERY_S)
        finally:
            self.sessions.pop(session_id, None)
            for track in tracks:
                if track is not None:
                    track.stop()
            source = self.sources.get(session.stream)
            if source is not None and source.viewers == 0:
                asyncio.get_running_loop().call_later(LINGER_S, self._retire, session.stream)
            await session.pc.close()

    async def _judge_link(self, session: _Session) -> None:
        """The browser's newest receiver report for the video: limit the viewer to
        keyframes while its link loses packets (streaming.linkwatch). The loss is
        the report's lost count against what was sent since the last report (its
        ``fraction lost`` counts a packet NACKed and sent again as received, and
        Chrome reports 0 through a link that drops half of them)."""
        for stats in (await session.sender.getStats()).values():
            if not isinstance(stats, RTCRemoteInboundRtpStreamStats):
                continue
            sent = stats.packetsReceived + stats.packetsLost  # sent when the report came
            lost, (was_sent, was_lost) = stats.packetsLost, session.counted
            session.counted = (sent, lost)
            if sent <= was_sent or time.monotonic() - session.started < _SETTLE_S:
                return  # no report since the last look, or the first GOP's burst
            share = min(1.0, max(0, lost - was_lost) / (sent - was_sent))
            change = session.link.report(share, time.monotonic())
            if change is not None:
                session.video.limit(change is LinkChange.LIMIT)
                log.info("live viewer of %s from %s %s: %.0f%% of packets lost%s",
                         session.stream, session.address,
                         "gets keyframes only" if change is LinkChange.LIMIT else "tries every "
                         "frame again", share * 100,
                         f" (next try after {session.link.probe_s:.0f} s)"
                         if change is LinkChange.LIMIT else "")  # fmt: skip
            return

    def _source(self, stream: str, known: WhepStream) -> StreamSource:
        source = self.sources.get(stream)
        if source is None:
            source = StreamSource(stream, known.rtmp_url, asyncio.get_running_loop(),
                                  self.settings.slow_viewer_frames)  # fmt: skip
            self.sources[stream] = source
        return source

    def warm(self) -> None:
        """Start the sources of ``live: always`` streams (on the service's loop): their
        relays run anyway, so a viewer gets the last GOP at once, not after a keyframe."""
        for stream, known in self.streams.items():
            if known.always:
                self._source(stream, known).start()

    def _retire(self, stream: str) -> None:
        """Stop a source nobody watched for LINGER_S (a viewer since then keeps it)."""
        source = self.sources.get(stream)
        known = self.streams.get(stream)
        if known is not None and known.always:
            return
        if source is not None and source.viewers == 0 and source.idle_for() >= LINGER_S - 1:
            source.close()
            del self.sources[stream]

    async def end(self, request: Request) -> Response:
        try:
            self._authorise(request)
        except TokenRefused as exc:
            return Response(str(exc), exc.status, media_type="text/plain")
        session = self.sessions.get(request.path_params["session"])
        if session is None or session.stream != request.path_params["stream"]:
            return Response("no such session", 404, media_type="text/plain")
        await session.pc.close()
        if session.closing is not None:
            await session.closing
        return Response(status_code=200)

    async def close(self) -> None:
        for session in list(self.sessions.values()):
            await session.pc.close()
        for source in self.sources.values():
            source.close()


def _send(pc: RTCPeerConnection, track: MediaStreamTrack, own_stream: bool = False) -> RTCRtpSender:
    """Add ``track`` to send only, offering just the codecs it goes out as.

    ``own_stream``: the track goes in a MediaStream (msid) of its own. aiortc puts
    every track of a connection in one, and a browser plays the tracks of one
    stream in sync: it held video back to the audio, whose path (AAC decoded, then
    Opus) is the longer. Measured (bench/live_latency.py, H.265 + G.711 at 720p):
    400 ms glass to browser in sync, 310 ms with audio in its own stream. Audio
    then trails video by about that 90 ms, under the 125 ms at which viewers notice
    late sound (ITU-R BT.1359); the viewer's live tiles play muted anyway."""
    transceiver = pc.addTransceiver(track, "sendonly")
    transceiver.setCodecPreferences(_codecs(track.kind))
    if own_stream:
        transceiver.sender._stream_id = secrets.token_hex(16)
    return transceiver.sender


def _codecs(kind: str) -> list:  # type: ignore[type-arg]
    """H.264 only for video (forwarded as is). Audio: Opus first, G.711 (PCMA/PCMU)
    for a browser without it. The relay's audio is AAC whatever the camera sends (the
    recorder's feed and the HLS leg carry AAC), decoded once per stream."""
    codecs = RTCRtpSender.getCapabilities(kind).codecs
    if kind == "video":
        return [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
    order = ["audio/opus", "audio/PCMA", "audio/PCMU"]
    return sorted((c for c in codecs if c.mimeType in order), key=lambda c: order.index(c.mimeType))


def without_mdns(sdp: str) -> str:
    """The offer without its mDNS host candidates (``<uuid>.local``: browsers hide their
    addresses so). aioice would try to resolve each and wait about a second for
    nothing; the browser's checks reach our candidates anyway and aioice learns its
    address from them (peer reflexive)."""
    kept = []
    for line in sdp.splitlines(keepends=True):
        fields = line.split()
        if line.startswith("a=candidate:") and len(fields) > 4 and fields[4].endswith(".local"):
            continue
        kept.append(line)
    return "".join(kept)
