"""Unit tests of the sequence-numbered output log and replay sanitising."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termbeam_py.sessions import ring
from termbeam_py.sessions.outlog import (
    MAX_BYTES,
    NEWLINE_SLACK,
    TRIM_TO,
    OutputLog,
    sanitize_for_replay,
)
from tests.helpers import READ_TIMEOUT, TermWS

if TYPE_CHECKING:
    from _typeshed import TraceFunction

    from tests.helpers import Server

ENTER, EXIT = b"\x1b[?1049h", b"\x1b[?1049l"


# -- sequence numbers ----------------------------------------------------------------------


def test_empty_log() -> None:
    log = OutputLog()
    assert (log.start, log.head, len(log)) == (0, 0, 0)
    assert log.read(0, 10) == b""
    assert log.alt_mode is None
    assert log.snapshot() == b""


def test_head_counts_every_byte() -> None:
    log = OutputLog()
    log.append(b"hello ")
    log.append(b"")
    log.append("wörld\n".encode())
    assert log.head == 6 + 7
    assert log.start == 0
    assert log.read(0, 100) == "hello wörld\n".encode()


def test_read_slices() -> None:
    log = OutputLog()
    log.append(b"0123456789")
    assert log.read(0, 3) == b"012"
    assert log.read(3, 4) == b"3456"
    assert log.read(8, 100) == b"89"
    assert log.read(10, 5) == b""
    assert log.read(4, 0) == b""


def test_read_outside_log_raises() -> None:
    log = OutputLog()
    log.append(b"abc")
    with pytest.raises(ValueError, match="outside the log"):
        log.read(4, 1)
    with pytest.raises(ValueError, match="outside the log"):
        log.read(-1, 1)


def test_read_below_start_raises_after_trim() -> None:
    log = OutputLog(max_bytes=100, trim_to=50)
    log.append(b"x" * 101)
    assert log.start > 0
    with pytest.raises(ValueError, match="outside the log"):
        log.read(log.start - 1, 10)
    assert log.read(log.start, 1000) == b"x" * len(log)


def test_trim_with_default_caps() -> None:
    log = OutputLog()
    chunk = b"y" * 65536
    total = 0
    while total <= MAX_BYTES:
        log.append(chunk)
        total += len(chunk)
        assert len(log) <= MAX_BYTES
    assert log.head == total
    assert log.start > 0
    assert log.start + len(log) == log.head
    assert TRIM_TO - NEWLINE_SLACK <= len(log) <= MAX_BYTES
    assert log.read(log.start, MAX_BYTES) == b"y" * len(log)


def test_trim_keeps_newest_bytes_without_newline() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = bytes(i % 251 for i in range(1001)).replace(b"\n", b"-")
    log.append(data)
    assert log.start == 501
    assert log.read(501, 1000) == data[501:]
    assert len(log) == 500


def test_trim_cuts_just_after_a_nearby_newline() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = b"a" * 600 + b"\n" + b"b" * 400  # cut point 501, newline 99 bytes later
    log.append(data)
    assert log.start == 601
    assert log.read(log.start, 1000) == b"b" * 400


def test_trim_newline_exactly_at_cut_point() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = b"a" * 501 + b"\n" + b"b" * 499  # 1001 bytes; cut point 501 is the newline
    log.append(data)
    assert log.start == 502
    assert log.read(log.start, 1000) == b"b" * 499


def test_trim_ignores_a_newline_beyond_the_slack() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = b"a" * (501 + NEWLINE_SLACK + 10) + b"\n" + b"b" * (1001 - 512 - NEWLINE_SLACK)
    assert len(data) == 1001
    log.append(data)
    assert log.start == 501


def test_trim_ignores_a_newline_before_the_cut_point() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = b"a" * 400 + b"\n" + b"b" * 600  # newline before the cut point at 501
    log.append(data)
    assert log.start == 501


def test_trim_never_splits_a_two_byte_character() -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    data = "é".encode() * 500 + b"x"  # cut point 501 is a continuation byte
    log.append(data)
    assert log.start == 502
    held = log.read(log.start, 1000)
    assert held.decode() == "é" * 249 + "x"


@pytest.mark.parametrize("into", [0, 1, 2, 3])
def test_trim_never_splits_a_four_byte_character(into: int) -> None:
    # 260 four-byte characters; the nominal cut lands `into` bytes inside character 135.
    log = OutputLog(max_bytes=1000, trim_to=500 - into)
    log.append("😀".encode() * 260)
    assert log.start == 540 if into == 0 else log.start == 544
    assert log.read(log.start, 2000).decode() == "😀" * ((1040 - log.start) // 4)
    assert log.start + len(log) == log.head == 1040


def test_clear_keeps_head() -> None:
    log = OutputLog()
    log.append(b"abcdef")
    log.clear()
    assert (log.start, log.head, len(log)) == (6, 6, 0)
    assert log.read(6, 10) == b""
    with pytest.raises(ValueError, match="outside the log"):
        log.read(0, 1)
    log.append(b"gh")
    assert log.head == 8
    assert log.read(6, 10) == b"gh"
    assert log.snapshot() == b"gh"


# -- properties ----------------------------------------------------------------------------

_SMALL_LOGS = st.sampled_from([(64, 32), (300, 150), (1000, 500), (1000, 999)])


@settings(max_examples=200)
@given(_SMALL_LOGS, st.lists(st.binary(max_size=700), max_size=30))
def test_property_log_is_a_window_of_the_stream(caps: tuple[int, int], chunks: list[bytes]) -> None:
    log = OutputLog(max_bytes=caps[0], trim_to=caps[1])
    stream = b""
    for chunk in chunks:
        log.append(chunk)
        stream += chunk
        assert log.head == len(stream)
        assert log.start + len(log) == log.head
        assert len(log) <= caps[0]
        assert log.read(log.start, len(stream)) == stream[log.start :]
        if log.start:
            with pytest.raises(ValueError, match="outside the log"):
                log.read(log.start - 1, 1)


@st.composite
def _split_utf8(draw: st.DrawFn) -> list[bytes]:
    """Random unicode text, encoded, then cut into chunks at arbitrary byte offsets."""
    text = draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=1500))
    data = text.encode()
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=12)))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=300)
@given(_SMALL_LOGS, st.lists(_split_utf8(), min_size=1, max_size=6))
def test_property_held_bytes_stay_valid_utf8(
    caps: tuple[int, int], pieces: list[list[bytes]]
) -> None:
    log = OutputLog(max_bytes=caps[0], trim_to=caps[1])
    total = 0
    for chunks in pieces:
        for chunk in chunks:
            log.append(chunk)
            total += len(chunk)
        # At the end of each piece the input is whole characters, so is the log.
        held = log.read(log.start, total)
        held.decode("utf-8")
        assert log.start + len(log) == log.head == total
        assert len(log) <= caps[0]


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab\n", max_size=400), max_size=20))
def test_property_cut_after_newline_when_one_is_near(chunks: list[str]) -> None:
    log = OutputLog(max_bytes=1000, trim_to=500)
    stream = b""
    for text in chunks:
        data = text.encode()
        before = len(log)
        log.append(data)
        stream += data
        if before + len(data) > 1000:
            # This append trimmed: the nominal cut keeps the newest 500 bytes.
            nominal = len(stream) - 500
            window = stream[nominal : nominal + NEWLINE_SLACK]
            if b"\n" in window:
                assert log.start == nominal + window.index(b"\n") + 1
            else:
                assert log.start == nominal


# -- alt-screen tracking -------------------------------------------------------------------


@pytest.mark.parametrize("mode", [1049, 1047, 47])
def test_alt_screen_modes(mode: int) -> None:
    log = OutputLog()
    log.append(b"prompt $ vim\r\n\x1b[?%dh\x1b[Hscreen" % mode)
    assert log.alt_mode == mode
    log.append(b"more drawing")
    assert log.alt_mode == mode
    log.append(b"\x1b[?%dl$ " % mode)
    assert log.alt_mode is None


@pytest.mark.parametrize("split", range(1, len(ENTER)))
def test_alt_screen_enter_split_across_chunks(split: int) -> None:
    log = OutputLog()
    log.append(b"some output " + ENTER[:split])
    log.append(ENTER[split:] + b"drawn")
    assert log.alt_mode == 1049
    log.append(b"x" * 5 + EXIT[:split])
    assert log.alt_mode == 1049
    log.append(EXIT[split:])
    assert log.alt_mode is None


def test_alt_screen_split_into_single_bytes() -> None:
    log = OutputLog()
    for byte in b"\x1b[?1047h":
        log.append(bytes([byte]))
    assert log.alt_mode == 1047


def test_alt_screen_last_toggle_in_a_chunk_wins() -> None:
    log = OutputLog()
    log.append(ENTER + b"vim" + EXIT + b"$ ")
    assert log.alt_mode is None
    log.append(EXIT + b"less" + b"\x1b[?47h")
    assert log.alt_mode == 47


def test_alt_screen_state_survives_clear() -> None:
    log = OutputLog()
    log.append(ENTER)
    log.clear()
    assert log.alt_mode == 1049


_ALT_TOKENS = st.sampled_from(
    [b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?1047h", b"\x1b[?1047l", b"\x1b[?47h", b"\x1b[?47l"]
)


@settings(max_examples=200)
@given(
    st.lists(
        _ALT_TOKENS | st.text(alphabet="abc \r\n[?", max_size=40).map(str.encode), max_size=20
    ),
    st.data(),
)
def test_property_alt_mode_matches_last_toggle(parts: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    bounds = [0, *cuts, len(stream)]
    log = OutputLog()
    for a, b in itertools.pairwise(bounds):
        log.append(stream[a:b])
    toggles = [p for p in parts if p.startswith(b"\x1b[?")]
    expected = None
    if toggles and toggles[-1].endswith(b"h"):
        expected = int(toggles[-1][3:-1])
    assert log.alt_mode == expected


# -- replay sanitising ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        b"\x1b]11;?\x07",
        b"\x1b]10;?\x07",
        b"\x1b]12;?\x07",
        b"\x1b]4;1;?\x07",
        b"\x1b]4;255;?\x1b\\",
        b"\x1b]11;?\x1b\\",
        b"\x1b]10;rgb:ffff/ffff/ffff\x07",
    ],
)
def test_osc_colour_queries_removed(query: bytes) -> None:
    assert sanitize_for_replay(b"before" + query + b"after", None) == b"beforeafter"


def test_osc_colour_queries_removed_from_snapshot() -> None:
    log = OutputLog()
    log.append(b"a\x1b]11;?\x07b\x1b]10;?\x1b\\c\x1b]4;1;?\x07d\x1b]12;?\x07e")
    assert log.snapshot() == b"abcde"


@pytest.mark.parametrize(
    "query", [b"\x1b[c", b"\x1b[0c", b"\x1b[>c", b"\x1b[>0c", b"\x1b[6n", b"\x1b[5n"]
)
def test_device_queries_removed(query: bytes) -> None:
    assert sanitize_for_replay(b"x" + query + b"y", None) == b"xy"


def test_clear_scrollback_removed_but_clear_screen_and_title_kept() -> None:
    data = b"one\r\n\x1b]0;my title\x07\x1b[H\x1b[2J\x1b[3Jtwo\r\n\x1b]2;other\x1b\\"
    assert sanitize_for_replay(data, None) == (
        b"one\r\n\x1b]0;my title\x07\x1b[H\x1b[2Jtwo\r\n\x1b]2;other\x1b\\"
    )


def test_plain_output_and_colours_unchanged() -> None:
    data = "\x1b[31mred\x1b[0m plain é 😀\r\n$ ".encode()
    assert sanitize_for_replay(data, None) == data


@pytest.mark.parametrize("mode", [1049, 1047, 47])
def test_finished_alt_screen_episode_removed_with_content(mode: int) -> None:
    log = OutputLog()
    log.append(b"$ vim f\r\n\x1b[?%dh\x1b[HVIM-CONTENT\x1b[?%dl$ after" % (mode, mode))
    assert log.alt_mode is None
    snap = log.snapshot()
    assert snap == b"$ vim f\r\n$ after"


def test_two_finished_episodes_removed_text_between_kept() -> None:
    data = b"a" + ENTER + b"ONE" + EXIT + b"b" + ENTER + b"TWO" + EXIT + b"c"
    assert sanitize_for_replay(data, None) == b"abc"


def test_bare_alt_toggles_removed() -> None:
    # An exit without its enter (the enter was trimmed away) leaves no toggle behind.
    assert sanitize_for_replay(b"tail of vim" + EXIT + b"$ ", None) == b"tail of vim$ "


def test_snapshot_in_alt_screen_reenters_and_keeps_the_drawing() -> None:
    log = OutputLog()
    log.append(b"$ vim notes\r\n" + ENTER + b"\x1b[H\x1b[2JVIM-SCREEN")
    log.append(b" more")
    assert log.alt_mode == 1049
    snap = log.snapshot()
    assert snap == b"$ vim notes\r\n" + ENTER + b"\x1b[H\x1b[2JVIM-SCREEN more"
    assert snap.count(b"VIM-SCREEN") == 1


@pytest.mark.parametrize("mode", [1047, 47])
def test_snapshot_in_other_alt_modes(mode: int) -> None:
    log = OutputLog()
    log.append(b"$ less\r\n\x1b[?%dhPAGE" % mode)
    assert log.snapshot() == b"$ less\r\n\x1b[?%dhPAGE" % mode


def test_snapshot_in_alt_screen_after_a_finished_episode() -> None:
    log = OutputLog()
    log.append(b"a" + ENTER + b"OLD" + EXIT + b"b" + ENTER + b"NEW")
    snap = log.snapshot()
    assert snap == b"ab" + ENTER + b"NEW"


def test_snapshot_in_alt_screen_drops_queries_from_the_drawing() -> None:
    log = OutputLog()
    log.append(b"$ " + ENTER + b"X\x1b[6n\x1b]11;?\x07\x1b[cY\x1b[3J")
    assert log.snapshot() == b"$ " + ENTER + b"XY"


def test_snapshot_in_alt_screen_ends_with_enter_when_nothing_drawn() -> None:
    log = OutputLog()
    log.append(b"$ htop\r\n" + ENTER)
    assert log.snapshot().endswith(ENTER)
    assert log.snapshot() == b"$ htop\r\n" + ENTER


def test_snapshot_does_not_change_the_log() -> None:
    log = OutputLog()
    log.append(b"x\x1b[6n" + ENTER + b"y" + EXIT)
    before = log.read(0, 100)
    log.snapshot()
    assert log.read(0, 100) == before
    assert log.head == len(before)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x1b"), max_size=300))
def test_property_text_without_escapes_replays_unchanged(text: str) -> None:
    log = OutputLog()
    log.append(text.encode())
    assert log.snapshot() == text.encode()


# -- detect-port ---------------------------------------------------------------------------


def _port(text: str) -> int | None:
    log = OutputLog()
    log.append(text.encode())
    return log.last_local_port()


def test_last_local_port_last_match_wins() -> None:
    assert _port("Local: http://localhost:5173/ and http://127.0.0.1:8000/x\r\n") == 8000
    assert _port("http://127.0.0.1:8000/ then https://localhost:3000") == 3000


def test_last_local_port_https_and_schemes() -> None:
    assert _port("https://localhost:8443/app") == 8443
    assert _port("ftp://localhost:21/") is None


def test_last_local_port_none() -> None:
    assert _port("") is None
    assert _port("no urls here") is None
    assert _port("http://localhost/ without a port") is None
    assert _port("http://example.com:8080/") is None
    assert _port("localhost:3000 without a scheme") is None


def test_last_local_port_range() -> None:
    assert _port("http://localhost:1/") == 1
    assert _port("http://localhost:65535/") == 65535
    assert _port("http://localhost:0/") is None
    assert _port("http://localhost:65536/") is None
    assert _port("http://localhost:99999/") is None


def test_last_local_port_out_of_range_falls_back_to_earlier_valid() -> None:
    assert _port("http://localhost:3000/ then http://localhost:70000/") == 3000
    assert _port("http://localhost:3000/ then http://127.0.0.1:0/") == 3000


def test_last_local_port_six_digit_port_is_not_a_port() -> None:
    # The URL's port is 123456, outside 1-65535: it must not be read as 12345.
    assert _port("http://localhost:123456/") is None
    assert _port("http://localhost:3000/ then http://localhost:123456/") == 3000


def test_last_local_port_split_across_appends() -> None:
    log = OutputLog()
    log.append(b"Listening on http://local")
    log.append(b"host:4321/\r\n")
    assert log.last_local_port() == 4321


def test_flow_control_limits_fit_inside_the_trimmed_log() -> None:
    # A viewer that keeps up can lag by at most HIGH_WATER plus one read budget before the
    # PTY pauses; the log must still hold that much after trimming, or it gets resynced.
    from termbeam_py.sessions.session import HIGH_WATER
    from termbeam_py.sessions.terminal import READ_BUDGET

    assert HIGH_WATER + READ_BUDGET < TRIM_TO


# -- sanitising, against a reference -------------------------------------------------------
#
# The reference reads the bytes one at a time, the way a terminal does, into whole tokens,
# then drops tokens and pairs alt-screen toggles over the token list. It is slow (quadratic
# pairing) and meant to be obviously right; the sanitiser must agree with it on any input.

_ESC, _BEL = 0x1B, 0x07
_ENTERS = {b"\x1b[?%dh" % m: b"\x1b[?%dl" % m for m in (1049, 1047, 47)}
_TOGGLES = set(_ENTERS) | set(_ENTERS.values())
#: The documented forms that go, each matched against one whole token.
_DROPPED_FORMS = [
    re.compile(p)
    for p in (
        rb"\x1b\](?:4;\d+|10|11|12);[^\x07\x1b]*(?:\x07|\x1b\\)",  # colour query / reply
        rb"\x1b\[[>=]?0?c",  # device attributes
        rb"\x1b\[\??[56]n",  # device status
        rb"\x1b\[\??\d+\$p",  # DECRQM
        rb"\x1b\[>0?q",  # XTVERSION
        rb"\x1b\[1[13-9]t",  # window reports
        rb"\x1b\[2[01]t",
        rb"\x1bP\$q[^\x1b]*\x1b\\",  # DECRQSS
        rb"\x1b\[3J",  # clear scrollback
    )
]


def _ref_sequence_end(data: bytes, j: int) -> tuple[str, int]:
    """(kind, end) of the sequence whose ESC (and intermediates) end just before `j`."""
    n = len(data)
    if j == n:
        return "pending", n
    if data[j] == _ESC:
        return "unfinished", j
    intro = data[j]
    if intro == ord("["):
        k = j + 1
        while k < n and data[k] != _ESC and not 0x40 <= data[k] <= 0x7E:
            k += 1
        if k == n:
            return "pending", n
        return ("unfinished", k) if data[k] == _ESC else ("complete", k + 1)
    if intro in b"]PX^_":
        k = j + 1
        while k < n and data[k] != _ESC and not (intro == ord("]") and data[k] == _BEL):
            k += 1
        if k == n:
            return "pending", n
        if data[k] == _BEL:
            return "complete", k + 1
        if k + 1 == n:
            return "pending", n  # the ESC may be the first half of the ST
        return ("complete", k + 2) if data[k + 1] == ord("\\") else ("unfinished", k)
    return "complete", j + 1


def _ref_tokens(data: bytes) -> list[tuple[str, bytes]]:
    tokens: list[tuple[str, bytes]] = []
    i = 0
    while i < len(data):
        if data[i] != _ESC:
            j = i
            while j < len(data) and data[j] != _ESC:
                j += 1
            tokens.append(("text", data[i:j]))
            i = j
            continue
        j = i + 1  # intermediates and control bytes keep the sequence going
        while j < len(data) and data[j] != _ESC and not 0x30 <= data[j] <= 0x7E:
            j += 1
        kind, end = _ref_sequence_end(data, j)
        tokens.append((kind, data[i:end]))
        i = end
    return tokens


def _ref_episodes(tokens: list[bytes]) -> list[bytes]:
    """Drop each enter with everything up to the first later leave of its mode, then toggles."""
    kept: list[bytes] = []
    i = 0
    while i < len(tokens):
        leave = _ENTERS.get(tokens[i])
        if leave is not None and leave in tokens[i + 1 :]:
            i = tokens.index(leave, i + 1) + 1
            continue
        if tokens[i] not in _TOGGLES:
            kept.append(tokens[i])
        i += 1
    return kept


def _reference_sanitize(data: bytes, alt_mode: int | None) -> bytes:
    kept = [
        token
        for kind, token in _ref_tokens(data)
        if kind != "unfinished"
        and not (kind == "complete" and any(f.fullmatch(token) for f in _DROPPED_FORMS))
    ]
    if alt_mode is None:
        return b"".join(_ref_episodes(kept))
    enter = b"\x1b[?%dh" % alt_mode
    if enter not in kept:
        return b"".join(_ref_episodes(kept)) + enter
    at = len(kept) - 1 - kept[::-1].index(enter)
    drawing = [t for t in kept[at + 1 :] if t not in _TOGGLES]
    return b"".join(_ref_episodes(kept[:at])) + enter + b"".join(drawing)


def _old_sanitize(data: bytes, alt_mode: int | None) -> bytes:
    """The regex sanitiser this module replaced (quadratic; right on well-formed input)."""
    toggle = re.compile(rb"\x1b\[\?(1049|1047|47)([hl])")
    pair = re.compile(rb"\x1b\[\?(1049|1047|47)h.*?\x1b\[\?\1l", re.DOTALL)

    def strip(part: bytes) -> bytes:
        for form in _DROPPED_FORMS:
            part = form.sub(b"", part)
        return part

    alt_part = b""
    if alt_mode is not None:
        enter = data.rfind(b"\x1b[?%dh" % alt_mode)
        if enter >= 0:
            alt_part, data = data[enter:], data[:enter]
    data = toggle.sub(b"", pair.sub(b"", strip(data)))
    if alt_mode is None:
        return data
    return data + b"\x1b[?%dh" % alt_mode + toggle.sub(b"", strip(alt_part))


#: Whole sequences and text: what programs write.
_WELL_FORMED = st.sampled_from(
    [
        *_TOGGLES,
        b"\x1b[31m", b"\x1b[0m", b"\x1b[H", b"\x1b[2J", b"\x1b[8;24;80t", b"\x1b[?25l",
        b"\x1b(B", b"\x1b7", b"\x1b8", b"\x1b=", b"\x1b\\", b"\x1b]0;title\x07",
        b"\x1b]2;other\x1b\\", b"\x1b]8;;http://x/\x1b\\", b"\x1b]104\x07",
        b"\x1b]133;A\x07", b"\x1bPq#0;2;0;0;0\x1b\\", b"\x1b_app\x1b\\",
        b"\x1b[c", b"\x1b[0c", b"\x1b[>c", b"\x1b[=c", b"\x1b[5n", b"\x1b[6n", b"\x1b[?6n",
        b"\x1b[?2026$p", b"\x1b[12$p", b"\x1b[>q", b"\x1b[>0q", b"\x1b[14t", b"\x1b[18t",
        b"\x1b[21t", b"\x1b[3J", b"\x1b]11;?\x07", b"\x1b]10;rgb:ff/ff/ff\x1b\\",
        b"\x1b]4;1;?;2;?\x07", b"\x1bP$qm\x1b\\", b"\x1bP$q\"r\x1b\\",
    ]
) | st.text(alphabet="ab \r\n;?[]0123456789hlé$", max_size=6).map(str.encode)

#: Fragments that cut, nest and run sequences into each other.
_JUNK = _WELL_FORMED | st.sampled_from(
    [
        b"\x1b", b"\x1b\x1b", b"[", b"]", b"?", b"1049", b"1047", b"47", b"h", b"l", b"P",
        b"X", b"_", b"^", b"$q", b"$p", b"\\", b"\x07", b"6n", b"c", b">", b"0", b"4;", b";",
        b"11", b"3J", b"t", b"(", b" ", b"\x18", b"\r", b"\x7f", b"\xc3", b"\xc2\x9b",
        b"\x1b[?", b"\x1b[", b"\x1b]", b"\x1bP$q", b"\x1b]11;", b"\x1b[?104", b"\x1b]0;t",
        b"\x1bPx",
    ]
)
_ALT_MODE = st.sampled_from([None, 1049, 1047, 47])


@settings(max_examples=600)
@given(st.lists(_JUNK, max_size=40), _ALT_MODE)
def test_property_sanitiser_matches_the_reference(parts: list[bytes], alt: int | None) -> None:
    data = b"".join(parts)
    assert sanitize_for_replay(data, alt) == _reference_sanitize(data, alt)


@settings(max_examples=400)
@given(st.lists(_WELL_FORMED, max_size=40), _ALT_MODE)
def test_property_well_formed_output_sanitises_as_before(
    parts: list[bytes], alt: int | None
) -> None:
    data = b"".join(parts)
    assert sanitize_for_replay(data, alt) == _reference_sanitize(data, alt)
    assert sanitize_for_replay(data, alt) == _old_sanitize(data, alt)


#: Anything a terminal would answer, or a toggle; an OSC colour query ended by any ESC counts
#: (xterm.js ends an OSC at any ESC).
_ANSWERED = re.compile(
    rb"\x1b\](?:4;\d+|10|11|12);[^\x07\x1b]*(?:\x07|\x1b)|\x1b\[[>=]?0?c|\x1b\[\??[56]n"
    rb"|\x1b\[\??\d+\$p|\x1b\[>0?q|\x1b\[1[13-9]t|\x1b\[2[01]t|\x1bP\$q[^\x1b]*\x1b\\"
    rb"|\x1b\[3J|\x1b\[\?(?:1049|1047|47)[hl]"
)


@settings(max_examples=400)
@given(st.lists(_JUNK, max_size=40))
def test_property_nothing_answerable_survives_and_a_second_pass_changes_nothing(
    parts: list[bytes],
) -> None:
    # Deleting a sequence must never join its neighbours into a new query or toggle.
    once = sanitize_for_replay(b"".join(parts), None)
    found = [m for m in _ANSWERED.finditer(once) if m.end() < len(once)]
    assert not found, once  # (one that ends the log may be written on: kept, see below)
    assert sanitize_for_replay(once, None) == once


def test_deleting_a_query_does_not_splice_a_new_one() -> None:
    # `ESC [` is abandoned by the next ESC; kept, it would read `ESC[6n` once `ESC[c` is gone.
    assert sanitize_for_replay(b"a\x1b[\x1b[c6n", None) == b"a6n"
    assert sanitize_for_replay(b"\x1b]1\x1b[c1;?\x07", None) == b"1;?\x07"
    nested = b"\x1b[" * 50 + b"\x1b[6n" + b"6n" * 50
    assert sanitize_for_replay(nested, None) == b"6n" * 50
    assert sanitize_for_replay(b"\x1b[?10\x1b[?47h49h", None) == b"49h"


def test_colour_query_ended_by_another_sequence_is_removed() -> None:
    # xterm.js ends an OSC at any ESC and answers it; the old patterns wanted BEL or ST.
    assert sanitize_for_replay(b"a\x1b]11;?\x1b[31mred", None) == b"a\x1b[31mred"


def test_sequences_unfinished_at_the_end_are_kept() -> None:
    # The program may be writing them: the rest follows as output.
    for tail in (b"\x1b", b"\x1b[", b"\x1b[?104", b"\x1b]0;tit", b"\x1b]0;t\x1b", b"\x1bP$q"):
        assert sanitize_for_replay(b"x" + tail, None) == b"x" + tail


def test_sequences_truncated_at_the_start_stay_text() -> None:
    # A trim can cut the log inside a sequence; what is left has no ESC, so it is text.
    assert sanitize_for_replay(b"?1049h$ ls\r\n", None) == b"?1049h$ ls\r\n"
    assert sanitize_for_replay(b";?\x07$ ", None) == b";?\x07$ "
    assert sanitize_for_replay(b"049lafter", None) == b"049lafter"


def test_nested_enters_of_one_mode_end_at_the_first_leave() -> None:
    # A terminal is back on the normal screen after the first leave: "kept" is drawn there.
    data = b"a" + ENTER + b"x" + ENTER + b"y" + EXIT + b"kept" + EXIT + b"b"
    assert sanitize_for_replay(data, None) == b"akeptb"


def test_an_episode_swallows_toggles_of_other_modes() -> None:
    data = b"a" + ENTER + b"x\x1b[?47hy\x1b[?47lz" + EXIT + b"b"
    assert sanitize_for_replay(data, None) == b"ab"
    crossed = b"a" + ENTER + b"x\x1b[?47hy" + EXIT + b"z\x1b[?47lb"
    assert sanitize_for_replay(crossed, None) == b"azb"


def test_an_unclosed_enter_keeps_its_content() -> None:
    # The leave was never logged (or the log ends inside): only the toggle goes.
    data = b"a" + ENTER + b"drawn" + b"\x1b[?47hx\x1b[?47l" + b"b"
    assert sanitize_for_replay(data, None) == b"adrawnb"
    assert sanitize_for_replay(ENTER * 1000 + b"text", None) == b"text"


def test_unterminated_decrqss_and_osc_are_removed() -> None:
    assert sanitize_for_replay(b"a\x1bP$qm\x1b[31mb", None) == b"a\x1b[31mb"
    assert sanitize_for_replay(b"a\x1b]4;1;?" * 3 + b"\x1b[mb", None) == b"a\x1b[mb"
    assert sanitize_for_replay(b"\x1bP$q" * 1000 + b"\x1b\\", None) == b""


# -- linear time ---------------------------------------------------------------------------
#
# Each case is measured at half and at the full 1 MB, as the best of several runs of enough
# repetitions to take tens of milliseconds; the full size must cost at most 3x the half (a
# quadratic pass costs 4x). The absolute target is in benchmarks/sanitize.py.

_HALF = MAX_BYTES // 2


def _fill(unit: bytes, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size]


def _best_seconds(work: Callable[[], object], repeat: int, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(repeat):
            work()
        best = min(best, time.perf_counter() - start)
    return best


def _assert_linear(make: Callable[[int], Callable[[], object]]) -> None:
    half, full = make(_HALF), make(2 * _HALF)
    once = _best_seconds(half, 1, runs=1)
    repeat = max(1, int(0.03 / max(once, 1e-6)))
    ratios = []
    for _ in range(3):  # another helper's burst of CPU should not fail the test
        ratio = _best_seconds(full, repeat) / _best_seconds(half, repeat)
        ratios.append(ratio)
        if ratio <= 3:
            return
    raise AssertionError(f"full-size cost / half-size cost = {ratios} (linear is ~2)")


#: name -> (prefix, unit repeated to the size, suffix)
_ADVERSARIAL: dict[str, tuple[bytes, bytes, bytes]] = {
    "openers": (b"", ENTER, b""),
    "openers of every mode": (b"", b"\x1b[?1049h\x1b[?1047hx\x1b[?47h", b""),
    "enters, then one leave at the very end": (b"", ENTER + b"x", EXIT),
    "nested pairs": (b"", ENTER * 3 + EXIT * 2 + b"\x1b[?47h\x1b[?47h\x1b[?47l", b""),
    "crossed pairs": (b"", ENTER + b"a\x1b[?47hb" + EXIT + b"c\x1b[?47l", b""),
    "leaves": (b"", EXIT + b"\x1b[?47l", b""),
    "unterminated DECRQSS": (b"", b"\x1bP$q", b""),
    "DECRQSS payload without ST": (b"", b"\x1bP$q" + b"m" * 997, b""),
    "unterminated colour queries": (b"", b"\x1b]11;", b""),
    "colour query payload without end": (b"", b"\x1b]4;1;" + b"r" * 994, b""),
    "partial ESC[? prefixes": (b"", b"\x1b[?", b""),
    "almost toggles": (b"", b"\x1b[?104", b""),
    "lone ESCs": (b"", b"\x1b", b""),
    "lone ESC before each sequence": (b"", b"\x1b\x1b[m", b""),
    "queries": (b"", b"\x1b[6n\x1b[c\x1b[>q\x1b[?2026$p\x1b]11;?\x07", b""),
    "a query after each text byte": (b"", b"\x1b[cx", b""),
    "splices": (b"", b"\x1b[" * 20 + b"\x1b[6n" + b"6n" * 20, b""),
    "one CSI with 1 MB of parameters": (b"\x1b[", b"1", b""),
}


def _sanitising(name: str, alt: int | None) -> Callable[[int], Callable[[], object]]:
    prefix, unit, suffix = _ADVERSARIAL[name]

    def at(size: int) -> Callable[[], object]:
        data = prefix + _fill(unit, size - len(prefix) - len(suffix)) + suffix
        return lambda: sanitize_for_replay(data, alt)

    return at


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(_ADVERSARIAL))
def test_sanitising_1mb_of_adversarial_output_is_linear(name: str) -> None:
    _assert_linear(_sanitising(name, None))
    _assert_linear(_sanitising(name, 1049))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", [ENTER, b"\x1bP$q", b"\x1b[?", b"\x1b]4;1;?"])
def test_snapshot_of_a_full_log_cut_inside_sequences_is_linear(unit: bytes) -> None:
    # The log is trimmed at arbitrary points, so it starts inside a sequence.
    def make(size: int) -> Callable[[], object]:
        log = OutputLog(max_bytes=size, trim_to=size - 7)
        for _ in range(2):
            log.append(b"?1049h" + _fill(unit, size // 2))
        return log.snapshot

    _assert_linear(make)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "unit", [b"http://localhost:0 ", b"http://127.0.0.1:99999 ", b"https://[::1]:", b"h"]
)
def test_detect_port_on_1mb_of_urls_is_linear(unit: bytes) -> None:
    def make(size: int) -> Callable[[], object]:
        log = OutputLog(max_bytes=size + 1)
        log.append(_fill(unit, size))
        return log.last_local_port

    _assert_linear(make)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", [ENTER, EXIT + b"x", b"\x1b[?"])
def test_tracking_the_alt_screen_through_a_flood_is_linear(unit: bytes) -> None:
    def make(size: int) -> Callable[[], object]:
        chunk = _fill(unit, 65536)

        def feed() -> None:
            log = OutputLog(max_bytes=2 * size)
            for _ in range(size // len(chunk)):
                log.append(chunk)

        return feed

    _assert_linear(make)


def test_last_local_port_after_a_port_with_thousands_of_digits() -> None:
    # int() refuses more than 4300 digits: this was a 500 from detect-port.
    assert _port("http://localhost:3000/ http://localhost:" + "1" * 5000) == 3000
    assert _port("http://localhost:" + "0" * 5000 + "8080/") == 8080


# -- a log in a file -----------------------------------------------------------------------
#
# A server killed with `kill -9` leaves its logs in their files; the next one continues them.


@dataclass(frozen=True)
class _State:
    start: int
    head: int
    alt_mode: int | None
    held: bytes

    @classmethod
    def of(cls, log: OutputLog) -> _State:
        return cls(log.start, log.head, log.alt_mode, log.read(log.start, len(log)))


def _run_python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60,
        check=False,
    )


_KILLED_AFTER_WRITING = """
import os, signal, sys
from pathlib import Path
from termbeam_py.sessions.outlog import OutputLog
log = OutputLog(max_bytes=1000, trim_to=500, path=Path(sys.argv[1]))
for i in range(60):
    log.append(b"line %d http://localhost:%d/\\r\\n" % (i, 3000 + i) + b"x" * (i * 7 % 50))
