"""The TermbeamError tree: domain code raises these, one middleware turns them into JSON.

    TermbeamError (500)
    ├── BadRequest (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PayloadTooLarge (413)
    ├── TooManyRequests (429)
    ├── BadGateway (502)
    ├── ServiceUnavailable (503)
    ├── GatewayTimeout (504)
    └── InsufficientStorage (507)

The message is the exact wording of the API reference, sent as `{"error": message}`; an
error that says more (a 409 with the update's `state`) carries it in `extra`, merged into
that body after `error`. `headers` go on the response as they are.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping


class TermbeamError(Exception):
    """Base error; `status` is the HTTP status the API answers with."""

    status = 500

    def __init__(
        self, message: str = "internal error", *, extra: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.extra: dict[str, object] = dict(extra or {})
        """More fields for the JSON body, after `error`."""
        self.headers: dict[str, str] = {}
        """Response headers: set by the error itself or by a middleware it passes through."""

    def body(self) -> dict[str, object]:
        """The JSON body the API answers with."""
        return {"error": self.message, **self.extra}


class BadRequest(TermbeamError):
    status = 400


class Unauthorized(TermbeamError):
    status = 401

    def __init__(self, message: str = "unauthorized") -> None:
        super().__init__(message)


class Forbidden(TermbeamError):
    status = 403


class NotFound(TermbeamError):
    status = 404

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message)


class Conflict(TermbeamError):
    status = 409


class PayloadTooLarge(TermbeamError):
    status = 413


class TooManyRequests(TermbeamError):
    status = 429

    def __init__(
        self, message: str = "Too many attempts. Try again later.", retry_after: int = 60
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers["Retry-After"] = str(retry_after)


class BadGateway(TermbeamError):
    """An upstream (a previewed app) refused the connection or broke it."""

    status = 502


class ServiceUnavailable(TermbeamError):
    """A feature that cannot work on this server right now (push without VAPID keys)."""

    status = 503


class GatewayTimeout(TermbeamError):
    """An upstream did not answer in time."""

    status = 504


class InsufficientStorage(TermbeamError):
    """A write failed because the disk, a quota or the file size limit is full."""

    status = 507

    def __init__(self, message: str = "Not enough disk space") -> None:
        super().__init__(message)


#: errno values that mean "no room": the disk, the user's quota, RLIMIT_FSIZE.
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def write_failed(exc: OSError, message: str) -> TermbeamError:
    """The answer to a failed write: 507 when there is no room, else a 500 with `message`."""
    if exc.errno in NO_ROOM:
        return InsufficientStorage()
    return TermbeamError(message)
