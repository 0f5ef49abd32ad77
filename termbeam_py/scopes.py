"""What each route needs: the scope a caller must hold to use it, and who the caller is (#17).

Every route handler says its scope with `@requires(...)`; the auth middleware compares it with
the caller's (a login cookie or the password is ADMIN; a scoped token has its own) and answers
403 naming the missing scope. A route without a decision is refused for every token but the
password, and tests/test_scopes.py fails for it, so a new route cannot slip through unscoped.

A caller may also be bound to one session (a session-bound token, later a view-only link):
`Reach` says what such a caller may do with a route. Routes under `/api/sessions/{id}` are
about that one session unless marked otherwise; any other route refuses a bound caller unless
its handler is marked as narrowing what it shows (`Reach.OWN`) or as showing nothing of any
session (`Reach.ANY`).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from termbeam_py.errors import Forbidden

#: The attributes `requires` sets on a handler.
_ATTRIBUTE = "__termbeam_scope__"
_REACH = "__termbeam_reach__"
#: The path prefix of the routes about one session (its id in `{id}`).
SESSION_ROUTE = "/api/sessions/{id}"

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


class Reach(enum.Enum):
    """What a caller bound to one session may do with a route."""

    #: Refused (403): the route reaches beyond one session (create sessions, any folder).
    NONE = "none"
    #: About the session named by the path's `{id}`: any other id is answered as unknown.
    SESSION = "session"
    #: The handler itself narrows what it shows to the caller's session (the list, /ws).
    OWN = "own"
    #: Shows nothing of any session (the web app's pages, the version).
    ANY = "any"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: set on the request by the auth middleware, read by handlers and /ws."""

    scope: Scope
    session: str | None = None
    """The one session id this caller may see, or None for all of them."""
    token: str | None = None
    """The scoped token's name; None for the password, a login cookie or no password at all."""
    link: str | None = None
    """The view-only link's id (viewlinks.py) for a viewer; None for everyone else."""

    def allows(self, scope: Scope) -> bool:
        return self.scope >= scope

    def sees(self, session_id: str) -> bool:
        return self.session is None or self.session == session_id

    @property
    def restricted(self) -> bool:
        """Not the owner: any token (an admin one still needs routes that decided a scope),
        a lower scope, or bound to one session."""
        return self.token is not None or self.scope < Scope.ADMIN or self.session is not None


#: The password, a login cookie, or anyone on a server without a password.
OWNER = Principal(Scope.ADMIN)
#: Where the auth middleware leaves the caller of an authenticated request.
PRINCIPAL = web.RequestKey("PRINCIPAL", Principal)


def principal_of(request: web.Request) -> Principal | None:
    """The caller of `request`: None on a public path requested without credentials."""
    return request.get(PRINCIPAL)


def requires(scope: Scope, *, reach: Reach | None = None) -> Callable[[H], H]:
    """Mark a handler as needing `scope` (put it under the `@routes.get(...)` line), and
    optionally what a session-bound caller may do with it (see `reach_of` for the default)."""

    def mark(handler: H) -> H:
        setattr(handler, _ATTRIBUTE, scope)
        if reach is not None:
            setattr(handler, _REACH, reach)
        return handler

    return mark


def scope_of(handler: Any) -> Scope | None:
    """The scope a handler was marked with, or None when nobody decided."""
    value = getattr(handler, _ATTRIBUTE, None)
    return value if isinstance(value, Scope) else None


def reach_of(handler: Any, path: str) -> Reach:
    """A session-bound caller's reach on a route: as marked, else SESSION for the routes
    under `/api/sessions/{id}` (route pattern `path`) and NONE for every other."""
    value = getattr(handler, _REACH, None)
    if isinstance(value, Reach):
        return value
    if path == SESSION_ROUTE or path.startswith(SESSION_ROUTE + "/"):
        return Reach.SESSION
    return Reach.NONE


#: The `{id}` a bound caller's request about another session is answered for: no session has
#: it, so the route answers exactly as it does for an id that does not exist.
NO_SESSION = ""
UNDECIDED = "This route has no scope decision: only the password may use it"
BOUND = "This token is bound to one session: it cannot use this route"


def lacks(scope: Scope) -> Forbidden:
    """The refusal of a caller without `scope`: 403 naming the missing scope."""
    return Forbidden(f"This token lacks the '{scope.label}' scope",
                     extra={"missing": scope.label})


def check_route(request: web.Request, principal: Principal) -> None:
    """Refuse a caller with less than the owner's power what its scope or session does not
    cover (see the module's docstring); a bound caller's other session ids become unknown ones."""
    match = request.match_info
    if match.http_exception is not None:
        return  # no route: the 404 or 405 everyone gets
    route = match.route
    needed = scope_of(route.handler)
    if needed is None:
        raise Forbidden(UNDECIDED)
    if not principal.allows(needed):
        raise lacks(needed)
    if principal.session is None:
        return
    reach = reach_of(route.handler, route.resource.canonical if route.resource else "")
    if reach is Reach.NONE:
        raise Forbidden(BOUND)
    if reach is Reach.SESSION and not principal.sees(match.get("id", NO_SESSION)):
        match["id"] = NO_SESSION
