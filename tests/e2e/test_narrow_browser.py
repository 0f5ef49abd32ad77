"""Narrow-screen audit (issue #8: no layout break from 320 px): the hub, the login page and
the terminal page must not scroll sideways on a 320×640 phone.

Against a private build:
    TERMBEAM_STATIC_DIR=/tmp/static-splash pytest tests/e2e/test_narrow_browser.py
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, expect

pytestmark = BROWSER_MARKS

WIDTH = 320
# Every element that sticks out past the right edge, for the failure message.
OVERFLOW = """() => {
  const edge = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > edge + 0.5) {
      out.push(`${el.tagName}.${el.className} → ${Math.round(r.right)}px`);
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, culprits: out.slice(0, 10) };
}"""


@pytest.fixture
def narrow_page(browser: Any, server: ServerProcess) -> Iterator[Any]:
    """A factory for 320×640 touch pages (logged in when given `auth_state`)."""
    made: list[Any] = []

    def make(state: Any = None) -> Any:
        octets = ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))
        ctx = browser.new_context(
            base_url=server.base_url,
            storage_state=state,
            viewport={"width": WIDTH, "height": 640},
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
            # Own API rate budget for this context (the address is trusted from loopback).
            extra_http_headers={"X-Forwarded-For": f"10.{octets}"},
        )
        ctx.set_default_timeout(15_000)
        made.append(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        return page

    yield make
    for ctx in made:
        ctx.close()


def assert_no_sideways_scroll(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scrollWidth"] <= WIDTH, found
    assert page.errors == []


def test_hub_fits_320(narrow_page: Any, auth_state: Any) -> None:
    page = narrow_page(auth_state)
    page.goto("/")
    expect(page.get_by_role("button", name="+ New session")).to_be_visible()
    expect(page.get_by_role("button", name="Settings", exact=True)).to_be_visible()
    assert_no_sideways_scroll(page)


def test_login_fits_320(narrow_page: Any) -> None:
    page = narrow_page()
    page.goto("/login")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_no_sideways_scroll(page)


def test_terminal_fits_320(narrow_page: Any, auth_state: Any) -> None:
    page = narrow_page(auth_state)
    created = page.request.post("/api/sessions", data={"name": "a-rather-long-session-name"})
    assert created.ok, created.text()
    sid = created.json()["id"]
    try:
        page.goto(f"/terminal?id={sid}")
        expect(page.locator(".xterm-screen")).to_be_visible()
        close = page.get_by_role("button", name="Close session a-rather-long-session-name")
        expect(close).to_be_attached()
        assert_no_sideways_scroll(page)
    finally:
        page.request.delete(f"/api/sessions/{sid}")
