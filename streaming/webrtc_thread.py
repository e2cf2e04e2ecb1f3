"""The WHEP service's thread: its own asyncio loop (aiortc's) and HTTP server.

uvicorn serves streaming.whep on loopback (``relay.webrtc.port``), behind the
relay's nginx. It stops with the supervisor: the server exits, every peer
connection and source is closed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping, Sequence

import uvicorn

from footage.clock import Clock
from footage.config import Config
from footage.live import LOOPBACK
from streaming.relay import StreamRelay
from streaming.whep import WhepService, WhepStream

log = logging.getLogger(__name__)


def whep_streams(
    relays: Sequence[StreamRelay], keys: Mapping[str, bytes], rtmp_base: str
) -> dict[str, WhepStream]:
    """Every stream the relay serves whose site has a key here."""
    found = {}
    for r in relays:
        camera = r.source.camera
        if camera.site in keys:
            url = f"{rtmp_base}/{r.source.stream}"
            found[r.source.stream] = WhepStream(
                camera.id, camera.site, keys[camera.site], url, always=r.source.always
            )
    return found


class WebRtcThread:
    def __init__(
        self,
        config: Config,
        relays: Sequence[StreamRelay],
        keys: Mapping[str, bytes],
        rtmp_base: str,
        seen: Callable[[str, str, float], None],
        clock: Clock,
    ) -> None:
        self.port = config.relay.webrtc.port
        self.service = WhepService(whep_streams(relays, keys, rtmp_base), config.relay.webrtc,
                                   seen, clock.now)  # fmt: skip

    def run(self, stop: threading.Event) -> None:
        asyncio.run(self._serve(stop))

    async def _serve(self, stop: threading.Event) -> None:
        server = uvicorn.Server(uvicorn.Config(
            self.service.app(), host=LOOPBACK, port=self.port, log_level="warning",
            access_log=False, lifespan="off",
        ))  # fmt: skip
        serving = asyncio.create_task(server.serve())
        self.service.warm()
        while not stop.is_set() and not serving.done():
            await asyncio.sleep(0.25)
        server.should_exit = True
        await serving
        await self.service.close()
        if not stop.is_set():
            log.error("the WHEP service stopped: is port %d taken?", self.port)