log.append(b"$ vim\\r\\n\\x1b[?1049h\\x1b[Hdrawn")
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_log_file_left_by_a_killed_process_is_continued_exactly(tmp_path: Path) -> None:
    path = tmp_path / "log"
    done = _run_python(_KILLED_AFTER_WRITING, str(path))
    assert done.returncode == -signal.SIGKILL, done.stderr
    expected = OutputLog(max_bytes=1000, trim_to=500)
    for i in range(60):
        expected.append(b"line %d http://localhost:%d/\r\n" % (i, 3000 + i) + b"x" * (i * 7 % 50))
    expected.append(b"$ vim\r\n\x1b[?1049h\x1b[Hdrawn")
    assert expected.start > 0  # it was trimmed, and wrapped in the file

    log = OutputLog.open(path, max_bytes=1000, trim_to=500)
    assert log.note is None
    assert _State.of(log) == _State.of(expected)
    assert log.alt_mode == 1049
    assert log.snapshot() == expected.snapshot()
    assert log.last_local_port() == 3059
    for more in (b" more\x1b[?10", b"49l$ ", b"y" * 700):  # a leave split across appends
        log.append(more)
        expected.append(more)
        assert _State.of(log) == _State.of(expected)
    assert log.alt_mode is None
    log.close()
    assert _State.of(OutputLog.open(path, max_bytes=1000, trim_to=500)) == _State.of(expected)


