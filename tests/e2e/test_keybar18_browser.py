"""The key bar's gestures of the original (#18): the key editor's layout takes drag and drop,
with a finger and with a mouse, and a swipe up from the mic locks voice input on until a tap.

Speech recognition is outside the browser's reach in a test, so a fake SpeechRecognition
stands in for it (the same one tests/e2e/test_keybar_browser.py uses)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect
from tests.e2e.test_keybar_browser import (  # noqa: F401 - fixtures used below
    FAKE_SPEECH,
    default_keys,
    key,
    keybar,
    phone,
    start_recorder,
    wait_until,
)

pytestmark = BROWSER_MARKS


def _touch(cdp: Any, kind: str, x: float = 0, y: float = 0) -> None:
    points = [] if kind == "touchEnd" else [{"x": x, "y": y, "id": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def touch_drag(page: Any, start: tuple[float, float], end: tuple[float, float],
               steps: int = 12) -> None:
    """A finger put down at `start`, moved to `end` in `steps`, and lifted."""
    cdp = page.context.new_cdp_session(page)
    _touch(cdp, "touchStart", *start)
    for n in range(1, steps + 1):
        _touch(cdp, "touchMove", start[0] + (end[0] - start[0]) * n / steps,
               start[1] + (end[1] - start[1]) * n / steps)
    _touch(cdp, "touchEnd")
    cdp.detach()


def centre(locator: Any) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def with_fake_speech(page: Any, tmp_path: Path) -> Any:
    """Reload `page` with the fake recogniser and start a recorder in its shell."""
    page.add_init_script(FAKE_SPEECH)
    page.reload()
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    return start_recorder(page, tmp_path)


def test_a_swipe_up_from_the_mic_keeps_listening_until_a_tap(
    phone: Any, tmp_path: Path,  # noqa: F811 - the fixture imported above
) -> None:
    page = phone
    rec = with_fake_speech(page, tmp_path)
    x, y = centre(key(page, "Voice input"))
    touch_drag(page, (x, y), (x, y - 80))
    locked = keybar(page).get_by_role("button", name="Voice input (locked)", exact=True)
    expect(locked).to_have_attribute("aria-pressed", "true")
    # The fake recogniser ends after each utterance: locked, listening starts again.
    wait_until(lambda: rec.data().count(b"hello mic") >= 2, "a second utterance")
    expect(locked).to_have_attribute("aria-pressed", "true")
    locked.tap()
    mic = key(page, "Voice input")
    expect(mic).to_have_attribute("aria-pressed", "false")
    assert "kb-locked" not in (mic.get_attribute("class") or "")
    assert page.errors == []


def test_a_tap_on_the_mic_still_takes_one_utterance(
    phone: Any, tmp_path: Path,  # noqa: F811 - the fixture imported above
) -> None:
    page = phone
    rec = with_fake_speech(page, tmp_path)
    mic = key(page, "Voice input")
    mic.tap()
    rec.expect(b"hello mic")
    expect(mic).to_have_attribute("aria-pressed", "false")  # one utterance, then off


def test_keys_are_dragged_into_place_with_a_finger_and_a_mouse(
    phone: Any, default_keys: None,  # noqa: F811 - the fixtures imported above
) -> None:
    page = phone
    keybar(page).get_by_role("button", name="Customize keys").click()
    editor = page.get_by_role("dialog", name="Customize keys")
    preview = editor.get_by_role("group", name="Key layout: pick a key to edit")

    def tile(key_id: str) -> Any:
        return preview.locator(f'[data-key-id="{key_id}"]')

    def order() -> list[list[str]]:
        rows: list[list[str]] = page.evaluate("""() => {
            const rows = [];
            for (const el of document.querySelectorAll('.ke-preview [data-key-id]')) {
                (rows[Number(el.dataset.row)] ??= []).push(el.dataset.keyId);
            }
            return rows;
        }""")
        return rows

    # A finger: Esc, first in row 1, dropped between End and the up arrow.
    end_x, end_y = centre(tile("end"))
    up_x, _ = centre(tile("up"))
    touch_drag(page, centre(tile("esc")), ((end_x + up_x) / 2, end_y))
    expect(tile("esc")).to_have_attribute("aria-pressed", "true")  # the dropped key is picked
    assert order()[0] == ["copy", "paste", "home", "end", "esc", "up", "enter"]

    # A mouse: Tab dropped under the last row opens a third row.
    x, y = centre(tile("tab"))
    box = preview.bounding_box()
    assert box is not None
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] + 30, steps=8)
    page.mouse.up()
    assert order()[2] == ["tab"]

    # A full row takes no more: the key stays and the editor says why.
    x, y = centre(tile("ctrl-c"))
    touch_drag(page, (x, y), centre(tile("home")))
    expect(editor.get_by_role("alert")).to_contain_text("No room in that row")
    assert "ctrl-c" in order()[1]

    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()

    def stored() -> list[dict[str, Any]]:
        keys: list[dict[str, Any]] = page.request.get("/api/preferences").json()["prefs"][
            "touchBarKeys"] or []
        return keys

    wait_until(lambda: bool(stored()), "the layout to be saved")
    placed = {k["id"]: (k["row"], k["col"]) for k in stored()}
    assert placed["esc"] == (1, 5)
    assert placed["tab"] == (3, 1)
    assert page.errors == []
