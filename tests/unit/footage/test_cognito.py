"""Cognito RS256 tokens: signature, issuer, client, expiry, token_use, JWKS rotation."""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from footage.auth import Role
from footage.cognito import (
    CognitoVerifier,
    HttpJwks,
    StaticJwks,
    cognito_issuer,
    cognito_jwks_url,
    cognito_verifier,
)
from footage.errors import AuthUnavailable, TokenError

REGION = "ap-southeast-3"
POOL = "ap-southeast-3_AbCdEf123"
CLIENT = "4example0client0id"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL}"
NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY_A = _rsa_key()
KEY_B = _rsa_key()


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**public, "kid": kid, "alg": "RS256", "use": "sig"}


def jwks(*entries: tuple[rsa.RSAPrivateKey, str]) -> dict[str, Any]:
    return {"keys": [jwk(key, kid) for key, kid in entries]}


def claims(use: str = "id", groups: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sub": "5f1c1d2e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "token_use": use,
        "iat": int((NOW - timedelta(minutes=5)).timestamp()),
        "exp": int((NOW + timedelta(minutes=55)).timestamp()),
    }
    if use == "id":
        base |= {"aud": CLIENT, "cognito:username": "budi"}
    else:
        base |= {"client_id": CLIENT, "username": "budi", "scope": "aws.cognito.signin.user.admin"}
    if groups is not None:
        base["cognito:groups"] = groups
    return base | extra


def sign(payload: dict[str, Any], key: rsa.RSAPrivateKey = KEY_A, kid: str = "a") -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def source() -> StaticJwks:
    return StaticJwks(jwks((KEY_A, "a")))


@pytest.fixture
def verifier(source: StaticJwks) -> CognitoVerifier:
    return CognitoVerifier(REGION, POOL, CLIENT, source)


def rejected(verifier: CognitoVerifier, token: str, now: datetime = NOW) -> TokenError:
    with pytest.raises(TokenError) as info:
        verifier.verify(token, now)
    return info.value


# --- accepted tokens ---------------------------------------------------------------


def test_urls_follow_the_cognito_scheme():
    assert cognito_issuer(REGION, POOL) == ISSUER
    assert cognito_jwks_url(REGION, POOL) == f"{ISSUER}/.well-known/jwks.json"


def test_id_token_maps_to_a_branch_viewer(verifier):
    token = sign(claims("id", ["site-CABANG-01", "site-CABANG-02", "other"]))
    principal = verifier.verify(token, NOW)
    assert principal.username == "budi"
    assert principal.role is Role.VIEWER
    assert principal.sites == frozenset({"CABANG-01", "CABANG-02"})


def test_access_token_uses_username_and_client_id(verifier):
    payload = claims("access", ["site-HO"], username="siti")
    principal = verifier.verify(sign(payload), NOW)
    assert (principal.username, principal.role, principal.sites) == (
        "siti",
        Role.VIEWER,
        frozenset({"HO"}),
    )


def test_admin_group_gives_admin(verifier):
    principal = verifier.verify(sign(claims("access", ["admin", "site-HO"])), NOW)
    assert principal.role is Role.ADMIN
    assert principal.can_see("ANY-SITE")


def test_no_groups_sees_nothing(verifier):
    principal = verifier.verify(sign(claims("id")), NOW)
    assert principal.role is Role.VIEWER
    assert principal.sites == frozenset()
    assert not principal.can_see("HO")


def test_leeway_accepts_small_clock_skew(verifier):
    skewed = claims(
        iat=int((NOW + timedelta(seconds=20)).timestamp()),
        exp=int((NOW - timedelta(seconds=20)).timestamp()),
    )
    assert verifier.verify(sign(skewed), NOW).username == "budi"


# --- time ----------------------------------------------------------------------------


def test_expired_token_says_expired(verifier):
    token = sign(claims(exp=int((NOW - timedelta(seconds=31)).timestamp())))
    error = rejected(verifier, token)
    assert error.expired is True
    assert "expired" in str(error)


def test_token_expires_by_the_injected_clock(verifier):
    token = sign(claims("id"))
    assert verifier.verify(token, NOW).username == "budi"
    assert rejected(verifier, token, NOW + timedelta(hours=2)).expired is True


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_token_from_the_future_is_rejected(verifier, claim):
    payload = claims(**{claim: int((NOW + timedelta(seconds=31)).timestamp())})
    error = rejected(verifier, sign(payload))
    assert claim in str(error)
    assert error.expired is False


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "token_use"])
def test_missing_required_claim_is_rejected(verifier, claim):
    payload = claims()
    del payload[claim]
    assert claim in str(rejected(verifier, sign(payload)))


