"""Password hashing: Argon2id (argon2-cffi, RFC 9106 low-memory profile), and the
bound on how many checks one process runs at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from footage.errors import RateLimited

#: 64 MiB and 3 passes: ~50 ms per check here, which also slows guessing.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored_hash)


class PasswordChecks:
    """At most ``size`` password checks at once in this process: each takes 64 MiB
    and ~50 ms of a core, so a burst of logins must not queue without limit. A
    caller waits at most ``wait_s`` for a turn, then gets RateLimited (429)."""

    def __init__(self, size: int = 2, wait_s: float = 2.0) -> None:
        self._turns = threading.BoundedSemaphore(size)
        self._wait_s = wait_s

    @contextmanager
    def turn(self) -> Iterator[None]:
        if not self._turns.acquire(timeout=self._wait_s):
            raise RateLimited(1.0, "too many logins at once")
        try:
            yield
        finally:
            self._turns.release()


#: The bound of this process (each API worker process has its own).
PROCESS_CHECKS = PasswordChecks()
