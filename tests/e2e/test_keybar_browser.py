"""Browser tests for the touch key bar on a 390×844 touch phone: the bytes each key puts
into the PTY, sticky modifiers on soft-keyboard input, arrow auto-repeat, the key editor,
the copy view, paste (bracketed and image) and collapsing.

The bytes are read where they land: a small recorder puts the session's terminal in raw mode
and appends everything it reads to a file the test polls.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import ServerProcess

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SHOTS = os.environ.get("TERMBEAM_SCREENSHOTS") == "1"
SHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WAIT_S = 10.0

# Raw mode, optional set-up escapes (argv[3], hex), a ready file, then append every read.
RECORDER = """\
import os, sys, termios, tty
out, ready = sys.argv[1], sys.argv[2]
tty.setraw(0)
termios.tcflush(0, termios.TCIFLUSH)
if len(sys.argv) > 3:
    os.write(1, bytes.fromhex(sys.argv[3]))
open(ready, "w").close()
with open(out, "ab", buffering=0) as fh:
    while True:
        data = os.read(0, 4096)
        if not data:
            break
        fh.write(data)
"""


def wait_until(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Poll `check` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Recorder:
    """Reads back what the terminal sent to the PTY while the recorder script runs."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def data(self) -> bytes:
        return self.out.read_bytes() if self.out.exists() else b""

    def expect(self, expected: bytes) -> None:
        try:
            wait_until(lambda: len(self.data()) >= len(expected), f"{expected!r}")
        finally:
            assert self.data() == expected

    def clear(self) -> None:
        self.out.write_bytes(b"")


@pytest.fixture
def phone(
    browser: Any,
    server: ServerProcess,
    auth_state: dict[str, Any],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Any]:
    """A logged-in 390×844 touch page with clipboard access, on a fresh session's terminal."""
    context = browser.new_context(
        base_url=server.base_url,
        storage_state=auth_state,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.add_init_script("try { localStorage.setItem('termbeam.renderer', 'dom') } catch {}")
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    created = context.request.post("/api/sessions", data={"name": "keys-" + secrets.token_hex(3)})
    assert created.status == 201, created.text()
    session_id = created.json()["id"]
    page.goto(f"/terminal?id={session_id}")
    expect(keybar(page)).to_be_visible()
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    try:
        yield page
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"\nscreenshot: {tmp_path / 'failure.png'}\npage errors: {errors}")
        context.request.delete(f"/api/sessions/{session_id}")
        context.close()


@pytest.fixture
def default_keys(server: ServerProcess, auth_state: dict[str, Any], browser: Any) -> Iterator[None]:
    """Tests that change the layout put the default back for the next one."""
    yield
    context = browser.new_context(base_url=server.base_url, storage_state=auth_state)
    try:
        prefs = context.request.get("/api/preferences").json()["prefs"]
        prefs.update(touchBarKeys=None, touchBarCollapsed=False)
        assert context.request.put("/api/preferences", data={"prefs": prefs}).ok
    finally:
        context.close()


def keybar(page: Any) -> Any:
    return page.get_by_role("navigation", name="Terminal keys")


def key(page: Any, name: str) -> Any:
    return keybar(page).get_by_role("button", name=name, exact=True)


def type_in_terminal(page: Any, text: str) -> None:
    page.locator(".xterm-helper-textarea").first.focus()
    page.keyboard.type(text)


def start_recorder(page: Any, tmp_path: Path, setup: bytes = b"") -> Recorder:
    """Run the recorder in the session and wait until its terminal is raw."""
    script = tmp_path / "rec.py"
    script.write_text(RECORDER)
    tag = secrets.token_hex(3)
    out, ready = tmp_path / f"out-{tag}", tmp_path / f"ready-{tag}"
    args = f"{sys.executable} {script} {out} {ready} {setup.hex()}".strip()
    type_in_terminal(page, args)
    page.keyboard.press("Enter")
    wait_until(ready.exists, "the recorder to start")
    return Recorder(out)


def focused_on_terminal(page: Any) -> bool:
    script = "() => document.activeElement?.classList.contains('xterm-helper-textarea')"
    return bool(page.evaluate(script))


def shoot(page: Any, name: str) -> None:
    if SHOTS:
        SHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOT_DIR / name))