def test_a_toggle_split_across_a_restart_is_seen(tmp_path: Path) -> None:
    log = OutputLog(path=tmp_path / "log")
    log.append(b"$ vim\r\n\x1b[?10")
    log.close()
    again = OutputLog.open(tmp_path / "log")
    again.append(b"49hdrawn")
    assert again.alt_mode == 1049
    again.close(unlink=True)
    assert not (tmp_path / "log").exists()


def _chunk(i: int) -> bytes:
    """Chunk `i` of the stream the killed writer below appends (source sent to it)."""
    toggle = b"\x1b[?1049h" if i % 7 == 0 else b"\x1b[?1049l" if i % 11 == 0 else b""
    return b"%d:" % i + bytes([97 + i % 26]) * (i * 37 % 300) + toggle + b"\n" * (i % 3 == 0)


_STREAMING_UNTIL_KILLED = (
    inspect.getsource(_chunk)
    + """
import sys
from pathlib import Path
from termbeam_py.sessions.outlog import OutputLog
log = OutputLog(max_bytes=4096, trim_to=2048, path=Path(sys.argv[1]))
for i in range(10_000_000):
    log.append(_chunk(i))
    if i == int(sys.argv[2]):
        print("ready", flush=True)
sys.exit(3)
"""
)


@pytest.mark.parametrize("ready_after", [500, 1000, 1500, 2000, 2500])
def test_a_writer_killed_at_any_moment_leaves_a_window_of_its_stream(
    tmp_path: Path, ready_after: int
) -> None:
    path = tmp_path / "log"
    with subprocess.Popen(
        [sys.executable, "-c", _STREAMING_UNTIL_KILLED, str(path), str(ready_after)],
        stdout=subprocess.PIPE, text=True,
    ) as writer:
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline() == "ready\n"
        finally:
            writer.kill()  # lands wherever the writer is, mid-append or not
    assert writer.returncode == -signal.SIGKILL
    log = OutputLog.open(path, max_bytes=4096, trim_to=2048)
    assert log.note is None
    found = _State.of(log)
    log.close()
    expected = OutputLog(max_bytes=4096, trim_to=2048)
    appended = 0
    while expected.head < found.head:
        expected.append(_chunk(appended))
        appended += 1
    assert appended > ready_after
    before = _State.of(expected)
    expected.append(_chunk(appended))
    _assert_between(found, before, _State.of(expected))


