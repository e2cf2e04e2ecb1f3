"""verify_checks.check_timestamps without openssl: what is only listed, what is
a note and what fails when a TSA's CA is given (tokens that verify or not are
tested against a local TSA in tests/integration/test_evidence_tsa.py)."""

from __future__ import annotations

from footage.services.verify_checks import Report, Stamped, check_timestamps
from footage.services.verify_text import render

M0 = Stamped("manifests/HO_0.json", b"{}", "manifests/HO_0.tsr", None)
M1 = Stamped("manifests/HO_1.json", b"{}", None, None)


def test_without_a_ca_a_token_is_only_listed() -> None:
    report = Report()
    check_timestamps(report, [M0, M1], None)
    assert report.ok and [(n.code, n.subject) for n in report.notes] == [
        ("timestamp_token", "manifests/HO_0.tsr")]  # fmt: skip


def test_with_a_ca_a_package_without_any_token_fails_and_says_so() -> None:
    report = Report()
    check_timestamps(report, [M1], b"-----BEGIN CERTIFICATE-----")
    assert [(p.code, p.subject) for p in report.problems] == [("timestamp_none", "1")]
    assert [n.code for n in report.notes] == ["timestamp_absent"]
    assert report.counts["timestamps"] == 0
    assert render(report, "en")[0] == (
        "- No RFC 3161 time-stamp in the package (1 manifests), yet --tsa-ca was given"
    )
    assert render(report, "id")[-1].startswith("GAGAL: 1 masalah")
