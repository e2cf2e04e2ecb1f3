"""Bucket-policy Deny statements evaluated for S3 object writes, without AWS.

The pure half of tests/support/policy_gate.py (which puts it in front of a moto
server): :func:`classify` turns a path-style HTTP request into the IAM action,
object ARN and condition keys S3 would evaluate; :class:`PolicyGate` says which
Deny statement, if any, refuses it; :func:`footage_bucket_policy` and
:func:`shipped_footage_policy` give the footage bucket's policy from the
synthesized data stack, so tests check the policy we ship, not a copy.
See policy_gate.py for what is modelled and what is not.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

ACCOUNT = "123456789012"


class UnsupportedPolicy(ValueError):
    """The policy uses something the gate cannot evaluate faithfully."""


# -- requests ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class S3Request:
    """One object write as IAM sees it: the action, the object and the context keys."""

    operation: str  # the API call, e.g. "CompleteMultipartUpload"
    action: str  # the IAM action it needs, e.g. "s3:PutObject"
    bucket: str
    key: str
    context: Mapping[str, str]  # condition keys (lower case) present in the request

    @property
    def resource(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"


#: PUT on an object's sub-resource -> (operation, IAM action)
_QUERY_ACTIONS = {
    "tagging": ("PutObjectTagging", "s3:PutObjectTagging"),
    "acl": ("PutObjectAcl", "s3:PutObjectAcl"),
    "retention": ("PutObjectRetention", "s3:PutObjectRetention"),
    "legal-hold": ("PutObjectLegalHold", "s3:PutObjectLegalHold"),
}


def classify(
    method: str,
    raw_path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    secure_transport: bool = True,
) -> S3Request | None:
    """The object write a path-style request makes, or None (reads, bucket calls)."""
    bucket, _, key = unquote(raw_path).lstrip("/").partition("/")
    if not bucket or not key:
        return None
    found = _operation(method.upper(), query, {k.lower() for k in headers})
    if found is None:
        return None
    operation, action, creates = found
    lower = {k.lower(): v for k, v in headers.items()}
    context = {"aws:securetransport": "true" if secure_transport else "false"}
    for header in ("if-none-match", "if-match", "x-amz-copy-source"):
        if header in lower:
            context[f"s3:{header}"] = lower[header]
    if action == "s3:PutObject":
        context["s3:objectcreationoperation"] = "true" if creates else "false"
    return S3Request(operation, action, bucket, key, context)


def _operation(
    method: str, query: Mapping[str, list[str]], headers: set[str]
) -> tuple[str, str, bool] | None:
    copy = "x-amz-copy-source" in headers
    if method == "PUT":
        for name, (operation, action) in _QUERY_ACTIONS.items():
            if name in query:
                return operation, action, False
        if "partNumber" in query:
            return ("UploadPartCopy" if copy else "UploadPart"), "s3:PutObject", False
        return ("CopyObject" if copy else "PutObject"), "s3:PutObject", True
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload", "s3:PutObject", False
    if method == "POST" and "uploadId" in query:
        return "CompleteMultipartUpload", "s3:PutObject", True
    if method == "DELETE" and "uploadId" in query:
        return "AbortMultipartUpload", "s3:AbortMultipartUpload", False
    if method == "DELETE":
        action = "s3:DeleteObjectVersion" if "versionId" in query else "s3:DeleteObject"
        return "DeleteObject", action, False
    return None


# -- policy evaluation ------------------------------------------------------


def iam_pattern(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM wildcards: ``*`` any run of characters, ``?`` one character; nothing else."""
    body = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _any_glob(patterns: list[str], value: str, ignore_case: bool = False) -> bool:
    return any(iam_pattern(p, ignore_case).match(value) for p in patterns)


Test = Callable[[str | None, list[str]], bool]
_POSITIVE: dict[str, Test] = {
    "StringEquals": lambda v, w: v is not None and v in w,
    "StringEqualsIgnoreCase": lambda v, w: v is not None and v.lower() in [x.lower() for x in w],
    "StringLike": lambda v, w: v is not None and _any_glob(w, v),
    "ArnEquals": lambda v, w: v is not None and v in w,
    "ArnLike": lambda v, w: v is not None and _any_glob(w, v),
    "Bool": lambda v, w: v is not None and v.lower() in [x.lower() for x in w],
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _null(value: str | None, wanted: list[str]) -> bool:
    """``Null: true`` matches an absent key, ``Null: false`` a present one."""
    return any((value is None) == (w.lower() == "true") for w in wanted)


def operator_test(operator: str) -> Test:
    """How one condition operator compares a request value with the policy's values.
    Negated operators match an absent key (IAM's rule); ...IfExists matches it too."""
    base, if_exists = operator, False
    if base.endswith("IfExists") and base != "Null":
        base, if_exists = base.removesuffix("IfExists"), True
    test: Test
    if base == "Null" and not if_exists:
        test = _null
    elif base in _POSITIVE:
        test = _POSITIVE[base]
    elif base in _NEGATED:
        positive = _POSITIVE[_NEGATED[base]]
        test = lambda v, w: not positive(v, w)  # noqa: E731
    else:
        raise UnsupportedPolicy(f"condition operator {operator!r} is not modelled")
    if not if_exists:
        return test
    return lambda v, w: v is None or test(v, w)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True, slots=True)