def test_default_keys_send_their_bytes(phone: Any, tmp_path: Path) -> None:
    page = phone
    if SHOTS:  # the bar with Ctrl latched, over an ordinary prompt
        type_in_terminal(page, "ls -a")
        page.keyboard.press("Enter")
        page.wait_for_function(ROWS_CONTAIN, arg="..")
        key(page, "Control").tap()
        shoot(page, "keybar-phone.png")
        type_in_terminal(page, "c")
        expect(key(page, "Control")).to_have_attribute("aria-pressed", "false")
    rec = start_recorder(page, tmp_path)
    expected = b""
    for name, sent in [
        ("Escape", b"\x1b"), ("Home", b"\x1b[H"), ("End", b"\x1b[F"), ("Arrow up", b"\x1b[A"),
        ("Enter", b"\r"), ("Tab", b"\t"), ("Control C", b"\x03"), ("Arrow left", b"\x1b[D"),
        ("Arrow down", b"\x1b[B"), ("Arrow right", b"\x1b[C"),
    ]:  # fmt: skip
        key(page, name).tap()
        expected += sent
        rec.expect(expected)
    assert focused_on_terminal(page), "a key tap moved focus away from the terminal"

    # Sticky modifiers on key-bar keys: xterm's encodings, then the latch lets go.
    for mods, name, sent in [
        (["Control"], "Arrow up", b"\x1b[1;5A"),
        (["Shift"], "Tab", b"\x1b[Z"),
        (["Control", "Shift"], "Arrow right", b"\x1b[1;6C"),
        (["Shift"], "Home", b"\x1b[1;2H"),
    ]:
        for mod in mods:
            key(page, mod).tap()
            expect(key(page, mod)).to_have_attribute("aria-pressed", "true")
        key(page, name).tap()
        expected += sent
        rec.expect(expected)
        for mod in mods:
            expect(key(page, mod)).to_have_attribute("aria-pressed", "false")
    assert page.errors == []


def test_arrows_follow_application_cursor_mode(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path, setup=b"\x1b[?1h")
    key(page, "Arrow up").tap()
    key(page, "End").tap()
    rec.expect(b"\x1bOA\x1bOF")
    assert page.errors == []


def test_sticky_ctrl_applies_to_the_soft_keyboard(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path)
    ctrl = key(page, "Control")
    ctrl.tap()
    expect(ctrl).to_have_attribute("aria-pressed", "true")
    type_in_terminal(page, "c")
    rec.expect(b"\x03")
    expect(ctrl).to_have_attribute("aria-pressed", "false")
    type_in_terminal(page, "c")
    rec.expect(b"\x03c")
    assert page.errors == []


def test_a_held_arrow_repeats(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path)
    box = key(page, "Arrow down").bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    try:
        wait_until(lambda: rec.data().count(b"\x1b[B") >= 3, "the arrow to repeat")
    finally:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    data = rec.data()
    assert data == b"\x1b[B" * data.count(b"\x1b[B")
    # Releasing stops the repeat: the count settles.
    count = -1
    deadline = time.monotonic() + WAIT_S
    while count != rec.data().count(b"\x1b[B"):
        assert time.monotonic() < deadline, "the arrow kept repeating after release"
        count = rec.data().count(b"\x1b[B")
        time.sleep(0.3)
    assert page.errors == []


def test_a_custom_key_persists_and_sends(phone: Any, tmp_path: Path, default_keys: None) -> None:
    page = phone
    keybar(page).get_by_role("button", name="Customize keys").click()
    editor = page.get_by_role("dialog", name="Customize keys")
    expect(editor).to_be_visible()
    editor.get_by_role("button", name="Add key").click()
    editor.get_by_label("Label").fill("Hi")
    editor.get_by_label("Sends", exact=True).fill("xy\\t")
    editor.get_by_label("Insert a key sequence").select_option(label="F5")
    expect(editor.get_by_label("Sends", exact=True)).to_have_value("xy\\t\\e[15~")
    editor.get_by_label("Look").select_option("accent")
    shoot(page, "key-editor.png")
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_be_hidden()
    expect(key(page, "Hi")).to_be_visible()

    def stored() -> list[dict[str, Any]]:
        return page.request.get("/api/preferences").json()["prefs"]["touchBarKeys"] or []

    wait_until(lambda: any(k.get("label") == "Hi" for k in stored()), "the layout to be saved")
    saved = next(k for k in stored() if k["label"] == "Hi")
    assert saved["send"] == "xy\t\x1b[15~"
    assert (saved["row"], saved["col"], saved["style"]) == (3, 1, "accent")

    page.reload()
    expect(key(page, "Hi")).to_be_visible()
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    rec = start_recorder(page, tmp_path)
    key(page, "Hi").tap()
    rec.expect(b"xy\t\x1b[15~")
    assert page.errors == []


