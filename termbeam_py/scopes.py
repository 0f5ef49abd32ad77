"""What each route needs: the scope a caller must hold to use it (#17).

Every route handler says its scope with `@requires(...)`; the auth middleware compares it with
the caller's (a login cookie or the password is ADMIN; a scoped token has its own) and answers
403 naming the missing scope. A route without a decision is refused for every token but the
password, and tests/test_scopes.py fails for it, so a new route cannot slip through unscoped.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

#: The attribute `requires` sets on a handler.
_ATTRIBUTE = "__termbeam_scope__"

H = TypeVar("H", bound=Callable[..., Awaitable[web.StreamResponse]])


class Scope(enum.IntEnum):
    """Ordered: each scope includes every one below it."""

    #: A view-only link: one session's output over /ws, nothing else.
    VIEW = 0
    #: List sessions; read output, screen and search; file and git reads.
    READ = 1
    #: READ, plus input, create/rename/delete sessions, and uploads.
    WRITE = 2
    #: WRITE, plus tokens, settings, update, shutdown, share links and push.
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


def requires(scope: Scope) -> Callable[[H], H]:
    """Mark a handler as needing `scope` (put it under the `@routes.get(...)` line)."""

    def mark(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, scope)
        return handler

    return mark


def scope_of(handler: Any) -> Scope | None:
    """The scope a handler was marked with, or None when nobody decided."""
    value = getattr(handler, _ATTRIBUTE, None)
    return value if isinstance(value, Scope) else None