def _assert_between(found: _State, before: _State, after: _State) -> None:
    """`found`, read back from a file, is the log before or after one operation, or the one
    before with only its start moved on (a kill between the two header writes of an append),
    and holds the stream's bytes."""
    assert before.start <= found.start <= after.start
    assert (found.head, found.alt_mode) in {
        (before.head, before.alt_mode),
        (after.head, after.alt_mode),
    }
    stream_end = before if found.head == before.head else after
    assert found.held == stream_end.held[found.start - stream_end.start :]


_OPS = st.lists(
    st.one_of(
        # Sizes drawn evenly (hypothesis favours short binaries): most runs wrap and trim.
        st.integers(0, 700).flatmap(lambda size: st.binary(min_size=size, max_size=size)),
        st.text(alphabet="ab\né\n", max_size=400).map(str.encode),
        _ALT_TOKENS,
        st.just(b"clear"),
    ),
    max_size=20,
)


def _apply(log: OutputLog, op: bytes) -> None:
    if op == b"clear":
        log.clear()
    else:
        log.append(op)


@settings(max_examples=150, deadline=None)
@given(_SMALL_LOGS, _OPS)
def test_property_a_log_in_a_file_behaves_as_one_in_memory(
    tmp_path_factory: pytest.TempPathFactory, caps: tuple[int, int], ops: list[bytes]
) -> None:
    path = tmp_path_factory.mktemp("log") / "log"
    memory = OutputLog(*caps)
    file = OutputLog(*caps, path=path)
    try:
        for op in ops:
            _apply(memory, op)
            _apply(file, op)
            assert _State.of(file) == _State.of(memory)
            assert file.snapshot() == memory.snapshot()
            assert file.last_local_port() == memory.last_local_port()
    finally:
        file.close()
    again = OutputLog.open(path, *caps)
    assert again.note is None
    assert _State.of(again) == _State.of(memory)
    again.close()


