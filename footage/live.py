"""Live view, shared by the relay (streaming/), the recorder and the API.

* The feed: a recorder hands its camera's stream to the relay over loopback UDP
  (MPEG-TS, port ``relay.feed_port`` + the camera's index in the config), so
  live view opens no second RTSP session to a camera that is recorded.
* The relay's state: ``<data-dir>/relay/status.json``, written every second by
  ``python -m streaming run`` and read by ``vms status`` and ``/api/status``.
* Viewer URLs: ``<base>/live/<token>/<expires>/<stream>/index.m3u8``, the token
  checked by nginx's secure_link (footage.signing.live_token) with the key of
  the camera's site: each site has its own live key, so a key taken from one
  site's box opens no other site's relay. On-prem the keys are files,
  ``<data-dir>/secrets/live-<SITE>.key`` (made when missing); a box that holds
  one site's cameras may take its key from ``VMS_LIVE_KEY`` instead. In AWS
  each site's key is a Secrets Manager secret the API reads; an admin copies
  it to that site's box.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from footage.config import Camera, Config, IceServer
from footage.errors import ConfigError, LiveUnavailable
from footage.jsonfile import read_model, write_model
from footage.keys import build_stream_name, validate_id
from footage.redact import redact_optional
from footage.secrets import load_or_create_key
from footage.signing import live_token

LOOPBACK = "127.0.0.1"
PLAYLIST = "index.m3u8"
#: The WHEP resource next to the playlist: ``/live/<token>/<expires>/<stream>/whep``.
WHEP = "whep"
#: How long a live URL stays valid: a viewer asks for a fresh one when it expires.
LIVE_URL_TTL = timedelta(minutes=30)
#: The relay refuses a token that expires further ahead than this (a leaked URL
#: or a minted token is no good for long): the URL's life plus clock skew
#: between the cloud API and a site's box.
MAX_TOKEN_AHEAD = timedelta(hours=2)
#: A box with one site's cameras may take that site's live key from here (hex).
LIVE_KEY_ENV = "VMS_LIVE_KEY"
#: The relay writes its status every second; older than this, it is not running.
STALE_AFTER = timedelta(seconds=10)


def feed_port(config: Config, camera: Camera) -> int:
    index = next(i for i, c in enumerate(config.cameras) if c.id == camera.id)
    return config.relay.feed_port + index


def feed_output_url(config: Config, camera: Camera) -> str:
    """Where the recorder sends the feed; 1316 bytes = 7 TS packets per datagram."""
    return f"udp://{LOOPBACK}:{feed_port(config, camera)}?pkt_size=1316"


def feed_input_url(config: Config, camera: Camera, timeout_s: float) -> str:
    """Where the relay listens. ``timeout`` (µs) ends ffmpeg when the feed stops
    (camera gone, recorder restarting); a large socket buffer absorbs keyframes."""
    micros = int(timeout_s * 1_000_000)
    return (
        f"udp://{LOOPBACK}:{feed_port(config, camera)}"
        f"?timeout={micros}&buffer_size=4194304&fifo_size=1000000&overrun_nonfatal=1"
    )


def live_key_path(data_dir: Path, site: str) -> Path:
    return data_dir / "secrets" / f"live-{validate_id(site, 'site')}.key"


def live_keys(data_dir: Path, config: Config, environ: Mapping[str, str]) -> dict[str, bytes]:
    """Each site's live key (made when missing). ``VMS_LIVE_KEY`` names one key,
    so it is taken only when the config has one site; else it is an error."""
    env = environ.get(LIVE_KEY_ENV)
    if env is not None and len(config.sites) != 1:
        problem = f"holds one key but the config has {len(config.sites)} sites: put each "
        raise ConfigError([(LIVE_KEY_ENV, problem + "site's key in secrets/live-<SITE>.key")])
    return {
        site.id: load_or_create_key(live_key_path(data_dir, site.id), env, LIVE_KEY_ENV)
        for site in config.sites
    }


def key_lookup(keys: Mapping[str, bytes]) -> Callable[[str], bytes]:
    """site -> its live key, LiveUnavailable for a site that has none."""

    def key(site: str) -> bytes:
        found = keys.get(site)
        if found is None:
            raise LiveUnavailable(f"site {site} has no live key here")
        return found

    return key


def stream_keys(config: Config, keys: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every stream of every camera (main and sub) -> the key of its camera's site."""
    return {
        build_stream_name(camera.id, sub): keys[camera.site]
        for camera in config.cameras
        for sub in (False, True)
        if camera.site in keys
    }


def live_path(
    camera: str, sub: bool, expires_at: datetime, secret: bytes, file: str = PLAYLIST
) -> str:
    """The signed path of a stream's playlist, or of its WHEP resource (``file=WHEP``)."""
    stream = build_stream_name(camera, sub)
    token, expires = live_token(stream, expires_at, secret)
    return f"/live/{token}/{expires}/{stream}/{file}"


