"""The TermbeamError tree: domain code raises these, one middleware turns them into JSON.

    TermbeamError (500)
    ├── BadRequest (400)
    ├── Unauthorized (401)
    ├── Forbidden (403)
    ├── NotFound (404)
    ├── Conflict (409)
    ├── PayloadTooLarge (413)
    └── TooManyRequests (429)

The message is the exact wording of the API reference, sent as `{"error": message}`.
"""

from __future__ import annotations


class TermbeamError(Exception):
    """Base error; `status` is the HTTP status the API answers with."""

    status = 500

    def __init__(self, message: str = "internal error") -> None:
        super().__init__(message)
        self.message = message


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
