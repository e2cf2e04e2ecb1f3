"""Lifting an evidence hold so that footage of a robbery can expire or be deleted.

Attackers:

* ``budi``, a branch user (viewer of CABANG-01), and ``vera``, a viewer of HO,
  each with a valid token: they try to place (to tie up storage) and release holds
  through the API. Both must get 403, change nothing and be audited as refused.
* a stolen edge box: its IAM user may only PutObject under its own prefixes. The
  legal hold itself is the protection, so the edge policy must not grant
  ``s3:PutObjectLegalHold`` (nor a wildcard covering it, nor object-lock bypass or
  deletes) to lift it with.
* someone at the box's shell without an admin account: ``vms evidence release``
  needs an admin's name and password; a wrong password or a viewer account is
  refused (exit 3), audited, and the hold stays.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_uploader.shell.cli import app as vms
from footage.adapters.filesystem import FilesystemStorage
from footage.adapters.sqlite_audit import SqliteAuditLog
from footage.adapters.sqlite_catalog import SqliteCatalog
from footage.adapters.sqlite_users import SqliteUserStore
from footage.audit import AuditAction
from footage.auth import Role
from footage.keys import build_segment_key
from footage.models import Segment
from footage.services.accounts import add_user
from tests.infra.template_helpers import as_list, resources, statements
from tests.unit.functions.api_support import NOW, PASSWORDS, Api, login, running_api

HOLD = {"camera": "ho-lobby", "start": (NOW - timedelta(minutes=10)).isoformat(),
        "end": (NOW - timedelta(minutes=8)).isoformat(), "reason": "LP/9/2026"}  # fmt: skip
RANGE = ["--start", "2026-01-05T02:00Z", "--end", "2026-01-05T02:01Z"]
#: Actions that would lift or bypass a hold, or delete a held version.
LIFTING = ("s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:BypassGovernanceRetention",
           "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketObjectLockConfiguration",
           "s3:PutLifecycleConfiguration")  # fmt: skip


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(tmp_path) as running:
        users = running.client.app.state.context.users
        add_user(users, ["HO", "CABANG-01"], "vera", Role.VIEWER, ["HO"], "vera-password-1", NOW)
        PASSWORDS["vera"] = "vera-password-1"
        yield running


@pytest.mark.parametrize("attacker", ["budi", "vera"])
def test_a_viewer_can_neither_place_nor_release_a_hold(api: Api, attacker: str) -> None:
    placed = api.client.post("/api/evidence/holds", json=HOLD, headers=login(api.client, "admin"))
    hold = placed.json()["id"]
    mine = login(api.client, attacker)
    other = {**HOLD, "end": (NOW - timedelta(minutes=5)).isoformat()}
    assert api.client.post("/api/evidence/holds", json=other, headers=mine).status_code == 403
    assert api.client.delete(f"/api/evidence/holds/{hold}", headers=mine).status_code == 403
    assert api.client.delete("/api/evidence/holds/garbage", headers=mine).status_code == 403
    assert api.client.get("/api/evidence/holds", headers=mine).status_code == 403
    [kept] = api.catalog.list_protections()
    assert kept.start == NOW - timedelta(minutes=10)  # the admin's, still there
    held = [r for r in api.catalog.query_camera("ho-lobby", kept.start, kept.end) if r.protected]
    assert len(held) == 2 and all(api.storage.is_held(r.key) for r in held)
    events = api.audit.query(NOW - timedelta(hours=1), NOW + timedelta(hours=1), 10)
    refused = [(e.username, e.action) for e in reversed(events) if e.username == attacker]
    assert refused == [(attacker, AuditAction.HOLD_REFUSED),
                       (attacker, AuditAction.RELEASE_REFUSED),
                       (attacker, AuditAction.RELEASE_REFUSED)]  # fmt: skip


def test_a_stolen_edge_key_grants_nothing_that_lifts_a_legal_hold() -> None:
    """The edge's IAM policy as the CDK app builds it (moto evaluates no IAM, and the
    policy gate only bucket-policy denies: the grant itself must not be there)."""
    sys.path.append(str(Path(__file__).resolve().parents[2] / "infra" / "cdk"))
    from aws_cdk import App, Stack
    from aws_cdk import aws_s3 as s3
    from aws_cdk.assertions import Template
    from cctv_infra.edge_access import EdgeAccess

    stack = Stack(App(), "edge")
    bucket = s3.Bucket(stack, "Footage", object_lock_enabled=True)
    EdgeAccess(stack, "Edge", bucket=bucket, site_classes={"CABANG-01": [30, 180]},
               name_prefix="cctv-vms")  # fmt: skip
    [policy] = resources(Template.from_stack(stack), "AWS::IAM::Policy").values()
    granted = [
        a for s in statements(policy) if s["Effect"] == "Allow" for a in as_list(s["Action"])
    ]
    assert "s3:PutObject" in granted  # the test reads the real policy
    for action in LIFTING:
        assert not any(fnmatch.fnmatchcase(action, pattern) for pattern in granted), action


@pytest.fixture
def box(tmp_path: Path) -> tuple[list[str], Path]:
    """An on-prem box: config, NAS folder, index, users (an admin and a viewer)."""
    config = {"sites": [{"id": "HO", "name": "HO"}],
              "cameras": [{"id": "ho-lobby", "site": "HO", "name": "Lobby",
                           "rtsp_url": "rtsp://127.0.0.1/x", "retention_days": 30}]}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    data = tmp_path / "var"
    storage, catalog = (
        FilesystemStorage(data / "storage", b"k" * 32),
        SqliteCatalog(data / "index.sqlite3"),
    )
    catalog.initialize()
    start = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    key = build_segment_key("HO", "ho-lobby", start, retention_days=30)
    storage.put_bytes(key, b"robbery")
    catalog.put_segment(
        Segment("ho-lobby", "HO", start, start + timedelta(minutes=1), 7, "0" * 64, key)
    )
    users = SqliteUserStore(data / "users.sqlite3")
    users.initialize()
    add_user(users, ["HO"], "boss", Role.ADMIN, [], "boss-password-1", NOW)
    add_user(users, ["HO"], "vera", Role.VIEWER, ["HO"], "vera-password-1", NOW)
    common = ["--config", str(tmp_path / "config.yaml"), "--data-dir", str(data)]
    held = CliRunner().invoke(vms, ["evidence", "protect", "ho-lobby", *RANGE, "--reason", "LP/9",
                                    *common])  # fmt: skip
    assert held.exit_code == 0, held.output
    return common, data


@pytest.mark.parametrize(
    ("admin", "password"), [("boss", "guess-1234"), ("vera", "vera-password-1"), ("nobody", "x")]
)
def test_release_at_the_shell_without_an_admin_fails_and_is_audited(
    box: tuple[list[str], Path], admin: str, password: str
) -> None:
    common, data = box
    release = ["evidence", "release", "ho-lobby", *RANGE, "--admin", admin, *common]
    refused = CliRunner().invoke(vms, release, input=f"{password}\n")
    assert refused.exit_code == 3 and "refused" in refused.output
    catalog = SqliteCatalog(data / "index.sqlite3")
    assert len(catalog.list_protections()) == 1
    [row] = catalog.query_camera(
        "ho-lobby", datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 6, tzinfo=UTC)
    )
    assert row.protected and FilesystemStorage(data / "storage", b"k" * 32).is_held(row.key)
    audit = SqliteAuditLog(data / "audit.sqlite3")
    events = audit.query(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), 10)
    latest = events[0]
    assert (latest.action, latest.username, latest.client) == (
        AuditAction.RELEASE_REFUSED, admin, "cli")  # fmt: skip
    assert events[1].action is AuditAction.HOLD and "LP/9" in events[1].detail


def test_release_at_the_shell_by_an_admin_works_and_is_audited(box: tuple[list[str], Path]) -> None:
    common, data = box
    release = ["evidence", "release", "ho-lobby", *RANGE, "--admin", "boss", *common]
    done = CliRunner().invoke(vms, release, input="boss-password-1\n")
    assert done.exit_code == 0, done.output
    assert SqliteCatalog(data / "index.sqlite3").list_protections() == []
    audit = SqliteAuditLog(data / "audit.sqlite3")
    [latest, *_] = audit.query(
        datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC), 10
    )
    assert (latest.action, latest.username) == (AuditAction.RELEASE, "boss")
    assert latest.detail == "reason: LP/9; segments: 1"
