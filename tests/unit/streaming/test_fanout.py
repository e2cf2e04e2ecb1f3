"""streaming.fanout: one source, many viewers; a slow viewer drops to keyframes only
without holding back the others; a new viewer starts from the last GOP at once."""

from __future__ import annotations

import asyncio

from streaming.fanout import ViewerVideo, _Video


def frame(n: int, key: bool = False) -> _Video:
    return _Video(f"frame-{n}".encode(), n * 6000, key)  # 15 fps at 90 kHz


def drain(viewer: ViewerVideo) -> list[bytes]:
    async def run() -> list[bytes]:
        got = []
        while viewer._queue:
            got.append(bytes(await viewer.recv()))
        return got

    return asyncio.run(run())


def test_a_viewer_starts_at_a_keyframe_and_gets_every_frame_while_it_keeps_up() -> None:
    viewer = ViewerVideo(slow_frames=5, on_end=lambda _: None)
    viewer.offer(frame(0))  # joined mid-GOP: nothing to decode yet
    for n in range(1, 4):
        viewer.offer(frame(n, key=n == 1))
    assert drain(viewer) == [b"frame-1", b"frame-2", b"frame-3"]
    assert not viewer.keyframes_only


def test_a_slow_viewer_gets_keyframes_only_and_the_others_every_frame() -> None:
    slow = ViewerVideo(slow_frames=5, on_end=lambda _: None)
    fast = ViewerVideo(slow_frames=5, on_end=lambda _: None)
    stream = [frame(n, key=n % 4 == 0) for n in range(16)]  # a keyframe every 4 frames
    for item in stream:
        slow.offer(item)
        if item is stream[0]:
            assert drain(slow) == [b"frame-0"]  # connected, then it no longer keeps up
        fast.offer(item)
        assert len(drain(fast)) == 1  # the fast one is never held back
    assert slow.keyframes_only
    assert [bytes(p.data) for p in slow._queue] == [b"frame-12"]  # only the newest keyframe
    assert slow.dropped == 14
    # it catches up: two keyframes sent in time, then every frame again
    for n in range(16, 25):
        slow.offer(frame(n, key=n % 4 == 0))
        drain(slow)
    assert not slow.keyframes_only
    slow.offer(frame(25))
    assert drain(slow) == [b"frame-25"]


def test_a_new_viewer_gets_the_last_gop_squeezed_to_end_at_the_live_edge() -> None:
    viewer = ViewerVideo(slow_frames=30, on_end=lambda _: None)
    viewer.start([frame(10, key=True), frame(11), frame(12)])

    async def run() -> list[int]:
        return [(await viewer.recv()).pts for _ in range(3)]

    pts = asyncio.run(run())
    assert pts == [12 * 6000 - 180, 12 * 6000 - 90, 12 * 6000]  # 1 ms apart, last as live
    viewer.offer(frame(13))  # live continues from there, no wait for a keyframe
    assert drain(viewer) == [b"frame-13"]


def test_a_viewer_still_connecting_is_not_slow_and_starts_at_the_newest_gop() -> None:
    """Ten viewers connecting at once on a loaded box: the handshakes take a while and
    nothing is pulled meanwhile. That is no slow viewer (CI once saw one drop to
    keyframes only before its first frame, and show 4 frames in 8 s)."""
    viewer = ViewerVideo(slow_frames=5, on_end=lambda _: None)
    viewer.start([frame(0, key=True), frame(1)])
    for n in range(2, 20):
        viewer.offer(frame(n, key=n % 8 == 0))  # 18 frames while the handshake runs
    assert not viewer.keyframes_only

    async def first(count: int) -> list[tuple[bytes, int]]:
        return [(bytes(p), p.pts) for p in [await viewer.recv() for _ in range(count)]]

    got = asyncio.run(first(4))  # frame 16's GOP, squeezed to end at frame 19
    assert got == [(b"frame-16", 19 * 6000 - 270), (b"frame-17", 19 * 6000 - 180),
                   (b"frame-18", 19 * 6000 - 90), (b"frame-19", 19 * 6000)]  # fmt: skip
    viewer.offer(frame(20))
    assert drain(viewer) == [b"frame-20"] and not viewer.keyframes_only


def test_a_long_gop_burst_is_no_backlog() -> None:
    """A camera with a 4 s GOP at 15 fps: a new viewer starts with up to 60 frames at
    once. Those go out in milliseconds; they must not mark it slow (and drop them)."""
    viewer = ViewerVideo(slow_frames=30, on_end=lambda _: None)
    viewer.start([frame(0, key=True), *(frame(n) for n in range(1, 55))])

    async def pull_one() -> bytes:
        return bytes(await viewer.recv())

    assert asyncio.run(pull_one()) == b"frame-0"  # connected: the burst starts
    viewer.offer(frame(55))
    assert not viewer.keyframes_only
    assert drain(viewer) == [f"frame-{n}".encode() for n in range(1, 56)]
    for n in range(56, 90):  # then 30 live frames queue unsent: that is slow
        viewer.offer(frame(n))
    assert viewer.keyframes_only


def test_a_viewer_limited_by_its_link_stays_on_keyframes_until_released() -> None:
    viewer = ViewerVideo(slow_frames=30, on_end=lambda _: None)
    viewer.offer(frame(0, key=True))
    assert drain(viewer) == [b"frame-0"]
    viewer.limit(True)  # its browser reports loss
    got = []
    for n in range(1, 17):  # keeps up: every keyframe is sent in time
        viewer.offer(frame(n, key=n % 4 == 0))
        got += drain(viewer)
    assert got == [b"frame-4", b"frame-8", b"frame-12", b"frame-16"]
    assert viewer.keyframes_only  # keeping up does not lift a limit the link set
    viewer.limit(False)
    for n in range(17, 23):
        viewer.offer(frame(n, key=n % 4 == 0))
        got += drain(viewer)
    assert got[-3:] == [b"frame-20", b"frame-21", b"frame-22"] and not viewer.keyframes_only
