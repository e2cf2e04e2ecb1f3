"""The answer cache: one query for concurrent misses, bounded size, revision keys."""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from functions.api.cache import AnswerCache


def test_concurrent_misses_run_one_query() -> None:
    cache = AnswerCache()
    calls: list[int] = []

    def produce() -> bytes:
        calls.append(threading.get_ident())
        time.sleep(0.2)
        return b'{"segments": []}'

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: cache.get(("footage", "cam", 7), produce), range(20)))

    assert len(calls) == 1
    assert {a.etag for a in answers} == {answers[0].etag}
    assert gzip.decompress(answers[0].gzipped) == answers[0].body == b'{"segments": []}'
    assert (cache.misses, cache.hits) == (1, 19)


def test_a_new_revision_is_a_new_answer_and_old_ones_are_evicted() -> None:
    cache = AnswerCache(max_entries=2)
    first = cache.get(("footage", "cam", 1), lambda: b"[1]")
    second = cache.get(("footage", "cam", 2), lambda: b"[1, 2]")
    assert first.etag != second.etag
    cache.get(("footage", "cam", 3), lambda: b"[1, 2, 3]")
    assert cache.peek(("footage", "cam", 1)) is None  # least recently used goes
    assert cache.peek(("footage", "cam", 3)) is not None
