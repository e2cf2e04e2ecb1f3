"""A bucket-policy gate in front of a moto server, for tests of what a policy refuses.

moto evaluates neither bucket policies nor IAM conditions (its access control only
knows sts:ExternalId), so an attack test against plain moto would pass whatever the
bucket policy says. The gate is a small HTTP proxy: it evaluates the *Deny*
statements of one bucket policy for each S3 object write (PutObject, CopyObject,
the multipart calls, DeleteObject, tagging/ACL/retention/legal hold) and answers
403 AccessDenied as S3 does, or forwards the request to moto untouched.

    policy = shipped_footage_policy("footage")           # the policy cdk synth ships
    with moto_behind_policy(policy, tmp_path) as endpoint_url:
        s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name="us-east-1")
        s3.create_bucket(Bucket="footage")
        s3.put_object(Bucket="footage", Key="segments/...", Body=b"x")  # 403 AccessDenied

What it models, and what it does not:
- Deny statements only (moto already allows everything an Allow could grant);
  principals must be ``*`` (the gate cannot tell callers apart), anything else raises.
- Condition operators: Null, Bool, String(Not)Equals(IgnoreCase), String(Not)Like,
  Arn(Not)Equals/Like, each with ...IfExists; an unknown operator raises, so a
  condition is never silently ignored. Keys are matched case-insensitively.
- Request context: s3:if-none-match, s3:if-match, s3:ObjectCreationOperation (true for
  PutObject, CopyObject and CompleteMultipartUpload; false for CreateMultipartUpload,
  UploadPart, UploadPartCopy), s3:x-amz-copy-source, aws:SecureTransport (``true``:
  the gate stands in for S3's HTTPS endpoint; pass ``secure_transport=False`` to test
  the TLS deny).
- Path-style requests (``http://host/bucket/key``, what endpoint_url clients send).
  Reads, listings and bucket calls (DeleteObjects too) pass unchecked.
The evaluation itself is pure and lives in tests/support/bucket_policy.py.
Every decision on an object write is appended to ``<log_dir>/policy-gate.log`` as a
JSON line (``read_decisions``); moto's own log is ``<log_dir>/moto.log``.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.bucket_policy import (
    ACCOUNT,
    PolicyGate,
    S3Request,
    UnsupportedPolicy,
    classify,
    footage_bucket_policy,
    shipped_footage_policy,
)
from tests.support.servers import LOOPBACK, moto_server

__all__ = [
    "GATE_LOG",
    "PolicyGate",
    "UnsupportedPolicy",
    "footage_bucket_policy",
    "moto_behind_policy",
    "read_decisions",
    "shipped_footage_policy",
]
GATE_LOG = "policy-gate.log"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "expect", "te", "upgrade"}


# -- the proxy --------------------------------------------------------------


class _GateApp:
    """WSGI: refuse what the policy denies, forward everything else to moto."""

    def __init__(self, gate: PolicyGate, upstream: str, log: Path, secure: bool) -> None:
        self.gate, self.log, self.secure = gate, log, secure
        self.upstream = urlsplit(upstream)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raw_uri = environ.get("RAW_URI") or environ["PATH_INFO"]
        path, _, query = raw_uri.partition("?")
        headers = _request_headers(environ)
        request = classify(environ["REQUEST_METHOD"], path, parse_qs(query, keep_blank_values=True),
                           headers, self.secure)  # fmt: skip
        if request is not None:
            sid = self.gate.denied_by(request)
            self._record(request, sid)
            if sid is not None:
                return _access_denied(start_response, request)
        return self._forward(environ["REQUEST_METHOD"], raw_uri, headers, _body(environ),
                             start_response)  # fmt: skip

    def _forward(self, method: str, uri: str, headers: dict[str, str], body: bytes,
                 start_response: Callable[..., Any]) -> list[bytes]:  # fmt: skip
        host, port = self.upstream.hostname or LOOPBACK, self.upstream.port or 80
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            sized = {**headers, "Content-Length": str(len(body))}
            connection.request(method, uri, body=body, headers=sized)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", kept)
        return [data]

    def _record(self, request: S3Request, sid: str | None) -> None:
        line = {"decision": "deny" if sid else "allow", "operation": request.operation,
                "action": request.action, "bucket": request.bucket, "key": request.key,
                "statement": sid, "context": dict(request.context)}  # fmt: skip
        with self._lock, self.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def _request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").title(): str(v) for k, v in environ.items()
               if k.startswith("HTTP_")}  # fmt: skip
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}


def _body(environ: Mapping[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: werkzeug de-chunks it
        return bytes(stream.read())
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(stream.read(length)) if length else b""


def _access_denied(start_response: Callable[..., Any], request: S3Request) -> list[bytes]:
    message = (f"User: arn:aws:iam::{ACCOUNT}:user/moto is not authorized to perform: "
               f"{request.action} on resource: \"{request.resource}\" with an explicit deny "
               "in a resource-based policy")  # fmt: skip
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        f"<Message>{_xml_escape(message)}</Message><RequestId>policy-gate</RequestId>"
        "<HostId>policy-gate</HostId></Error>"
    ).encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                     ("Content-Length", str(len(body)))])  # fmt: skip
    return [body]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def moto_behind_policy(
    policy: Mapping[str, Any] | str, log_dir: Path, *, secure_transport: bool = True
) -> Iterator[str]:
    """A moto server behind the gate; yields the gate's endpoint URL (path-style S3,
    and every other service moto serves, forwarded as is)."""
    gate = PolicyGate(json.loads(policy) if isinstance(policy, str) else policy)
    with moto_server(log_dir) as upstream:
        app = _GateApp(gate, upstream, log_dir / GATE_LOG, secure_transport)
        server = make_server(LOOPBACK, 0, app, threaded=True, request_handler=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, name="policy-gate", daemon=True)
        thread.start()
        try:
            yield f"http://{LOOPBACK}:{server.port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


def read_decisions(log_dir: Path) -> list[dict[str, Any]]:
    """The gate's decisions so far, oldest first."""
    log = log_dir / GATE_LOG
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
