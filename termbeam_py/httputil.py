"""Small helpers shared by the route modules: bounded JSON bodies and JSON answers."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from termbeam_py.errors import BadRequest, PayloadTooLarge

log = logging.getLogger(__name__)

#: Largest JSON request body accepted (the original's limit).
JSON_BODY_LIMIT = 100 * 1024


async def json_body(request: web.Request, *, optional: bool = False) -> dict[str, object]:
    """The request's JSON object; a clear 400/413 for anything else. Its values are the
    client's, unchecked: each route validates what it reads."""
    if request.content_length is not None and request.content_length > JSON_BODY_LIMIT:
        raise PayloadTooLarge("Request body too large")
    # read(n) returns what has arrived so far, up to n bytes: a body that comes in several
    # pieces (a slow link, a proxy relaying as it receives) is read to its end, or to one
    # byte past the limit.
    raw = bytearray()
    while len(raw) <= JSON_BODY_LIMIT and (
            chunk := await request.content.read(JSON_BODY_LIMIT + 1 - len(raw))):
        raw += chunk
    if len(raw) > JSON_BODY_LIMIT:
        raise PayloadTooLarge("Request body too large")
    if not raw.strip() and optional:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("Invalid JSON body") from exc
    except RecursionError as exc:
        # `[[[[…` a few thousand deep: the decoder recurses once per level. One line, no
        # traceback: anyone, logged in or not, can send this.
        log.info("refused a JSON body nested too deeply on %s %s", request.method, request.path)
        raise BadRequest("Invalid JSON body") from exc
    if not isinstance(body, dict):
        raise BadRequest("Body must be a JSON object")
    return body


def ok() -> web.Response:
    return web.json_response({"ok": True})