def _file_at_every_store(path: Path, caps: tuple[int, int], ops: list[bytes]) -> list[
    tuple[int, bytes]
]:
    """Run `ops` on a log in `path` and copy the file before every line ring.py runs and at
    every return from it: what a `kill -9` at that point would leave (the page cache is what
    the next process maps). Returns (index of the operation running, file bytes)."""
    log = OutputLog(*caps, path=path)
    copies: list[tuple[int, bytes]] = []
    running = 0

    def in_ring(frame: FrameType, event: str, arg: object) -> TraceFunction:
        if event in ("line", "return"):
            copies.append((running, path.read_bytes()))
        return in_ring

    def calls(frame: FrameType, event: str, arg: object) -> TraceFunction | None:
        return in_ring if frame.f_code.co_filename == ring.__file__ else None

    # Put back the tracer that was there (coverage's, in a measured run), not None: this
    # thread would run the rest of the run unmeasured.
    before = sys.gettrace()
    sys.settrace(calls)
    try:
        for running, op in enumerate(ops):  # noqa: B007 - read by in_ring
            _apply(log, op)
    finally:
        sys.settrace(before)
        log.close()
    return copies


def _assert_window_after_a_kill_anywhere(
    folder: Path, caps: tuple[int, int], ops: list[bytes]
) -> None:
    copies = _file_at_every_store(folder / "log", caps, ops)
    memory = OutputLog(*caps)
    states = [_State.of(memory)]
    for op in ops:
        _apply(memory, op)
        states.append(_State.of(memory))
    assert len(copies) >= 2 * len(ops)
    for running, raw in copies:
        (folder / "crashed").write_bytes(raw)
        log = OutputLog.open(folder / "crashed", *caps)
        try:
            assert log.note is None
            _assert_between(_State.of(log), states[running], states[running + 1])
        finally:
            log.close()


