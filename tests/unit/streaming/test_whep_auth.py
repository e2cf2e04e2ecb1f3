"""The WHEP service's checks: the token as nginx's secure_link checks it for HLS, the
offer's mDNS candidates left out, and a viewer's link judged from its reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from aiortc.stats import RTCRemoteInboundRtpStreamStats

from footage.config import WebRtcConfig
from footage.live import MAX_TOKEN_AHEAD, TokenRefused, check_live_token
from footage.signing import live_token
from streaming.fanout import ViewerVideo
from streaming.linkwatch import LinkWatch
from streaming.whep import WhepService, _Session, without_mdns

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
KEY = b"k" * 32


def token(stream: str, expires_at: datetime, key: bytes = KEY) -> tuple[str, str]:
    return live_token(stream, expires_at, key)


def test_the_stream_token_opens_its_stream_until_it_expires() -> None:
    value, expires = token("ho-lobby", NOW + timedelta(minutes=30))
    assert check_live_token("ho-lobby", value, expires, KEY, NOW) == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("case", "status"),
    [("other stream", 403), ("other site's key", 403), ("expired", 410), ("too far ahead", 403),
     ("no key here", 403), ("forged", 403), ("malformed expiry", 403)],
)  # fmt: skip
def test_refused(case: str, status: int) -> None:
    stream, key, expires_at = "ho-lobby", KEY, NOW + timedelta(minutes=30)
    if case == "expired":
        expires_at = NOW - timedelta(seconds=1)
    if case == "too far ahead":
        expires_at = NOW + MAX_TOKEN_AHEAD + timedelta(minutes=1)
    value, expires = token("ho-gudang" if case == "other stream" else stream, expires_at,
                           b"b" * 32 if case == "other site's key" else key)  # fmt: skip
    if case == "forged":
        value = value[:-1] + ("A" if value[-1] != "A" else "B")
    if case == "malformed expiry":
        expires = "17x"
    with pytest.raises(TokenRefused) as refused:
        check_live_token(stream, value, expires, None if case == "no key here" else key, NOW)
    assert refused.value.status == status


def test_mdns_candidates_are_left_out_of_the_offer() -> None:
    offer = (
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
        "a=candidate:1 1 udp 2122260223 7d1f0a5e-2f63-4b53.local 54400 typ host\r\n"
        "a=candidate:2 1 udp 2122194687 192.0.2.7 54401 typ host\r\n"
        "a=mid:0\r\n"
    )
    assert without_mdns(offer) == (
        "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
        "a=candidate:2 1 udp 2122194687 192.0.2.7 54401 typ host\r\na=mid:0\r\n"
    )


def test_a_viewer_whose_browser_reports_loss_gets_keyframes_only() -> None:
    """The WHEP service reads each session's newest receiver report once a second."""
    reports: list[RTCRemoteInboundRtpStreamStats] = []

    async def stats() -> dict[str, RTCRemoteInboundRtpStreamStats]:
        return {"remote-inbound-rtp_1": reports[-1]}

    def report(sent: int, lost: int) -> None:  # counts since the session began
        reports.append(RTCRemoteInboundRtpStreamStats(
            timestamp=NOW, type="remote-inbound-rtp", id="r", ssrc=1, kind="video",
            transportId="t", packetsReceived=sent - lost, packetsLost=lost, jitter=0,
            roundTripTime=0.01, fractionLost=0))  # fmt: skip  # Chrome's, through loss

    video = ViewerVideo(slow_frames=30, on_end=lambda _: None)
    sender = SimpleNamespace(getStats=stats)
    session = _Session("ho-lobby", "10.0.0.9", None, NOW, video, sender,  # type: ignore[arg-type]
                       LinkWatch(0.1))  # fmt: skip
    service = WhepService({}, WebRtcConfig(), lambda *_: None, lambda: NOW)

    async def look() -> None:
        await service._judge_link(session)

    report(20, 10)
    asyncio.run(look())  # the first seconds: the first GOP's burst is not judged
    session.started -= 3
    report(45, 10)
    asyncio.run(look())  # 25 sent, none lost
    report(70, 20)
    asyncio.run(look())  # 25 sent, 10 lost: a strike
    asyncio.run(look())  # the same report again: not a second one
    assert not video.keyframes_only
    report(95, 26)
    asyncio.run(look())  # 25 sent, 6 lost: 24 %
    assert video.keyframes_only and video.link_limited