class DenyStatement:
    sid: str
    actions: list[str]
    not_actions: bool
    resources: list[str]
    not_resources: bool
    conditions: list[tuple[Test, str, list[str]]]  # (test, key in lower case, values)

    @classmethod
    def parse(cls, statement: Mapping[str, Any], index: int) -> DenyStatement:
        _check_principal(statement)
        conditions = [
            (operator_test(operator), key.lower(), [str(v) for v in _as_list(values)])
            for operator, block in statement.get("Condition", {}).items()
            for key, values in block.items()
        ]
        return cls(
            sid=str(statement.get("Sid", f"#{index}")),
            actions=_as_list(statement.get("Action", statement.get("NotAction"))),
            not_actions="NotAction" in statement,
            resources=_as_list(statement.get("Resource", statement.get("NotResource"))),
            not_resources="NotResource" in statement,
            conditions=conditions,
        )

    def applies(self, request: S3Request) -> bool:
        action = _any_glob(self.actions, request.action, ignore_case=True) != self.not_actions
        resource = _any_glob(self.resources, request.resource) != self.not_resources
        return (
            action
            and resource
            and all(test(request.context.get(key), values) for test, key, values in self.conditions)
        )


def _check_principal(statement: Mapping[str, Any]) -> None:
    if "NotPrincipal" in statement:
        raise UnsupportedPolicy("NotPrincipal is not modelled")
    principal = statement.get("Principal", "*")
    values = _as_list(principal.get("AWS") if isinstance(principal, dict) else principal)
    if values != ["*"] or (isinstance(principal, dict) and set(principal) != {"AWS"}):
        raise UnsupportedPolicy(f"only Principal * can be evaluated here, not {principal!r}")


class PolicyGate:
    """The Deny statements of one bucket policy, evaluated per request."""

    def __init__(self, policy: Mapping[str, Any]) -> None:
        statements = _as_list(policy["Statement"])
        self.statements = [
            DenyStatement.parse(s, i) for i, s in enumerate(statements) if s["Effect"] == "Deny"
        ]

    def denied_by(self, request: S3Request) -> str | None:
        """The Sid (or ``#<index>``) of the first Deny that applies, None if none does."""
        return next((s.sid for s in self.statements if s.applies(request)), None)


# -- the policy we ship -----------------------------------------------------


def resolve(value: Any, names: Mapping[str, str], region: str = "us-east-1") -> Any:
    """A template value with its intrinsics replaced: ``Ref`` of a bucket is
    ``names[logical id]``, its ``Fn::GetAtt Arn`` the bucket's ARN."""
    pseudo = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": region,
              "AWS::URLSuffix": "amazonaws.com"}  # fmt: skip
    if isinstance(value, list):
        return [resolve(v, names, region) for v in value]
    if not isinstance(value, dict):
        return value
    if "Ref" in value:
        return pseudo.get(value["Ref"]) or names[value["Ref"]]
    if "Fn::GetAtt" in value:
        logical, attribute = value["Fn::GetAtt"]
        if attribute != "Arn":
            raise UnsupportedPolicy(f"Fn::GetAtt {logical}.{attribute}")
        return f"arn:aws:s3:::{names[logical]}"
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(resolve(p, names, region)) for p in parts)
    if any(k.startswith("Fn::") for k in value):
        raise UnsupportedPolicy(f"intrinsic {sorted(value)} is not resolved here")
    return {k: resolve(v, names, region) for k, v in value.items()}


def footage_bucket_policy(template: Mapping[str, Any], bucket_name: str) -> dict[str, Any]:
    """The footage bucket's policy document (the Object Lock bucket) in a synthesized
    data-stack template, as S3 would hold it for a bucket named ``bucket_name``."""
    resources: Mapping[str, Any] = template["Resources"]
    (bucket_id,) = [
        name for name, r in resources.items()
        if r["Type"] == "AWS::S3::Bucket" and r["Properties"].get("ObjectLockEnabled") is True
    ]  # fmt: skip
    (policy,) = [
        r["Properties"]["PolicyDocument"] for r in resources.values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket_id}
    ]  # fmt: skip
    resolved: dict[str, Any] = resolve(policy, {bucket_id: bucket_name})
    return resolved


def shipped_footage_policy(bucket_name: str, config_path: Path | None = None) -> dict[str, Any]:
    """Synthesize the data stack offline (a few seconds: no Lambda bundle, no Docker)
    and return its footage bucket policy for ``bucket_name``."""
    cdk_dir = Path(__file__).resolve().parents[2] / "infra" / "cdk"
    if str(cdk_dir) not in sys.path:
        sys.path.append(str(cdk_dir))  # as tests/infra/conftest.py does
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
    from aws_cdk import App
    from aws_cdk.assertions import Template
    from cctv_infra.application import FEATURE_FLAGS
    from cctv_infra.data_stack import DataStack
    from cctv_infra.settings import DEFAULT_CONFIG, load_settings

    settings = load_settings(config_path or DEFAULT_CONFIG)
    stack = DataStack(App(context=FEATURE_FLAGS), "data", settings)
    return footage_bucket_policy(Template.from_stack(stack).to_json(), bucket_name)
