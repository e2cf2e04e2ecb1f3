"""One source per live stream, any number of WebRTC viewers.

The source plays the stream back from the relay's own nginx-rtmp (loopback):
what the relay's ffmpeg already publishes for HLS, so an H.264 camera is still
one RTSP session (the recorder's feed) and an H.265 camera is transcoded once,
by that ffmpeg, for HLS and WebRTC alike. A reader thread demuxes it:

* video packets are forwarded as they are (Annex B, no decode); aiortc packs
  them into RTP. The last GOP is kept, so a new viewer starts at once: it gets
  that GOP with its timestamps squeezed into a few milliseconds (the browser
  shows them at once and is live at the newest), then the live packets.
* audio (AAC in FLV: what the recorder's feed carries whatever the camera
  sends) is decoded once; each viewer's sender encodes it to the codec its
  browser took (Opus; PCMA/PCMU for one without).

Each viewer has its own queue. While its handshake runs nothing is late: the
queue holds the newest GOP, squeezed when the sender first pulls, and that burst
is no backlog. One that falls behind after (more than ``slow_frames`` queued: a
stalled connection, a starved loop) is switched to keyframes only, so it never
holds back the others, and back to every frame once it keeps up again. A viewer
on a link slower than the stream fills no queue (UDP sends never block): the
WHEP service limits it so while its browser reports loss (streaming.linkwatch).
The source lingers a while after its last viewer leaves
(streaming.whep), reading on, so the next viewer starts from its GOP at once.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.bitstream import BitStreamFilterContext
from av.packet import Packet

log = logging.getLogger(__name__)
#: A viewer's first GOP is squeezed into this many 90 kHz ticks per frame (1 ms).
_BURST_TICKS = 90
_VIDEO_BASE = fractions.Fraction(1, 90000)
#: How long the reader waits on nginx for data before it reconnects.
_OPEN_TIMEOUT_US = 5_000_000
_AUDIO_QUEUE = 50


@dataclass(frozen=True, slots=True)
class _Video:
    data: bytes
    pts: int  # 90 kHz
    key: bool


class ViewerVideo(MediaStreamTrack):
    """One viewer's video: pre-encoded H.264 packets for aiortc's sender."""

    kind = "video"

    def __init__(self, slow_frames: int, on_end: Callable[[ViewerVideo], None]) -> None:
        super().__init__()
        self.slow_frames = slow_frames
        self.keyframes_only = False
        self.link_limited = False  # its browser reports loss (streaming.linkwatch)
        self.sent = 0
        self.dropped = 0
        self._queue: collections.deque[_Video] = collections.deque()
        self._ready = asyncio.Event()
        self._started = False
        self._caught_up = 0
        self._burst = 0  # frames of the starting GOP still queued: sent at once, no backlog
        self._on_end = on_end

    def start(self, gop: list[_Video]) -> None:
        """Begin with the source's last GOP (squeezed when the sender first pulls)."""
        if not gop:
            return
        self._queue.extend(gop)
        self._started = True
        self._ready.set()

    def offer(self, item: _Video) -> None:
        """Called on the loop for each packet of the source."""
        if not self._started:
            if not item.key:
                return
            self._started = True
        if self.sent == 0:
            # The handshake (ICE, DTLS) is still on: nothing is late yet. Keep the
            # newest GOP only; the first pull squeezes it to end at the live edge.
            if item.key:
                self._queue.clear()
            self._queue.append(item)
        elif self.keyframes_only:
            self._offer_key_only(item)
        elif len(self._queue) - self._burst >= self.slow_frames:
            self.keyframes_only = True
            self.dropped += len(self._queue)
            self._queue.clear()
            self._burst = 0
            self._offer_key_only(item)
            log.info("live viewer falls behind: keyframes only")
        else:
            self._queue.append(item)
        self._ready.set()

    def _offer_key_only(self, item: _Video) -> None:
        if not item.key:
            self.dropped += 1
            return
        if self._queue:  # the last keyframe is still unsent: replace it
            self.dropped += len(self._queue)
            self._queue.clear()
            self._caught_up = 0
        else:
            self._caught_up += 1
        self._queue.append(item)
        if self._caught_up >= 2 and not self.link_limited:  # two keyframes sent in time
            self.keyframes_only = False
            self._caught_up = 0
            log.info("live viewer keeps up again: every frame")

    async def recv(self) -> Packet:  # type: ignore[type-arg]
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        if self.sent == 0:
            self._squeeze()
            self._burst = len(self._queue)
        item = self._queue.popleft()
        self._burst = max(0, self._burst - 1)
        packet = Packet(item.data)
        packet.pts = item.pts
        packet.time_base = _VIDEO_BASE
        self.sent += 1
        return packet

    def limit(self, on: bool) -> None:
        """Keyframes only while the viewer's link loses packets (on), or every frame
        again once it keeps up (off: after two keyframes sent in time)."""
        self.link_limited = on
        if on:
            self.keyframes_only = True

    def _squeeze(self) -> None:
        """The GOP a viewer starts with, 1 ms a frame and ending at its newest frame:
        the browser shows it at once and is live from there."""
        gop, last = list(self._queue), self._queue[-1].pts
        self._queue.clear()
        for i, item in enumerate(gop):  # new items: the source and other viewers share these
            self._queue.append(_Video(item.data, last - (len(gop) - 1 - i) * _BURST_TICKS,
                                      item.key))  # fmt: skip

    def stop(self) -> None:
        if self.readyState == "live":
            super().stop()
            self._ready.set()
            self._on_end(self)


