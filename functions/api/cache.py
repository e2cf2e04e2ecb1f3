"""Serialized API answers kept per catalog revision (``GET /api/footage``).

A camera-day is 1,440 segments: ~240 KB of JSON that costs ~25 ms to query and
serialize, and most viewers look at the same few camera-days. An answer is
kept under its camera's catalog revision, which every write of that camera
changes, so a hit is never stale. It also carries an ETag: a browser that
already has the answer gets 304 Not Modified, and a gzip copy is kept for
clients that accept it (a branch on a slow uplink: ~10x fewer bytes).

The cache is bounded in bytes (each answer's body, its gzip copy and a fixed
overhead), least recently used first out. A viewer may ask for up to 31 days
(~7.5 MB); an answer bigger than :data:`MAX_SHARE` of the budget is served but
not kept, so a few month-long queries cannot push out every camera-day.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from fastapi import Request, Response

#: Bytes of answers kept per API process (on-prem: per uvicorn worker).
MAX_BYTES = 64 * 1024 * 1024
#: An answer is kept only if it takes at most this share of the budget.
MAX_SHARE = 1 / 8
#: What one kept answer costs besides its bytes (key, objects, dict slot).
ENTRY_OVERHEAD = 512
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    etag: str
    body: bytes
    gzipped: bytes

    @classmethod
    def of(cls, body: bytes) -> Answer:
        """``body`` with its ETag and gzip copy (kept or not: the caller decides)."""
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        return cls(f'"{digest}"', body, gzip.compress(body, compresslevel=6))

    @property
    def size(self) -> int:
        """Bytes it holds in the cache."""
        return len(self.body) + len(self.gzipped) + ENTRY_OVERHEAD

    def respond(self, request: Request) -> Response:
        headers = {"ETag": self.etag, "Cache-Control": "private, no-cache",
                   "Vary": "Accept-Encoding, Authorization"}  # fmt: skip
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(self.gzipped, media_type=_JSON,
                            headers={**headers, "Content-Encoding": "gzip"})  # fmt: skip
        return Response(self.body, media_type=_JSON, headers=headers)


@dataclass(slots=True)
class _Flight:
    """One ``produce`` under way; the requests that missed with it wait for it."""

    done: threading.Event = field(default_factory=threading.Event)
    answer: Answer | None = None


class AnswerCache:
    def __init__(self, max_bytes: int = MAX_BYTES, max_share: float = MAX_SHARE) -> None:
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self.max_bytes = max_bytes
        self.max_answer_bytes = int(max_bytes * max_share)
        #: bytes held now (always <= max_bytes)
        self.size_bytes = 0
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: Hashable) -> Answer | None:
        """The answer if it is kept (a hit), else None."""
        with self._lock:
            return self._hit(key)

    def get(self, key: Hashable, produce: Callable[[], bytes]) -> Answer:
        """The answer under ``key`` (which must include the revision), made once:
        requests that miss together wait for one ``produce`` instead of each
        running the query (50 viewers opening the same camera-day at once)."""
        with self._lock:
            answer = self._hit(key)
            if answer is not None:
                return answer
            flight = self._flights.get(key)
            if flight is None:
                flight = self._flights[key] = _Flight()
                leader = True
            else:
                leader = False
        if not leader:
            flight.done.wait()
            if flight.answer is None:  # the leader's produce failed: try again
                return self.get(key, produce)
            with self._lock:
                self.hits += 1
            return flight.answer
        try:
            flight.answer = self._make(key, produce)
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
        return flight.answer

    def _hit(self, key: Hashable) -> Answer | None:
        answer = self._entries.get(key)
        if answer is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return answer

    def _make(self, key: Hashable, produce: Callable[[], bytes]) -> Answer:
        answer = Answer.of(produce())  # outside the lock: a slow query must not stall hits
        with self._lock:
            self.misses += 1
            if answer.size <= self.max_answer_bytes:
                self._keep(key, answer)
        return answer

    def _keep(self, key: Hashable, answer: Answer) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self.size_bytes -= old.size
        self._entries[key] = answer
        self.size_bytes += answer.size
        while self.size_bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size_bytes -= evicted.size