def test_a_kill_at_any_store_of_a_wrapping_log_leaves_a_window_of_the_stream(
    tmp_path: Path,
) -> None:
    ops = [
        b"a" * 50,
        b"b" * 30 + ENTER,  # trims, and overwrites bytes held until then
        b"c\n" * 20,
        bytes(range(200)),  # larger than the log
        b"clear",
        b"d" * 10 + EXIT,
        b"e" * 63,
    ]
    _assert_window_after_a_kill_anywhere(tmp_path, (64, 32), ops)


@settings(max_examples=60, deadline=None)
@given(_SMALL_LOGS, _OPS)
def test_property_a_kill_at_any_store_leaves_a_window_of_the_stream(
    tmp_path_factory: pytest.TempPathFactory, caps: tuple[int, int], ops: list[bytes]
) -> None:
    _assert_window_after_a_kill_anywhere(tmp_path_factory.mktemp("log"), caps, ops)


def test_a_damaged_log_file_gives_an_empty_log_and_a_note(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"\x1b[?1049h" * 1000)
    log = OutputLog.open(path)
    assert log.note is not None
    assert "scrollback starts empty" in log.note
    assert (log.start, log.head, len(log), log.alt_mode) == (0, 0, 0, None)
    assert log.snapshot() == b""
    log.append(b"fine")
    assert log.read(0, 10) == b"fine"
    log.close()