class TokenRefused(Exception):
    """A live token that opens nothing; ``status`` as nginx answers it (403 or 410)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def check_live_token(
    stream: str, token: str, expires: str, key: bytes | None, now: datetime
) -> datetime:
    """What nginx's secure_link checks for HLS, for the WHEP service: the token is the
    stream's (its site's key), within MAX_TOKEN_AHEAD, and not expired. Returns when
    it expires; raises TokenRefused (403: wrong or forged, 410: expired)."""
    if key is None:
        raise TokenRefused(403, f"no camera streams {stream!r} here")
    if not expires.isdigit():
        raise TokenRefused(403, "malformed expiry")
    expires_at = datetime.fromtimestamp(int(expires), UTC)
    expected, _ = live_token(stream, expires_at, key)
    if not hmac.compare_digest(expected, token):
        raise TokenRefused(403, "the token does not open this stream")
    if expires_at - now > MAX_TOKEN_AHEAD:
        raise TokenRefused(403, "the token expires too far ahead")
    if expires_at <= now:
        raise TokenRefused(410, "the token has expired")
    return expires_at


class StreamState(StrEnum):
    IDLE = "idle"  # on demand and nobody watches: no process, no bandwidth
    STARTING = "starting"
    LIVE = "live"
    RETRYING = "retrying"  # the source or nginx failed; retried with backoff


class StreamStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera: str
    site: str
    sub: bool = False
    always: bool = False
    source: str  # "feed" (the recorder's) or "rtsp" (the relay's own session)
    state: StreamState = StreamState.IDLE
    since: datetime
    viewers: int = 0  # distinct addresses fetching the playlist lately
    restarts: int = 0
    last_error: str | None = None


class RelayStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")

    updated_at: datetime
    pid: int
    nginx: str  # "running" | "restarting"
    nginx_restarts: int = 0
    streams: dict[str, StreamStatus]

    def viewers(self, site: str) -> int:
        return sum(s.viewers for s in self.streams.values() if s.site == site)

    def camera(self, camera: str) -> CameraLive:
        """The camera's live state as status pages show it: its main stream's state
        and error, and the viewers of both its streams."""
        main = self.streams.get(camera)
        viewers = sum(s.viewers for s in self.streams.values() if s.camera == camera)
        return CameraLive(main.state if main else None, viewers, main.last_error if main else None)


@dataclass(frozen=True, slots=True)
class CameraLive:
    state: StreamState | None
    viewers: int
    error: str | None


def relay_status_path(data_dir: Path) -> Path:
    return data_dir / "relay" / "status.json"


def write_relay_status(path: Path, status: RelayStatus) -> None:
    write_model(path, status)


def read_relay_status(path: Path, now: datetime) -> RelayStatus | None:
    """The relay's state, or None when it is not running (no file, or stale)."""
    status = read_model(path, RelayStatus)
    return status if status and now - status.updated_at <= STALE_AFTER else None


class LiveLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    expires_at: datetime
    state: StreamState | None  # None: a remote site's relay, whose state is not known here
    last_error: str | None = None
    whep_url: str | None = None  # WebRTC (WHEP) with the same token; None: HLS only
    ice_servers: list[IceServer] = []


def live_link(
    config: Config,
    camera: Camera,
    sub: bool,
    now: datetime,
    secret: bytes,
    relay: RelayStatus | None,
    *,
    local: bool,
) -> LiveLink:
    """A signed playlist URL for ``camera`` (its sub-stream when asked for and it
    has one). ``local``: a relay on this machine serves the viewer's own origin
    (on-prem); otherwise the camera's site must name its relay (``live_url``).
    The URL itself starts the relay on demand: nginx logs the request, the
    supervisor sees it, and the player retries the 503 until the stream is up."""
    site = config.site(camera.site)
    if camera.nvr_only:
        raise LiveUnavailable(f"camera {camera.id} is recorded by an NVR only: no live view")
    if not local and site.live_url is None:
        raise LiveUnavailable(f"site {site.id} has no live_url: its relay is not reachable")
    if local and site.live_url is None and relay is None:
        raise LiveUnavailable("live view needs the live relay, which is not running here")
    sub = sub and camera.sub_rtsp_url is not None
    expires_at = (now + LIVE_URL_TTL).replace(microsecond=0)
    path = live_path(camera.id, sub, expires_at, secret)
    stream = relay.streams.get(build_stream_name(camera.id, sub)) if relay else None
    webrtc = config.relay.webrtc
    whep = path.removesuffix(PLAYLIST) + WHEP if webrtc.enabled else None
    return LiveLink(
        url=f"{site.live_url or ''}{path}",
        whep_url=f"{site.live_url or ''}{whep}" if whep else None,
        ice_servers=webrtc.ice_servers if webrtc.enabled else [],
        expires_at=expires_at,
        state=stream.state if stream else None,
        last_error=redact_optional(stream.last_error) if stream else None,
    )