def test_non_numeric_exp_is_rejected(verifier):
    assert "exp" in str(rejected(verifier, sign(claims(exp="tomorrow"))))


# --- issuer, client, token_use --------------------------------------------------------


def test_wrong_issuer_is_rejected(verifier):
    other_pool = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_Other999"
    error = rejected(verifier, sign(claims(iss=other_pool)))
    assert "issuer" in str(error)
    assert error.expired is False


def test_id_token_for_another_client_is_rejected(verifier):
    assert "client" in str(rejected(verifier, sign(claims("id", aud="another-client"))))


def test_access_token_for_another_client_is_rejected(verifier):
    payload = claims("access", client_id="another-client")
    assert "client" in str(rejected(verifier, sign(payload)))


def test_access_token_is_not_accepted_on_aud_alone(verifier):
    payload = claims("access", aud=CLIENT)
    del payload["client_id"]
    assert "client" in str(rejected(verifier, sign(payload)))


def test_refresh_token_use_is_rejected(verifier):
    assert "token_use" in str(rejected(verifier, sign(claims("id", token_use="refresh"))))


def test_missing_username_is_rejected(verifier):
    payload = claims("id")
    del payload["cognito:username"]
    assert "user name" in str(rejected(verifier, sign(payload)))


@pytest.mark.parametrize("groups", ["admin", [1, 2], ["site-bad site"]])
def test_malformed_groups_are_rejected(verifier, groups):
    payload = claims("id") | {"cognito:groups": groups}
    assert "group" in str(rejected(verifier, sign(payload)))


# --- signature and algorithm ------------------------------------------------------------


def test_token_signed_by_another_key_with_a_known_kid_is_forged(verifier):
    error = rejected(verifier, sign(claims("id", ["admin"]), key=KEY_B, kid="a"))
    assert "signature" in str(error)


def test_tampered_payload_is_rejected(verifier):
    header, _, signature = sign(claims("id", ["site-HO"])).split(".")
    forged = b64(claims("id", ["admin"]))
    assert "signature" in str(rejected(verifier, f"{header}.{forged}.{signature}"))


def test_alg_none_is_rejected(verifier):
    token = f"{b64({'alg': 'none', 'kid': 'a', 'typ': 'JWT'})}.{b64(claims('id', ['admin']))}."
    assert "RS256" in str(rejected(verifier, token))


def test_hs256_signed_with_the_public_key_is_rejected(verifier):
    pem = KEY_A.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64({"alg": "HS256", "kid": "a", "typ": "JWT"})
    body = b64(claims("id", ["admin"]))
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        f"{header}.{body}".encode(), pem
    )
    mac = base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert "RS256" in str(rejected(verifier, f"{header}.{body}.{mac}"))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000, "..."])
def test_garbage_is_rejected(verifier, token):
    assert "invalid token" in str(rejected(verifier, token))


def test_missing_kid_is_rejected(verifier):
    token = jwt.encode(claims("id"), KEY_A, algorithm="RS256")
    assert "key id" in str(rejected(verifier, token))


def test_errors_do_not_leak_key_material(verifier):
    messages = [
        str(rejected(verifier, sign(claims("id"), key=KEY_B, kid="a"))),
        str(rejected(verifier, sign(claims("id"), key=KEY_B, kid="zzz"))),
    ]
    modulus = jwk(KEY_A, "a")["n"]
    assert all(modulus[:16] not in m and "BEGIN" not in m for m in messages)


# --- key rotation ------------------------------------------------------------------------


def test_unknown_kid_refreshes_once_and_follows_rotation(verifier, source):
    source.publish(jwks((KEY_A, "a"), (KEY_B, "b")))
    principal = verifier.verify(sign(claims("id", ["admin"]), key=KEY_B, kid="b"), NOW)
    assert principal.role is Role.ADMIN
    assert source.refreshes == 1
    verifier.verify(sign(claims("id"), key=KEY_B, kid="b"), NOW)  # now cached
    assert source.refreshes == 1


