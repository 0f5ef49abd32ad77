"""Unit tests of the sequence-numbered output log and replay sanitising."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termbeam_py.sessions.outlog import (
    MAX_BYTES,
    NEWLINE_SLACK,
    TRIM_TO,
    OutputLog,
    sanitize_for_replay,
)

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
