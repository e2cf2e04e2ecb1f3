"""The answer cache: one query for concurrent misses, bounded size, revision keys."""

from __future__ import annotations

import gzip
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from functions.api.cache import ENTRY_OVERHEAD, AnswerCache


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


def _bytes_of(*bodies: bytes) -> int:
    return sum(len(b) + len(gzip.compress(b, compresslevel=6)) + ENTRY_OVERHEAD for b in bodies)


def test_a_new_revision_is_a_new_answer_and_old_ones_are_evicted() -> None:
    one, two, three = b"[1]", b"[1, 2]", b"[1, 2, 3]"
    cache = AnswerCache(max_bytes=_bytes_of(two, three), max_share=1)
    first = cache.get(("footage", "cam", 1), lambda: one)
    second = cache.get(("footage", "cam", 2), lambda: two)
    assert first.etag != second.etag
    cache.get(("footage", "cam", 3), lambda: three)
    assert cache.peek(("footage", "cam", 1)) is None  # least recently used goes
    assert cache.peek(("footage", "cam", 3)) is not None
    assert cache.size_bytes == _bytes_of(two, three) == cache.max_bytes


def test_the_cache_is_bounded_in_bytes_least_recently_used_out() -> None:
    body = bytes(range(256)) * 400  # 100 KB that gzip cannot shrink much
    size = _bytes_of(body)
    cache = AnswerCache(max_bytes=(size + 64) * 10)  # room for 10 of them, not 11
    for day in range(10):
        cache.get(("footage", "cam", day), lambda day=day: body + bytes([day]))
    cache.peek(("footage", "cam", 0))  # day 0 was read: day 1 is the oldest now
    for day in range(10, 15):
        cache.get(("footage", "cam", day), lambda day=day: body + bytes([day]))
    kept = [day for day in range(15) if cache.peek(("footage", "cam", day)) is not None]
    assert kept == [0, *range(6, 15)]
    assert cache.size_bytes <= cache.max_bytes and len(cache) == 10
    assert cache.size_bytes == sum(_bytes_of(body + bytes([day])) for day in kept)


def test_an_answer_over_its_share_is_served_but_not_kept() -> None:
    cache = AnswerCache(max_bytes=8 * 1024 * 1024)  # answers up to 1 MiB are kept
    big = bytes(range(256)) * 8192  # 2 MiB
    answer = cache.get(("footage", "cam", "month"), lambda: big)
    assert answer.body == big and gzip.decompress(answer.gzipped) == big
    assert cache.peek(("footage", "cam", "month")) is None
    assert (len(cache), cache.size_bytes) == (0, 0)
    small = cache.get(("footage", "cam", "day"), lambda: b"[]")
    assert cache.peek(("footage", "cam", "day")) is small


def test_concurrent_misses_of_an_answer_too_big_to_keep_still_run_one_query() -> None:
    cache = AnswerCache(max_bytes=1024)
    calls: list[int] = []

    def produce() -> bytes:
        calls.append(1)
        time.sleep(0.2)
        return bytes(range(256)) * 64

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: cache.get(("footage", "cam", 1), produce), range(10)))

    assert len(calls) == 1 and len({a.etag for a in answers}) == 1
    assert len(cache) == 0


def test_a_failed_query_lets_the_waiting_requests_try_again() -> None:
    cache = AnswerCache()
    calls: list[int] = []
    started = threading.Event()

    def produce() -> bytes:
        calls.append(1)
        if len(calls) == 1:
            started.set()
            time.sleep(0.2)
            raise RuntimeError("the index is down")
        return b"[]"

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(cache.get, ("footage", "cam", 1), produce)
        started.wait()
        second = pool.submit(cache.get, ("footage", "cam", 1), produce)
        assert second.result().body == b"[]"
        try:
            first.result()
        except RuntimeError as exc:
            assert "down" in str(exc)
        else:
            raise AssertionError("the first request should see the failure")
    assert len(calls) == 2 and cache.peek(("footage", "cam", 1)) is not None