class ViewerAudio(MediaStreamTrack):
    """One viewer's audio: decoded frames (a late viewer drops the oldest)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[AudioFrame] = asyncio.Queue(_AUDIO_QUEUE)

    def offer(self, frame: AudioFrame) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(frame)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        return await self._queue.get()


@dataclass(slots=True)
class StreamSource:
    """The stream as played from nginx-rtmp, fanned out to its viewers."""

    stream: str
    url: str  # rtmp://127.0.0.1:<port>/live/<stream>
    loop: asyncio.AbstractEventLoop
    slow_frames: int = 30
    videos: list[ViewerVideo] = field(default_factory=list)
    audios: list[ViewerAudio] = field(default_factory=list)
    gop: list[_Video] = field(default_factory=list)
    has_audio: bool = False
    opened: int = 0  # times the reader (re)connected: one per source while it runs
    _idle_since: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def subscribe(self, audio: bool) -> tuple[ViewerVideo, ViewerAudio | None]:
        video = ViewerVideo(self.slow_frames, self._left)
        video.start(list(self.gop))
        self.videos.append(video)
        sound = ViewerAudio() if audio else None
        if sound is not None:
            self.audios.append(sound)
        self.start()
        return video, sound

    def start(self) -> None:
        """Read the stream (if not already): on the first viewer, or ahead of any for a
        ``live: always`` camera, whose relay runs anyway."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._read, name=f"whep-{self.stream}",
                                            daemon=True)  # fmt: skip
            self._thread.start()

    def drop_audio(self, audio: ViewerAudio) -> None:
        audio.stop()
        if audio in self.audios:
            self.audios.remove(audio)

    @property
    def viewers(self) -> int:
        return len(self.videos)

    def idle_for(self) -> float:
        """Seconds since the last viewer left (0 while someone watches)."""
        return 0.0 if self.videos else time.monotonic() - self._idle_since

    def _left(self, video: ViewerVideo) -> None:
        if video in self.videos:
            self.videos.remove(video)
        if not self.videos:
            self._idle_since = time.monotonic()

    def close(self) -> None:
        for video in list(self.videos):
            video.stop()
        for audio in list(self.audios):
            self.drop_audio(audio)
        self._stop.set()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                self._read_once()
            except (av.FFmpegError, OSError, IndexError, ValueError) as exc:
                # IndexError: nginx answered before the relay published any video
                log.info("live source %s: %s; reconnecting", self.stream, exc)
            self._stop.wait(0.2)

    def _read_once(self) -> None:
        options = {"rw_timeout": str(_OPEN_TIMEOUT_US), "fflags": "nobuffer",
                   "analyzeduration": "500000", "probesize": "500000",
                   "flv_metadata": "1"}  # fmt: skip
        with av.open(self.url, options=options, timeout=_OPEN_TIMEOUT_US / 1e6) as container:
            self.opened += 1
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            self.has_audio = audio is not None
            annexb = BitStreamFilterContext("h264_mp4toannexb", video)
            decoder = audio.codec_context if audio else None
            # aiortc's encoders take s16; converted once here, not per viewer
            resampler = AudioResampler(format="s16", layout="mono")
            streams = [s for s in (video, audio) if s is not None]
            for packet in container.demux(*streams):
                if self._stop.is_set():
                    return
                if packet.size == 0 or packet.pts is None:
                    continue
                if packet.stream is video:
                    for out in annexb.filter(packet):
                        self._video(out)
                elif decoder is not None and self.audios:  # nobody listens: not decoded
                    for decoded in decoder.decode(packet):
                        for sound in resampler.resample(decoded):
                            self.loop.call_soon_threadsafe(self._audio, sound)

    def _video(self, packet: Packet) -> None:  # type: ignore[type-arg]
        assert packet.pts is not None and packet.time_base is not None
        item = _Video(bytes(packet), int(packet.pts * packet.time_base / _VIDEO_BASE),
                      packet.is_keyframe)  # fmt: skip
        self.loop.call_soon_threadsafe(self._dispatch, item)

    def _dispatch(self, item: _Video) -> None:
        if item.key:
            self.gop.clear()
        if item.key or self.gop:
            self.gop.append(item)
        for video in list(self.videos):
            video.offer(item)

    def _audio(self, frame: AudioFrame) -> None:
        for audio in list(self.audios):
            audio.offer(frame)
