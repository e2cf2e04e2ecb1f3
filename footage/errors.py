"""Domain errors. Adapters wrap SDK errors in these (``raise ... from exc``);
each entry point maps them to exit codes or HTTP statuses in one place."""


class FootageError(Exception):
    """Base class of every error the core raises on purpose."""


class ConfigError(FootageError):
    """The configuration is invalid. ``errors`` holds ``(field_path, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        lines = "; ".join(f"{path}: {msg}" for path, msg in errors)
        super().__init__(f"invalid configuration: {lines}")


class KeyFormatError(FootageError, ValueError):
    """An object key or file name does not follow the key scheme."""


class ChainFormatError(FootageError, ValueError):
    """A chain record, manifest or signature file that does not follow its format."""


class StorageError(FootageError):
    """The storage backend failed (unreachable, denied, out of space...)."""


class ObjectNotFound(StorageError):
    """The object does not exist."""


class ObjectExists(StorageError):
    """A write-once put found the key taken (the store refused to overwrite it)."""


class ObjectHeld(StorageError):
    """The object is under an evidence (legal) hold: it cannot be deleted, moved or
    replaced until an administrator releases the hold (``vms evidence release``)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is under an evidence hold: an administrator must release it")
        self.key = key


class CatalogError(FootageError):
    """The footage index failed."""


class MediaError(FootageError):
    """ffmpeg/ffprobe failed or the media is unusable."""


class CorruptMedia(MediaError):
    """The file is not a playable video; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class SpoolFull(FootageError):
    """The spool is over its quota and could not make room."""


class AuthError(FootageError):
    """Authentication failed; the message is safe to show (it never says which part)."""


class RateLimited(AuthError):
    """Too many failed logins (or logins at once); ``retry_after_s`` says when to try again."""

    def __init__(self, retry_after_s: float, reason: str = "too many failed logins") -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"{reason}; try again in {retry_after_s:.0f} s")


class TokenError(AuthError):
    """A bearer token is malformed, forged or expired (``expired`` tells which)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(message)


class UserError(FootageError):
    """A user account request is invalid (unknown site, duplicate name...)."""


class ShareRefused(FootageError):
    """Sharing a clip is not allowed: the role, the site, the recipient or the setup."""


class HoldRefused(FootageError):
    """Placing or releasing an evidence hold needs an administrator (API: 403)."""


class AuthUnavailable(FootageError):
    """Tokens cannot be checked right now (the identity provider's keys are unreachable)."""


class LiveUnavailable(FootageError):
    """Live view cannot be offered for this camera right now (no relay serves it)."""


class NotFound(FootageError):
    """The thing asked for does not exist (or the caller may not know it does)."""


class NoFootage(NotFound):
    """Nothing playable was recorded in the requested range."""


class ExportNotFound(NotFound):
    """No export job with that id."""


class QuotaExceeded(FootageError):
    """A user asked for more work than their quota allows (exports). ``retry_after_s``
    says when it fits again, when that is knowable (None otherwise)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)
