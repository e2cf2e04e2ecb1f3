"""Small readers over synthesized templates (plain dicts), shared by the infra tests."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def only(template: Template, resource_type: str, props: Any = None) -> dict[str, Any]:
    """The single resource of a type (optionally matching ``props``); fails otherwise."""
    found = template.find_resources(resource_type, props)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return dict(next(iter(found.values())))


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: dict(body) for name, body in template.find_resources(resource_type).items()}


def logical_id(template: Template, resource_type: str, props: Any = None) -> str:
    found = template.find_resources(resource_type, props)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found))


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements of an AWS::IAM::Policy or ManagedPolicy resource body."""
    result: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return result


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def mentions(value: Any, logical: str) -> bool:
    """True when a CloudFormation expression references ``logical`` (Ref/GetAtt/Sub)."""
    if isinstance(value, dict):
        if value.get("Ref") == logical:
            return True
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] == logical:
            return True
        return any(mentions(v, logical) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, logical) for v in value)
    return isinstance(value, str) and logical in value
