"""The WHEP service's checks: the token as nginx's secure_link checks it for HLS, and
the offer's mDNS candidates left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.live import MAX_TOKEN_AHEAD, TokenRefused, check_live_token
from footage.signing import live_token
from streaming.whep import without_mdns

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
