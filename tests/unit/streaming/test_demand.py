"""Demand from nginx's live log: which streams are watched, by how many."""

from __future__ import annotations

from pathlib import Path

from streaming import demand
from streaming.demand import Demand, LiveLog


def test_counts_requests_nginx_let_through_only(tmp_path: Path) -> None:
    path = tmp_path / "live.log"
    path.write_text(
        "1795670000.001 lobby 503 10.0.0.5\n"  # relay starting: counts
        "1795670001.002 lobby 200 10.0.0.5\n"
        "1795670001.500 kasir 403 10.0.0.9\n"  # forged token: must not start ffmpeg
        "1795670001.600 kasir 410 10.0.0.9\n"  # expired
        "1795670002.000 gudang 304 10.0.0.7\n"
        "1795670002.100 half-writ"  # no newline yet: read next time
    )
    log = LiveLog(path)
    assert log.read() == [("lobby", "10.0.0.5"), ("lobby", "10.0.0.5"), ("gudang", "10.0.0.7")]
    with path.open("a") as handle:
        handle.write("ten 200 10.0.0.8\n")
    assert log.read() == [("half-written", "10.0.0.8")]
    assert log.read() == []


def test_missing_log_and_truncation(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "live.log"
    log = LiveLog(path)
    assert log.read() == []  # nginx not started yet
    monkeypatch.setattr(demand, "TRUNCATE_AT", 64)
    path.write_text("".join(f"1795670000.{i:03d} lobby 200 10.0.0.{i}\n" for i in range(3)))
    assert len(log.read()) == 3
    assert path.stat().st_size == 0 and log.offset == 0  # read past the limit: truncated
    with path.open("a") as handle:  # nginx goes on appending at the new end
        handle.write("1795670009.000 kasir 200 10.0.0.1\n")
    assert log.read() == [("kasir", "10.0.0.1")]


def test_replaced_log_is_read_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "live.log"
    path.write_text("1795670000.000 lobby 200 10.0.0.1\n" * 3)
    log = LiveLog(path)
    log.read()
    path.write_text("1795670100.000 kasir 200 10.0.0.2\n")  # shorter than our offset
    assert log.read() == [("kasir", "10.0.0.2")]


def test_wanted_until_idle_and_viewers_by_address() -> None:
    watch = Demand()
    assert not watch.wanted("lobby", 100.0, 60)
    watch.seen("lobby", "10.0.0.1", 100.0)
    watch.seen("lobby", "10.0.0.2", 105.0)
    watch.seen("lobby", "10.0.0.1", 108.0)
    assert watch.wanted("lobby", 167.9, 60) and not watch.wanted("lobby", 168.0, 60)
    assert not watch.wanted("kasir", 108.0, 60)
    assert watch.viewers("lobby", 109.0) == 2
    assert watch.viewers("lobby", 116.0) == 1  # 10.0.0.2 last seen 11 s ago
    assert watch.viewers("lobby", 200.0) == 0


def test_log_is_cut_even_while_nginx_keeps_writing(tmp_path: Path, monkeypatch) -> None:
    """Past the limit the log is cut though more came in after the read (here: a line
    nginx is writing); it used to be cut only when the reader had caught up, which a
    busy relay never lets it do, so live.log grew without end."""
    monkeypatch.setattr(demand, "TRUNCATE_AT", 64)
    path = tmp_path / "live.log"
    log = LiveLog(path)
    for round_ in range(50):
        with path.open("a") as handle:
            handle.write("".join(f"1795670000.{i:03d} lobby 200 10.0.0.{i}\n" for i in range(3)))
            handle.write(f"1795670001.{round_:03d} lobby 2")  # the rest comes later
        assert len(log.read()) >= 2
        assert path.stat().st_size < 64 + 3 * 40
