"""Who is asking, and what they may see: roles, sites and the access rule.

An ``admin`` sees every site. A ``viewer`` sees only the sites listed on the
account (a branch user: one site). Every API endpoint, playlist, segment URL,
thumbnail, export and live token goes through :meth:`Principal.can_see`.
Locally, principals come from signed tokens (footage.tokens); in AWS from
Cognito groups (``admin``, ``site-<SITE>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from footage.keys import validate_id

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
_USERNAME_RE = re.compile(USERNAME_PATTERN)
SITE_GROUP_PREFIX = "site-"
ADMIN_GROUP = "admin"


class Role(StrEnum):
    ADMIN = "admin"
    VIEWER = "viewer"


@dataclass(frozen=True, slots=True)
class Principal:
    username: str
    role: Role
    sites: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_see(self, site: str) -> bool:
        return self.role is Role.ADMIN or site in self.sites

    def visible(self, sites: Iterable[str]) -> list[str]:
        """The subset of ``sites`` this principal may see, in the given order."""
        return [s for s in sites if self.can_see(s)]


def validate_username(name: str) -> str:
    if not _USERNAME_RE.fullmatch(name):
        raise ValueError(f"user name {name!r}: 2-64 lower-case letters, digits, '.', '_' or '-'")
    return name


def principal_from_groups(username: str, groups: Iterable[str]) -> Principal:
    """Cognito groups -> a principal: ``admin``, or ``site-<SITE>`` per branch."""
    names = set(groups)
    if ADMIN_GROUP in names:
        return Principal(username, Role.ADMIN)
    sites = set()
    for group in names:
        if group.startswith(SITE_GROUP_PREFIX):
            sites.add(validate_id(group[len(SITE_GROUP_PREFIX) :], "site"))
    return Principal(username, Role.VIEWER, frozenset(sites))


@dataclass(frozen=True, slots=True)
class User:
    """A local account (on-prem mode; AWS uses Cognito)."""

    username: str
    role: Role
    sites: frozenset[str]
    password_hash: str
    created: datetime
    disabled: bool = False
    #: in every token issued to the user; bumped to revoke them all (footage.tokens)
    token_version: int = 0

    def principal(self) -> Principal:
        return Principal(self.username, self.role, self.sites)
