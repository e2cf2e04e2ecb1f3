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
    def set_password(self, username: str, password_hash: str) -> None: ...

    @abstractmethod
    def list(self) -> list[User]:
        """Every user, by name."""
