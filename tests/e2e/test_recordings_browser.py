"""Recordings in the web app at 390×844 with touch (#19): the drawer's Record switch, the red
dot on the tab, the recordings list (from the drawer and from the hub), the player (play,
seek, speed, jumps to command marks), download and delete, with no console errors.

The shell gets OSC 133 marks from PS0 and PROMPT_COMMAND, as shell integration sends them, so
the recording holds command marks. Where the player should stand after a jump comes from the
downloaded .cast itself: its `m` events, with pauses over the player's idle limit shortened
the way asciinema does.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from tests.e2e.browser_common import BROWSER_MARKS, ROWS_CONTAIN, expect

pytestmark = BROWSER_MARKS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

#: frontend/src/recordings/format.ts IDLE_LIMIT_S.
IDLE_LIMIT_S = 3.0
CREATE = """(name) => fetch('/api/sessions', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name})})
    .then((r) => r.json()).then((j) => j.id)"""
RECORDINGS = "() => fetch('/api/recordings').then((r) => r.json())"
SESSION = """(id) => fetch('/api/sessions').then((r) => r.json())
    .then((list) => list.find((s) => s.id === id))"""
NO_X_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
#: Shell integration in two lines of bash: C before each command runs, D with its status after.
INTEGRATION = "PS0=$'\\e]133;C\\a'; PROMPT_COMMAND='printf \"\\033]133;D;%s\\007\" $?'\n"
#: The position (seconds) the player's seek bar shows, sampled as it changes over `ms`:
#: how fast it moves against the page's clock.
POSITION_RATE = """(ms) => new Promise((done) => {
    const bar = document.querySelector('.rp-seek');
    const seen = [];
    const t0 = performance.now();
    const look = () => {
        const v = Number(bar.value);
        if (!seen.length || seen[seen.length - 1][1] !== v) seen.push([performance.now(), v]);
        if (performance.now() - t0 < ms) requestAnimationFrame(look);
        else {
            const [a, b] = [seen[0], seen[seen.length - 1]];
            done(b[0] > a[0] ? (b[1] - a[1]) * 1000 / (b[0] - a[0]) : 0);
        }
    };
    look();
})"""


def mark_times(cast: str, limit: float = IDLE_LIMIT_S) -> list[tuple[float, str]]:
    """Each `m` event's time on the player's clock, with its label."""
    previous = shift = 0.0
    marks = []
    for line in cast.splitlines()[1:]:
        t, code, data = json.loads(line)
        shift += max(0.0, t - previous - limit)
        previous = t
        if code == "m":
            marks.append((t - shift, data))
    return marks


def position(page: Any) -> float:
    return float(page.locator(".rp-seek").input_value())


def expect_position(page: Any, want: float) -> None:
    page.wait_for_function(
        "(want) => Math.abs(Number(document.querySelector('.rp-seek').value) - want) < 0.05",
        arg=want,
    )


def height(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None
    return float(box["height"])


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def record_a_session(page: Any) -> str:
    """Open a new session, turn recording on in the drawer, run two commands, turn it off."""
    sid = str(page.evaluate(CREATE, "rec-demo"))
    page.goto(f"/terminal?id={sid}")
    page.wait_for_function(ROWS_CONTAIN, arg="$")
    opener = page.get_by_role("button", name="Sessions", exact=True)
    opener.tap()
    drawer = page.get_by_role("dialog", name="Sessions")
    switch = drawer.get_by_role("switch", name="Record this session")
    keys = drawer.get_by_role("checkbox", name="Also record keystrokes")
    expect(switch).not_to_be_checked()
    expect(keys).not_to_be_checked()
    expect(drawer.get_by_text(re.compile("passwords you type"))).to_be_visible()
    switch.tap()
    expect(switch).to_be_checked()
    page.wait_for_function(
        f"() => ({SESSION})({sid!r}).then((s) => s.recording && !s.recordingInput)"
    )
    # Keystrokes switch on and off on the server while the recording runs.
    keys.tap()
    expect(keys).to_be_checked()
    page.wait_for_function(f"() => ({SESSION})({sid!r}).then((s) => s.recordingInput)")
    keys.tap()
    expect(keys).not_to_be_checked()
    page.wait_for_function(f"() => ({SESSION})({sid!r}).then((s) => !s.recordingInput)")
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "recording-drawer-phone.png"))
    page.keyboard.press("Escape")
    page.locator(".xterm-helper-textarea").focus()
    # The tab shows the red dot once the session list says so.
    tab = page.get_by_role("tab", name=re.compile("rec-demo"))
    expect(tab.get_by_role("img", name="recording")).to_be_visible()

    page.keyboard.type(INTEGRATION)
    page.keyboard.type("echo rec-''one\n")
    page.wait_for_function(ROWS_CONTAIN, arg="rec-one")
    page.keyboard.type("sleep 1; echo rec-''two; (exit 3)\n")
    page.wait_for_function(ROWS_CONTAIN, arg="rec-two")
    opener.tap()
    card = drawer.get_by_role("button", name="Switch to rec-demo", exact=True)
    expect(card).to_have_accessible_description(re.compile(r"^Recording\b"))
    switch.tap()
    expect(switch).not_to_be_checked()
    page.wait_for_function(
        f"() => ({RECORDINGS})().then((l) => l.length === 1 && !l[0].active && l[0].marks >= 4)"
    )
    return sid


def test_record_list_play_seek_jump_download_delete(phone: Any, tmp_path: Path) -> None:
    page = phone
    console = console_errors(page)
    page.goto("/")
    sid = record_a_session(page)

    drawer = page.get_by_role("dialog", name="Sessions")
    # On its side the phone's drawer scrolls as a whole: the cards keep their height beside the
    # activity line and this section, and the footer is reached by scrolling.
    page.set_viewport_size({"width": 844, "height": 390})
    card = drawer.get_by_role("button", name="Switch to rec-demo", exact=True)
    assert height(drawer.locator(".drawer-list")) >= height(card)
    footer_button = drawer.get_by_role("button", name="+ New session")
    footer_button.scroll_into_view_if_needed()
    expect(footer_button).to_be_in_viewport()
    page.set_viewport_size({"width": 390, "height": 844})

    # From the drawer: this session's recordings.
    drawer.get_by_role("button", name="Recordings of rec-demo").tap()
    sheet = page.get_by_role("dialog", name="Recordings")
    rows = sheet.get_by_role("list", name="Recordings").get_by_role("listitem")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("rec-demo")
    expect(rows.first).not_to_contain_text("recording")  # stopped
    [rec] = page.evaluate(RECORDINGS)
    assert rec["sessionId"] == sid
    assert not rec["active"]

    # Download gives the .cast: valid asciicast v2 holding the commands' marks.
    with page.expect_download() as info:
        sheet.get_by_role("link", name="Download rec-demo").tap()
    download = info.value
    assert download.suggested_filename.endswith(".cast"), download.suggested_filename
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    cast = saved.read_text()
    assert json.loads(cast.splitlines()[0])["version"] == 2
    marks = mark_times(cast)
    assert [label for _, label in marks][-4:] == ["$", "exit 0", "$", "exit 3"], marks

    # Play: the player loads (a chunk of its own) and lists the marks.
    sheet.get_by_role("button", name="Play rec-demo").tap()
    player = page.get_by_role("dialog", name="Playing rec-demo")
    mark_buttons = player.get_by_role("list", name="Command marks").get_by_role("button")
    expect(mark_buttons).to_have_count(len(marks))
    expect(player.locator(".rp-screen .ap-term")).to_be_visible()
    assert page.evaluate(NO_X_OVERFLOW)
    for name in ("Play", "Previous mark", "Next mark"):
        assert height(player.get_by_role("button", name=name, exact=True)) >= 44, name
    assert height(player.get_by_label("Position")) >= 44
    assert height(player.get_by_label("Speed")) >= 44
    assert height(mark_buttons.first) >= 44

    # Next mark from the start goes to the first mark; tapping one in the list goes there.
    player.get_by_role("button", name="Next mark").tap()
    expect_position(page, marks[0][0])
    expect(mark_buttons.first).to_have_attribute("aria-current", "step")
    mark_buttons.nth(len(marks) - 1).tap()
    expect_position(page, marks[-1][0])
    player.get_by_role("button", name="Previous mark").tap()
    expect_position(page, marks[-2][0])
    if os.environ.get("TERMBEAM_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "recording-player-phone.png"))

    # Seek with the bar, then play at 2×: the position moves about twice as fast as the clock.
    player.get_by_label("Position").fill("0")
    expect_position(page, 0)
    player.get_by_label("Speed").select_option("2")
    expect_position(page, 0)  # a new speed keeps the position
    player.get_by_role("button", name="Play", exact=True).tap()
    expect(player.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    rate = page.evaluate(POSITION_RATE, 800)
    assert 1.6 < rate < 2.5, rate
    player.get_by_role("button", name="Pause", exact=True).tap()
    expect(player.get_by_role("button", name="Play", exact=True)).to_be_visible()
    assert position(page) > 0

    # From the hub: every recording; Delete asks first, then it is gone.
    page.goto("/")
    page.get_by_role("button", name="Recordings", exact=True).tap()
    sheet = page.get_by_role("dialog", name="Recordings")
    sheet.get_by_role("button", name="Delete rec-demo").tap()
    confirm = page.get_by_role("dialog", name="Delete recording?")
    confirm.get_by_role("button", name="Delete", exact=True).tap()
    expect(sheet.get_by_text("No recordings yet", exact=False)).to_be_visible()
    assert page.evaluate(RECORDINGS) == []
    assert page.errors == []
    assert console == []