def test_unknown_kid_refresh_is_rate_limited(verifier, source):
    stranger = sign(claims("id"), key=KEY_B, kid="nope")
    assert "unknown signing key" in str(rejected(verifier, stranger))
    assert source.refreshes == 1
    rejected(verifier, stranger, NOW + timedelta(seconds=59))
    rejected(verifier, sign(claims("id"), key=KEY_B, kid="other"), NOW + timedelta(seconds=30))
    assert source.refreshes == 1
    rejected(verifier, stranger, NOW + timedelta(seconds=60))
    assert source.refreshes == 2


def test_rotation_within_the_refresh_window_waits_for_the_next_one(verifier, source):
    rejected(verifier, sign(claims("id"), key=KEY_B, kid="junk"))
    source.publish(jwks((KEY_B, "b")))
    later = NOW + timedelta(seconds=10)
    assert "unknown signing key" in str(rejected(verifier, sign(claims("id"), KEY_B, "b"), later))
    then = NOW + timedelta(seconds=61)
    assert verifier.verify(sign(claims("id"), KEY_B, "b"), then).username == "budi"
    assert source.refreshes == 2


def test_retired_key_is_no_longer_accepted(verifier, source):
    source.publish(jwks((KEY_B, "b")))
    verifier.verify(sign(claims("id"), KEY_B, "b"), NOW)
    assert "unknown signing key" in str(rejected(verifier, sign(claims("id"), KEY_A, "a")))


def test_known_kid_does_not_refresh(verifier, source):
    verifier.verify(sign(claims("id")), NOW)
    rejected(verifier, sign(claims("id"), key=KEY_B, kid="a"))
    assert source.refreshes == 0


def test_naive_now_is_a_programming_error(verifier):
    with pytest.raises(ValueError, match="timezone"):
        verifier.verify(sign(claims("id")), NOW.replace(tzinfo=None))


# --- HttpJwks against a real local server ------------------------------------------------


class JwksServer:
    """Serves ``document`` at /jwks.json on 127.0.0.1 and counts the requests."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document: Any = document
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                if self.path != "/jwks.json":
                    self.send_error(404)
                    return
                body = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[JwksServer]:
    with JwksServer(jwks((KEY_A, "a"))) as running:
        yield running


def test_http_jwks_fetches_once_and_caches(server):
    source = HttpJwks(server.url, timeout=2)
    assert server.requests == 0  # nothing is fetched in __init__
    assert set(source.keys()) == {"a"}
    assert set(source.keys()) == {"a"}
    assert server.requests == 1


def test_verifier_over_http_follows_rotation(server):
    verifier = cognito_verifier(REGION, POOL, CLIENT, jwks_url=server.url, timeout=2)
    assert verifier.verify(sign(claims("id", ["site-HO"])), NOW).sites == frozenset({"HO"})
    server.document = jwks((KEY_A, "a"), (KEY_B, "b"))
    assert verifier.verify(sign(claims("id"), KEY_B, "b"), NOW).username == "budi"
    assert server.requests == 2
    rejected(verifier, sign(claims("id"), KEY_B, "ghost"), NOW + timedelta(seconds=5))
    assert server.requests == 2


def test_http_jwks_not_found_is_a_token_error(server):
    source = HttpJwks(server.url.replace("jwks.json", "missing.json"), timeout=2)
    with pytest.raises(AuthUnavailable, match="signing keys unavailable"):
        source.keys()


@pytest.mark.parametrize("document", [["not", "a", "jwks"], {"keys": [{"kty": "RSA"}]}])
def test_http_jwks_malformed_document_is_a_token_error(server, document):
    server.document = document
    with pytest.raises(AuthUnavailable, match="malformed"):
        HttpJwks(server.url, timeout=2).keys()


def test_http_jwks_server_down_is_unavailable():
    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = HttpJwks(f"http://127.0.0.1:{port}/jwks.json", timeout=2)
    with pytest.raises(AuthUnavailable, match="signing keys unavailable"):
        source.keys()
    verifier = CognitoVerifier(REGION, POOL, CLIENT, source)
    with pytest.raises(AuthUnavailable, match="signing keys unavailable"):
        verifier.verify(sign(claims("id")), NOW)


def test_failed_refresh_keeps_the_cached_keys(server):
    source = HttpJwks(server.url, timeout=2)
    assert set(source.keys()) == {"a"}
    server.document = "not json at all {"
    with pytest.raises(AuthUnavailable):
        source.refresh()
    assert set(source.keys()) == {"a"}


def test_http_jwks_refuses_non_http_urls():
    with pytest.raises(ValueError, match="http"):
        HttpJwks("file:///etc/passwd")
