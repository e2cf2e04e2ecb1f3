"""The ``UserStore`` port: local accounts (SQLite on-prem; AWS uses Cognito)."""

from __future__ import annotations

from abc import ABC, abstractmethod

from footage.auth import User


class UserStore(ABC):
    @abstractmethod
    def initialize(self) -> None:
        """Create what is missing; safe to call on every start."""

    @abstractmethod
    def get(self, username: str) -> User | None: ...

    @abstractmethod
    def add(self, user: User) -> None:
        """Store a new user; raises UserError if the name is taken."""

    @abstractmethod
    def set_password(self, username: str, password_hash: str, *, revoke: bool) -> None:
        """Store a new hash; with ``revoke`` also bump the token version (a new
        password revokes the user's tokens; a rehash of the same one does not).
        UserError if there is no such user."""

    @abstractmethod
    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable or enable the user and bump the token version. UserError if there
        is no such user, or if it would leave no enabled admin (checked atomically)."""

    @abstractmethod
    def remove(self, username: str) -> None:
        """Delete the user (their tokens fail at once: no account). UserError if there
        is no such user, or if it is the last enabled admin (checked atomically)."""

    @abstractmethod
    def list(self) -> list[User]:
        """Every user, by name."""
