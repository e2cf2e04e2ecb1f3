"""Pure alert decisions: one message per incident, grouping, quiet hours, language, clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from footage.alerts.config import QuietHours, Recipient
from footage.alerts.decide import (
    Condition,
    backoff,
    decide,
    group_site_down,
    quiet_until,
    schedule,
)
from footage.alerts.messages import render
from footage.alerts.models import Event, Rule
from footage.notify.base import Language, Severity

T0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10:00 WIB
FIVE = timedelta(minutes=5)


def offline(camera: str, since: datetime = T0, site: str = "HO") -> Condition:
    return Condition(Rule.CAMERA_OFFLINE, site, since, FIVE, camera=camera)


def test_one_open_per_incident_then_one_clear() -> None:
    cond = offline("cam-1")
    assert decide([], [cond], T0 + timedelta(minutes=4)).opens == []  # under threshold
    first = decide([], [cond], T0 + FIVE)
    assert [c.key for c in first.opens] == ["camera_offline/HO/cam-1"]
    # every later check while it lasts: nothing new
    for minutes in (6, 30, 600):
        again = decide([cond.key], [cond], T0 + timedelta(minutes=minutes))
        assert again.opens == [] and again.clears == []
    back = decide([cond.key], [], T0 + timedelta(minutes=31))
    assert back.opens == [] and back.clears == [cond.key]


def test_a_flap_under_threshold_keeps_the_open_alert_open() -> None:
    cond = offline("cam-1", since=T0 + timedelta(minutes=20))  # down again, only just
    assert decide([cond.key], [cond], T0 + timedelta(minutes=21)).clears == []


def test_site_down_is_one_message_not_one_per_camera() -> None:
    conds = [offline("cam-1"), offline("cam-2", T0 + timedelta(minutes=1))]
    grouped = group_site_down(conds, {"HO": {"cam-1", "cam-2"}})
    out = decide([], grouped, T0 + timedelta(minutes=10))
    assert [c.rule for c in out.opens] == [Rule.SITE_DOWN]
    assert out.opens[0].severity is Severity.CRITICAL
    assert out.opens[0].since == T0 + timedelta(minutes=1)
    # one camera of two down: that camera only
    partial = group_site_down([offline("cam-1")], {"HO": {"cam-1", "cam-2"}})
    assert [c.key for c in decide([], partial, T0 + FIVE).opens] == ["camera_offline/HO/cam-1"]
    # a camera already alerted stays open (not cleared) while grouped under the site
    assert decide(["camera_offline/HO/cam-1"], grouped, T0 + timedelta(minutes=10)).clears == []


def person(**kw: object) -> Recipient:
    base: dict[str, object] = {"name": "ani", "channel": "tg", "address": "42"}
    return Recipient.model_validate(base | kw)


def test_quiet_hours_hold_warnings_but_not_critical() -> None:
    ani = person(quiet_hours=QuietHours(start=time(22, 0), end=time(6, 0)))
    night = datetime(2026, 12, 6, 16, 30, tzinfo=UTC)  # 23:30 WIB
    held = quiet_until(ani, Severity.WARNING, night)
    assert held == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # 06:00 WIB next day
    assert quiet_until(ani, Severity.CRITICAL, night) == night
    day = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # 12:00 WIB
    assert quiet_until(ani, Severity.WARNING, day) == day
    # in the recipient's own zone: 23:30 WIB is 01:30 WIT, still quiet there, until 06:00 WIT
    papua = person(
        timezone="Asia/Jayapura", quiet_hours=QuietHours(start=time(0, 0), end=time(6, 0))
    )
    assert quiet_until(papua, Severity.INFO, night) == datetime(2026, 12, 6, 21, 0, tzinfo=UTC)


def test_schedule_by_site_and_severity() -> None:
    everyone = person(name="a")
    branch = person(name="b", sites=["CABANG-01"])
    picky = person(name="c", min_severity=Severity.CRITICAL)
    no_digest = person(name="d", digest=False)
    people = [everyone, branch, picky, no_digest]

    def names(rule: Rule, site: str, sev: Severity) -> list[str]:
        return [r.name for r, _ in schedule(people, rule, site, sev, Event.OPEN, T0)]

    assert names(Rule.CAMERA_OFFLINE, "HO", Severity.WARNING) == ["a", "d"]
    assert names(Rule.SITE_DOWN, "CABANG-01", Severity.CRITICAL) == ["a", "b", "c", "d"]
    assert names(Rule.DIGEST, "HO", Severity.INFO) == ["a", "c"]
    assert names(Rule.TEST, "HO", Severity.INFO) == ["a", "b", "c", "d"]


def test_language_and_site_local_time() -> None:
    facts = {"camera": "Kasir 1"}
    since = datetime(2026, 12, 6, 1, 2, 3, tzinfo=UTC)
    subject, text = render(
        Rule.CAMERA_OFFLINE,
        Event.OPEN,
        Language.ID,
        facts,
        site="Makassar",
        timezone="Asia/Makassar",
        at=T0,
        since=since,
    )
    assert text == "Kamera Kasir 1 di Makassar mati sejak 2026-12-06 09:02:03 WITA."
    assert (
        subject == "[CCTV] Makassar: Kamera Kasir 1 di Makassar mati sejak 2026-12-06 09:02:03 WITA"
    )
    _, en = render(
        Rule.CAMERA_OFFLINE,
        Event.CLEAR,
        Language.EN,
        facts,
        site="Jayapura",
        timezone="Asia/Jayapura",
        at=T0,
    )
    assert en == "Camera Kasir 1 at Jayapura is recording again (2026-12-06 12:00:00 WIT)."
    _, tamper = render(
        Rule.TAMPERING,
        Event.OPEN,
        Language.ID,
        {"camera": "c", "what": "black"},
        site="HO",
        timezone="Asia/Jakarta",
        at=T0,
        since=T0,
    )
    assert "gambar hitam" in tamper and "10:00:00 WIB" in tamper


def test_every_rule_and_event_has_both_languages() -> None:
    pairs = [
        (Rule.CAMERA_OFFLINE, Event.OPEN),
        (Rule.SITE_SILENT, Event.CLEAR),
        (Rule.SPOOL_FULL, Event.OPEN),
        (Rule.UPLOAD_BACKLOG, Event.OPEN),
        (Rule.FOOTAGE_DROPPED, Event.NOTE),
        (Rule.RECORDING_GAP, Event.OPEN),
        (Rule.QUARANTINE, Event.NOTE),
        (Rule.DRILL_FAILED, Event.NOTE),
        (Rule.FAILED_LOGINS, Event.OPEN),
        (Rule.FAILED_LOGINS, Event.CLEAR),
        (Rule.DIGEST, Event.NOTE),
        (Rule.TEST, Event.NOTE),
    ]
    for rule, event in pairs:
        texts = {
            render(rule, event, lang, {}, site="HO", timezone="Asia/Jakarta", at=T0)[1]
            for lang in Language
        }
        assert len(texts) == 2, (rule, event)


def test_backoff_doubles_to_its_cap() -> None:
    waits = [backoff(n, 30, 3600).total_seconds() for n in (1, 2, 3, 8, 200)]
    assert waits == [30, 60, 120, 3600, 3600]
