"""Signed NAS paths: valid, forged and expired links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from footage.signing import SignatureError, sign_path, verify_signed_path

SECRET = b"k" * 32
NOW = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
PATH = "/media/segments/HO/cam1/2026/11/25/cam1_20261125T013000Z.mp4"


def signed(path: str = PATH, ttl: timedelta = timedelta(minutes=10)) -> str:
    return sign_path(path, NOW + ttl, SECRET)


def test_sign_then_verify_returns_the_path() -> None:
    assert verify_signed_path(signed(), NOW, SECRET) == PATH


def test_path_with_spaces_is_quoted_and_verifies() -> None:
    url = signed("/media/odd name.mp4")
    assert " " not in url
    assert verify_signed_path(url, NOW, SECRET) == "/media/odd%20name.mp4"


def test_tampered_path_rejected() -> None:
    url = signed().replace("cam1_", "cam2_")
    with pytest.raises(SignatureError) as caught:
        verify_signed_path(url, NOW, SECRET)
    assert caught.value.expired is False


def test_tampered_exp_rejected() -> None:
    url = signed()
    exp = int((NOW + timedelta(minutes=10)).timestamp())
    forged = url.replace(f"exp={exp}", f"exp={exp + 86_400}")
    assert forged != url
    with pytest.raises(SignatureError) as caught:
        verify_signed_path(forged, NOW, SECRET)
    assert caught.value.expired is False


def test_other_secret_rejected() -> None:
    with pytest.raises(SignatureError, match="bad signature"):
        verify_signed_path(signed(), NOW, b"other-secret")


@pytest.mark.parametrize("suffix", ["", "?exp=1", "?sig=abc", "?exp=soon&sig=abc"])
def test_missing_or_malformed_signature(suffix: str) -> None:
    with pytest.raises(SignatureError, match="missing or malformed"):
        verify_signed_path(PATH + suffix, NOW, SECRET)


EXP = int((NOW + timedelta(minutes=10)).timestamp())
SIG = signed().rpartition("sig=")[2]
#: Query strings a fuzzer would try: non-ASCII, other digits, signs and blanks
#: int() accepts, doubled or empty parameters, huge numbers, control bytes.
NASTY_QUERIES = [
    f"exp={EXP}&sig=\u00e9" + SIG[1:],
    f"exp={EXP}&sig=%C3%A9" + SIG[2:],
    f"exp={EXP}&sig=" + SIG.upper(),
    f"exp={EXP}&sig=" + SIG + "0",
    f"exp={EXP}&sig=" + SIG[:-1],
    f"exp={EXP}&sig=%FF%FE" + SIG[4:],
    f"exp={EXP}&sig=" + "\u0660" * 64,
    f"exp={EXP}&sig=" + SIG[:-1] + "%00",
    f"exp={EXP}&sig=",
    f"exp={EXP}&sig={SIG}&sig={SIG}",
    f"exp={EXP}&exp={EXP}&sig={SIG}",
    f"exp=+{EXP}&sig={SIG}",
    f"exp=%20{EXP}&sig={SIG}",
    f"exp={EXP:_}&sig={SIG}",
    f"exp=-{EXP}&sig={SIG}",
    "exp=" + "".join(chr(0x0660 + int(d)) for d in str(EXP)) + f"&sig={SIG}",
    f"exp={'9' * 5000}&sig={SIG}",
    f"exp=1e10&sig={SIG}",
    f"exp=&sig={SIG}",
    f"exp[]={EXP}&sig={SIG}",
    "\x00\x01&&&==;;",
    "\ud800",
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_nasty_signature_parameters_are_malformed_never_a_crash(query: str) -> None:
    with pytest.raises(SignatureError) as caught:
        verify_signed_path(f"{PATH}?{query}", NOW, SECRET)
    assert caught.value.expired is False


def test_the_signed_target_is_path_and_query_only() -> None:
    """A full URL (as ``request.url`` rebuilds it from the Host header) is not a
    path: whatever a Host could prefix makes the signature fail."""
    assert verify_signed_path(f"{PATH}?exp={EXP}&sig={SIG}", NOW, SECRET) == PATH
    for prefix in ("http://evil", "//evil", "http://testserver"):
        with pytest.raises(SignatureError, match="bad signature"):
            verify_signed_path(f"{prefix}{PATH}?exp={EXP}&sig={SIG}", NOW, SECRET)


def test_expired_link() -> None:
    url = signed(ttl=timedelta(seconds=60))
    assert verify_signed_path(url, NOW + timedelta(seconds=59), SECRET) == PATH
    with pytest.raises(SignatureError) as caught:
        verify_signed_path(url, NOW + timedelta(seconds=60), SECRET)
    assert caught.value.expired is True


def test_naive_expiry_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        sign_path(PATH, datetime(2026, 11, 25), SECRET)