def test_an_append_larger_than_a_file_log_keeps_its_newest_bytes(tmp_path: Path) -> None:
    log = OutputLog(max_bytes=1000, trim_to=500, path=tmp_path / "log")
    log.append(b"old\n")
    data = bytes(i % 251 for i in range(10_000)).replace(b"\n", b"-")
    log.append(data)
    assert (log.start, log.head) == (4 + 10_000 - 500, 10_004)
    assert log.read(log.start, 1000) == data[-500:]
    log.close()
    assert (tmp_path / "log").stat().st_size == 4096 + 1000


# -- end to end ----------------------------------------------------------------------------


async def _viewer(http: aiohttp.ClientSession, server: Server) -> TermWS:
    term = TermWS(await http.ws_connect(server.base.replace("http", "ws", 1) + "/ws"))
    await term.send({"type": "auth", "password": server.password})
    await term.expect("auth_ok")
    return term


async def test_a_flood_of_alt_screen_enters_does_not_freeze_the_server(
    spawn: Callable[..., Server], tmp_path: Path
) -> None:
    """The finding: 400 KB of ESC[?1049h without a leave froze every session and /health
    for over a minute on the next attach (and again on every reconnect)."""
    server = spawn()
    await server.start()
    await server.started()
    flood = tmp_path / "enters"
    flood.write_bytes(ENTER * 50_000)
    timeout = aiohttp.ClientTimeout(total=READ_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
            [session] = await response.json()
        first = await _viewer(http, server)
        await first.attach(session["id"])
        await first.expect("attached")
        await first.resize(80, 24)
        await first.read_until("$ ")
        await first.type(f"cat {flood}; echo TB''FLOOD''DONE\r")
        await first.read_until("TBFLOODDONE")

        second = await _viewer(http, server)
        await second.attach(session["id"])

        async def health() -> int:
            async with http.get(server.base + "/health") as response:
                return response.status

        replay, status = await asyncio.gather(second.expect("replay"), health())
        assert status == 200
        # The 400 KB of enters are gone; the screen is re-entered once, before what was drawn.
        assert replay["data"].count(ENTER.decode()) == 1
        assert ENTER.decode() + "TBFLOODDONE\r\n" in replay["data"]
        assert len(replay["data"]) < 1000
        await second.expect("attached")
        await second.ws.close()
        await first.ws.close()
