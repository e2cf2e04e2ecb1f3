"""``vms verify --audit``: check the audit trail's hash chain (footage.audit_chain).

Reads the chain through the AuditLog port (SQLite on-prem, DynamoDB in the cloud),
from the start or from the last event before ``since``, and says in Indonesian or
English which event broke: its seq, time and action. ``ok`` only when nothing did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from footage.audit import AuditLog
from footage.audit_chain import AuditFinding, ChainedEvent, describe_finding, verify_chain, words


@dataclass
class AuditReport:
    findings: list[AuditFinding] = field(default_factory=list)
    checked: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    chained: bool = True  # False: no chained event yet

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_audit(log: AuditLog, since: datetime | None = None) -> AuditReport:
    """Walk the chain once (lazily: a year of events is never held in memory)."""
    report = AuditReport()

    def counted(events: Iterable[ChainedEvent]) -> Iterator[ChainedEvent]:
        for event in events:
            report.checked += 1
            report.first_seq = event.seq if report.first_seq is None else report.first_seq
            report.last_seq = event.seq
            yield event

    with log.chain_view(since) as view:
        report.chained = view.genesis is not None
        report.findings = verify_chain(replace(view, events=counted(view.events)))
    return report


def audit_lines(report: AuditReport, lang: str) -> list[str]:
    """What ``vms verify --audit`` prints: each broken event, then the verdict."""
    text = words(lang)
    lines = [describe_finding(f, lang) for f in report.findings]
    if report.findings:
        lines.append(text["broken"].format(n=len(report.findings)))
    elif not report.checked:
        lines.append(text["none"])
    else:
        lines.append(text["ok"].format(n=report.checked, first=report.first_seq,
                                       last=report.last_seq))  # fmt: skip
    return lines