def test_copy_view_shows_the_buffer(phone: Any) -> None:
    page = phone
    marker = "copy-" + secrets.token_hex(4)
    type_in_terminal(page, f"echo {marker}")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "(m) => document.querySelector('.xterm-rows').textContent.split(m).length > 2", arg=marker
    )
    key(page, "Copy terminal text").tap()
    view = page.get_by_role("dialog", name="Copy text")
    text = view.get_by_label("Terminal text")
    expect(text).to_contain_text(f"$ echo {marker}\n{marker}\n$")
    shoot(page, "copy-view.png")
    # Scrolled to the end.
    assert text.evaluate("(el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2")
    view.get_by_role("button", name="Copy all").click()
    expect(view.get_by_role("status")).to_have_text("Copied")
    clip = page.evaluate("() => navigator.clipboard.readText()")
    assert f"{marker}\n$" in clip
    page.keyboard.press("Escape")
    expect(view).to_be_hidden()
    assert page.errors == []


def test_paste_is_bracketed_when_the_app_asks(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path, setup=b"\x1b[?2004h")
    page.evaluate("(t) => navigator.clipboard.writeText(t)", "one\r\ntwo\x1b[201~three\n")
    key(page, "Paste").tap()
    rec.expect(b"\x1b[200~one\rtwothree\r\x1b[201~")
    assert focused_on_terminal(page)
    assert page.errors == []


def test_pasting_an_image_types_its_uploaded_path(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path)
    page.evaluate(
        """async () => {
            const c = document.createElement('canvas');
            c.width = c.height = 4;
            const blob = await new Promise((ok) => c.toBlob(ok, 'image/png'));
            await navigator.clipboard.write([new ClipboardItem({ 'image/png': blob })]);
        }"""
    )
    key(page, "Paste").tap()
    wait_until(lambda: rec.data().endswith(b".png"), "the uploaded path")
    path = Path(rec.data().decode())
    assert path.is_absolute()
    assert path.read_bytes().startswith(b"\x89PNG")
    assert page.errors == []


def test_the_bar_collapses_and_stays_collapsed(phone: Any, default_keys: None) -> None:
    page = phone
    bar = keybar(page)
    bar.get_by_role("button", name="Hide keys").tap()
    expect(key(page, "Escape")).to_have_count(0)
    box = bar.bounding_box()
    assert box is not None
    assert box["height"] <= 46  # one 44 px row (a thumb's target, #16) and the border
    wait_until(
        lambda: page.request.get("/api/preferences").json()["prefs"]["touchBarCollapsed"] is True,
        "the collapsed state to be saved",
    )
    page.reload()
    expect(bar.get_by_role("button", name="Show keys")).to_be_visible()
    expect(key(page, "Escape")).to_have_count(0)
    bar.get_by_role("button", name="Show keys").tap()
    expect(key(page, "Escape")).to_be_visible()
    assert page.errors == []


def hold(page: Any, locator: Any, until: Callable[[], bool], what: str) -> None:
    """Touch `locator` and keep the finger down until `until()` holds."""
    box = locator.bounding_box()
    point = {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    try:
        wait_until(until, what)
    finally:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_long_press_opens_the_editor_without_sending(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path)
    editor = page.get_by_role("dialog", name="Customize keys")
    hold(page, key(page, "Escape"), editor.is_visible, "the editor to open")
    expect(editor).to_be_visible()
    editor.get_by_role("button", name="Cancel").click()
    expect(editor).to_be_hidden()
    key(page, "Tab").tap()
    rec.expect(b"\t")  # the long-pressed Esc was never sent
    assert page.errors == []


FAKE_SPEECH = """
window.SpeechRecognition = class {
  start() {
    this.timer = setTimeout(() => {
      const result = Object.assign([{ transcript: 'hello mic' }], { isFinal: true });
      this.onresult({ resultIndex: 0, results: [result] });
      this.onend();
    }, 400);
  }
  stop() { clearTimeout(this.timer); this.onend(); }
  abort() { this.stop(); }
};
"""


def test_voice_input_types_the_transcript(phone: Any, tmp_path: Path) -> None:
    page = phone
    page.add_init_script(FAKE_SPEECH)
    page.reload()
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    rec = start_recorder(page, tmp_path)
    mic = key(page, "Voice input")
    expect(mic).not_to_have_attribute("aria-disabled", "true")
    mic.tap()
    expect(mic).to_have_attribute("aria-pressed", "true")
    rec.expect(b"hello mic")
    expect(mic).to_have_attribute("aria-pressed", "false")
    assert page.errors == []


def test_paste_box_when_the_clipboard_is_denied(phone: Any, tmp_path: Path) -> None:
    page = phone
    rec = start_recorder(page, tmp_path)
    page.evaluate(
        """() => {
            const deny = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
            navigator.clipboard.read = deny;
            navigator.clipboard.readText = deny;
        }"""
    )
    key(page, "Paste").tap()
    dialog = page.get_by_role("dialog", name="Paste")
    expect(dialog).to_be_visible()
    dialog.get_by_role("textbox").fill("from the box\n")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()
    rec.expect(b"from the box\r")
    assert page.errors == []
