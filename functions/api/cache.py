"""Serialized API answers kept per catalog revision (``GET /api/footage``).

A camera-day is 1,440 segments: ~240 KB of JSON that costs ~25 ms to query and
serialize, and most viewers look at the same few camera-days. An answer is
kept under its camera's catalog revision, which every write of that camera
changes, so a hit is never stale. It also carries an ETag: a browser that
already has the answer gets 304 Not Modified, and a gzip copy is kept for
clients that accept it (a branch on a slow uplink: ~10x fewer bytes).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from fastapi import Request, Response

#: Answers kept (a camera-day answer is ~240 KB + ~25 KB gzipped: ~65 MB at most).
MAX_ENTRIES = 256
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Answer:
    etag: str
    body: bytes
    gzipped: bytes

    def respond(self, request: Request) -> Response:
        headers = {"ETag": self.etag, "Cache-Control": "private, no-cache",
                   "Vary": "Accept-Encoding, Authorization"}  # fmt: skip
        if self.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(self.gzipped, media_type=_JSON,
                            headers={**headers, "Content-Encoding": "gzip"})  # fmt: skip
        return Response(self.body, media_type=_JSON, headers=headers)


class AnswerCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, Answer] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def peek(self, key: Hashable) -> Answer | None:
        """The answer if it is kept (a hit), else None."""
        with self._lock:
            answer = self._entries.get(key)
            if answer is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return answer

    def get(self, key: Hashable, produce: Callable[[], bytes]) -> Answer:
        """The answer under ``key`` (which must include the revision), made once:
        requests that miss together wait for one ``produce`` instead of each
        running the query (50 viewers opening the same camera-day at once)."""
        answer = self.peek(key)
        if answer is not None:
            return answer
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            answer = self.peek(key)
            if answer is None:
                answer = self._make(key, produce)
        with self._lock:
            self._flights.pop(key, None)
        return answer

    def _make(self, key: Hashable, produce: Callable[[], bytes]) -> Answer:
        body = produce()  # outside the cache lock: a slow query must not stall the hits
        digest = hashlib.blake2b(body, digest_size=12).hexdigest()
        answer = Answer(f'"{digest}"', body, gzip.compress(body, compresslevel=6))
        with self._lock:
            self.misses += 1
            self._entries[key] = answer
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return answer
