"""/api/push: the VAPID key, and each user's own browser subscriptions (an endpoint
that is not a push service is refused, so nobody makes the server POST inside)."""

from __future__ import annotations

import hashlib

import pytest

from footage.adapters.sqlite_push import SqlitePushSubscriptions
from footage.notify.webpush import application_server_key
from functions.api.deps import PushAccess
from tests.support.push_service import BrowserKeys, b64url
from tests.unit.functions.api_support import Api, login, running_api

SECRET = bytes(range(32, 64))
FCM = "https://fcm.googleapis.com/fcm/send/"


@pytest.fixture
def api(tmp_path):
    with running_api(tmp_path) as running:
        yield running


def _subscription(endpoint: str) -> dict[str, object]:
    keys = BrowserKeys()
    return {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": b64url(keys.auth)},
            "expirationTime": None}  # fmt: skip


def test_not_set_up_is_503(api: Api) -> None:
    answer = api.client.get("/api/push/key", headers=login(api.client, "budi"))
    assert answer.status_code == 503 and "web push" in answer.json()["detail"]


def test_each_user_keeps_their_own_subscriptions(api: Api, tmp_path) -> None:
    store = SqlitePushSubscriptions(tmp_path / "users.sqlite3")
    store.initialize()
    assert api.context is not None
    api.context.push = PushAccess(store, application_server_key(SECRET))
    budi, admin = login(api.client, "budi"), login(api.client, "admin")
    assert api.client.get("/api/push/key", headers=budi).json() == {
        "public_key": application_server_key(SECRET)}  # fmt: skip

    posted = api.client.post("/api/push/subscriptions", json=_subscription(FCM + "phone"),
                             headers=budi)  # fmt: skip
    assert posted.status_code == 201, posted.text
    assert [s.endpoint for s in store.of_user("budi")] == [FCM + "phone"]
    mine = api.client.get("/api/push/subscriptions", headers=budi).json()["subscriptions"]
    assert [s["endpoint"] for s in mine] == [FCM + "phone"]
    assert api.client.get("/api/push/subscriptions", headers=admin).json() == {"subscriptions": []}

    for endpoint in ("https://127.0.0.1:9000/internal", "http://fcm.googleapis.com/x"):
        refused = api.client.post("/api/push/subscriptions", json=_subscription(endpoint),
                                  headers=budi)  # fmt: skip
        assert refused.status_code == 422, refused.text
    assert len(store.of_user("budi")) == 1

    handle = mine[0]["id"]
    assert handle == hashlib.sha256((FCM + "phone").encode()).hexdigest()[:32]
    gone = api.client.delete(f"/api/push/subscriptions/{handle}", headers=admin)
    assert gone.status_code == 404  # not the admin's
    removed = api.client.delete(f"/api/push/subscriptions/{handle}", headers=budi)
    assert removed.status_code == 200 and store.of_user("budi") == []
    assert api.client.get("/api/push/key").status_code == 401
