"""functions.local: the event source mapping stand-in (receive, invoke, delete)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from functions.local import LocalContext, deliver_once, sqs_event

ARN = "arn:aws:sqs:ap-southeast-3:000000000000:ingest"


@dataclass
class FakeQueue:
    messages: list[dict[str, Any]]
    deleted: list[str] = field(default_factory=list)

    def receive(self, max_messages: int, wait_s: int) -> list[dict[str, Any]]:
        batch, self.messages = self.messages[:max_messages], self.messages[max_messages:]
        return batch

    def delete(self, receipt_handles: list[str]) -> None:
        self.deleted += receipt_handles


def _message(n: int) -> dict[str, Any]:
    return {"MessageId": f"m{n}", "ReceiptHandle": f"r{n}", "Body": "{}",
            "Attributes": {"ApproximateReceiveCount": "1"}, "MD5OfBody": "x"}  # fmt: skip


def test_only_messages_the_handler_did_not_fail_are_deleted():
    queue = FakeQueue([_message(n) for n in range(7)])
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(event)
        assert context.get_remaining_time_in_millis() > 0
        return {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}

    delivery = deliver_once(queue, handler, ARN, "ap-southeast-3", batch=5, wait_s=0)  # type: ignore[arg-type]
    assert (delivery.received, delivery.failed) == (5, 2)
    assert queue.deleted == ["r0", "r2", "r4"]
    (event,) = seen
    assert [r["messageId"] for r in event["Records"]] == ["m0", "m1", "m2", "m3", "m4"]
    assert {r["eventSource"] for r in event["Records"]} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in event["Records"]} == {ARN}


def test_an_empty_queue_invokes_nothing():
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise AssertionError("no messages, no invocation")

    delivery = deliver_once(FakeQueue([]), handler, ARN, "ap-southeast-3", 5, 0)  # type: ignore[arg-type]
    assert (delivery.received, delivery.failed) == (0, 0)


def test_event_and_context_have_what_powertools_reads():
    event = sqs_event([_message(1)], ARN, "ap-southeast-3")
    (record,) = event["Records"]
    assert record["receiptHandle"] == "r1" and record["awsRegion"] == "ap-southeast-3"
    context = LocalContext("ingest", timeout_s=1.0)
    assert context.invoked_function_arn.endswith(":function:ingest")
    assert 0 < context.get_remaining_time_in_millis() <= 1000


def test_the_local_sweep_runs_what_each_invocation_hands_on() -> None:
    from functions.local import run_sweep

    events: list[dict[str, Any]] = []
    answers = iter([{"handed_on": ["cam2", "cam3"]}, {"handed_on": ["cam3"]}, {"handed_on": []}])

    def sweep(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return next(answers)

    run_sweep(sweep)

    assert events[0]["source"] == "aws.events"
    assert events[1:] == [{"cameras": ["cam2", "cam3"]}, {"cameras": ["cam3"]}]


def test_the_local_drill_is_a_scheduled_event_and_a_failure_to_record_is_not_fatal() -> None:
    from footage.errors import CatalogError
    from functions.local import run_drill

    events: list[dict[str, Any]] = []

    def drill(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        assert context.get_remaining_time_in_millis() > 800_000  # the Lambda's 900 s
        raise CatalogError("the table is unreachable")

    run_drill(drill)  # logged, the runner goes on

    assert events == [{"source": "aws.events", "detail-type": "Scheduled Event"}]
