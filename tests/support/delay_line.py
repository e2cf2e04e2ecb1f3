"""A TCP relay that delays what it carries: WAN latency where the kernel has no netem.

This machine's kernel offers tbf, htb and pfifo but not netem, so a link's
delay is made here instead: every chunk read from one side is written to the
other ``delay_s`` later, in order, in both directions (a request and its answer
each wait ``delay_s``). Loss is the kernel's (tests/support/shaped.py drops
packets with nftables), so TCP really retransmits.

    with DelayLine(("10.1.2.2", 5000)) as line:      # relays 127.0.0.1:<line.port> -> target
        line.delay_s = 0.3
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from types import TracebackType
from typing import Self

_CHUNK = 64 * 1024


class DelayLine:
    def __init__(self, target: tuple[str, int], delay_s: float = 0.0) -> None:
        self.target = target
        self.delay_s = delay_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, name="delay-line", daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closed.set()
        self._listener.close()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=30)
        except OSError:
            client.close()  # as an unreachable far end looks from here
            return
        upstream.settimeout(None)
        self._sockets += [client, upstream]
        for source, sink in ((client, upstream), (upstream, client)):
            lane: queue.Queue[tuple[float, bytes]] = queue.Queue()
            threading.Thread(target=self._read, args=(source, lane), daemon=True).start()
            threading.Thread(target=self._write, args=(sink, lane), daemon=True).start()

    def _read(self, source: socket.socket, lane: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            try:
                data = source.recv(_CHUNK)
            except OSError:
                data = b""
            lane.put((time.monotonic() + self.delay_s, data))
            if not data:
                return

    def _write(self, sink: socket.socket, lane: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            due, data = lane.get()
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return
