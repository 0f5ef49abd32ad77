"""Unit tests of the WebSocket client-message parser and the binary output frame."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termbeam_py.protocol import (
    OP_OUTPUT,
    Ack,
    Attach,
    Auth,
    Ignored,
    Input,
    InvalidMessage,
    Resize,
    event_message,
    json_output_message,
    output_frame,
    parse_client_message,
)
from termbeam_py.sessions.activity import CommandDone
from termbeam_py.sessions.events import Attached, Exited, Notification, Replay


def parse(message: object) -> object:
    return parse_client_message(json.dumps(message))


# -- one test per message type -------------------------------------------------------------


def test_input() -> None:
    assert parse({"type": "input", "data": "ls -la\r"}) == Input("ls -la\r")


def test_input_keeps_data_unchanged() -> None:
    data = "line one\nline two\r\x1b[A\x03é😀"
    assert parse({"type": "input", "data": data}) == Input(data)


def test_empty_input_is_valid() -> None:
    assert parse({"type": "input", "data": ""}) == Input("")


def test_resize() -> None:
    assert parse({"type": "resize", "cols": 120, "rows": 30}) == Resize(120, 30)


def test_resize_bounds_inclusive() -> None:
    assert parse({"type": "resize", "cols": 1, "rows": 1}) == Resize(1, 1)
    assert parse({"type": "resize", "cols": 500, "rows": 200}) == Resize(500, 200)


def test_resize_floats_floored() -> None:
    assert parse({"type": "resize", "cols": 80.9, "rows": 24.2}) == Resize(80, 24)
    assert parse({"type": "resize", "cols": 500.5, "rows": 200.9}) == Resize(500, 200)


@pytest.mark.parametrize(
    ("cols", "rows"),
    [
        (0, 24),
        (80, 0),
        (501, 24),
        (80, 201),
        (-1, 24),
        (80, -5),
        ("80", 24),
        (80, "24"),
        (None, 24),
        (80, None),
        (True, 24),
        (80, [24]),
        (0.5, 24),
    ],
)
def test_resize_out_of_bounds_or_wrong_type_is_ignored(cols: object, rows: object) -> None:
    assert parse({"type": "resize", "cols": cols, "rows": rows}) == Ignored()


def test_resize_missing_fields_is_ignored() -> None:
    assert parse({"type": "resize"}) == Ignored()
    assert parse({"type": "resize", "cols": 80}) == Ignored()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_resize_nan_like_is_ignored(literal: str) -> None:
    # Python's json accepts these non-standard literals: they must not become sizes.
    text = f'{{"type": "resize", "cols": {literal}, "rows": 24}}'
    assert parse_client_message(text) == Ignored()
    text = f'{{"type": "resize", "cols": 80, "rows": {literal}}}'
    assert parse_client_message(text) == Ignored()


def test_auth_password() -> None:
    assert parse({"type": "auth", "password": "pw"}) == Auth("pw", None)


def test_auth_token() -> None:
    assert parse({"type": "auth", "token": "tok"}) == Auth(None, "tok")


def test_auth_non_string_fields_become_none() -> None:
    assert parse({"type": "auth", "password": 5, "token": ["x"]}) == Auth(None, None)


def test_attach() -> None:
    assert parse({"type": "attach", "sessionId": "abc"}) == Attach("abc", binary=False, since=None)


def test_attach_binary_only_when_true() -> None:
    assert parse({"type": "attach", "sessionId": "a", "binary": True}).binary is True  # type: ignore[attr-defined]
    for value in (1, "true", "yes", None, False):
        message = parse({"type": "attach", "sessionId": "a", "binary": value})
        assert message == Attach("a", binary=False, since=None)


def test_attach_since() -> None:
    assert parse({"type": "attach", "sessionId": "a", "binary": True, "since": 1234}) == Attach(
        "a", binary=True, since=1234
    )
    assert parse({"type": "attach", "sessionId": "a", "since": 0}).since == 0  # type: ignore[attr-defined]
    assert parse({"type": "attach", "sessionId": "a", "since": 12.7}).since == 12  # type: ignore[attr-defined]


@pytest.mark.parametrize("since", [-1, "12", None, True, [1]])
def test_attach_bad_since_means_no_resume(since: object) -> None:
    assert parse({"type": "attach", "sessionId": "a", "since": since}) == Attach("a")


def test_attach_nan_since_means_no_resume() -> None:
    assert parse_client_message('{"type":"attach","sessionId":"a","since":NaN}') == Attach("a")


def test_integers_beyond_float_range_are_parsed_not_raised() -> None:
    """Found by tests/test_fuzz.py: `1` and 400 zeros is a valid JSON number, and turning it
    into a float raised OverflowError, which ended the WebSocket's handler with a traceback."""
    huge = 10**400
    assert parse_client_message(f'{{"type":"ack","seq":{huge}}}') == Ack(huge)
    assert parse_client_message(f'{{"type":"attach","sessionId":"a","since":{huge}}}') == \
        Attach("a", since=huge)
    assert parse_client_message(f'{{"type":"resize","cols":{huge},"rows":24}}') == Ignored()
    with pytest.raises(InvalidMessage):
        parse_client_message(f'{{"type":"ack","seq":-{huge}}}')


@pytest.mark.parametrize(
    "message",
    [
        {"type": "attach"},
        {"type": "attach", "sessionId": ""},
        {"type": "attach", "sessionId": 5},
        {"type": "attach", "sessionId": None},
        {"type": "attach", "sessionId": ["a"]},
        {"type": "attach", "sessionId": "x" * 65},
    ],
)
def test_attach_without_valid_session_id_is_invalid(message: dict[str, object]) -> None:
    with pytest.raises(InvalidMessage):
        parse(message)


def test_attach_long_session_id_within_limit() -> None:
    assert parse({"type": "attach", "sessionId": "x" * 64}) == Attach("x" * 64)


def test_ack() -> None:
    assert parse({"type": "ack", "seq": 0}) == Ack(0)
    assert parse({"type": "ack", "seq": 2**40}) == Ack(2**40)
    assert parse({"type": "ack", "seq": 10.9}) == Ack(10)


@pytest.mark.parametrize("seq", [-1, "5", None, True, [], {}])
def test_ack_needs_non_negative_seq(seq: object) -> None:
    with pytest.raises(InvalidMessage):
        parse({"type": "ack", "seq": seq})


def test_ack_missing_seq_is_invalid() -> None:
    with pytest.raises(InvalidMessage):
        parse({"type": "ack"})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_ack_nan_like_is_invalid(literal: str) -> None:
    with pytest.raises(InvalidMessage):
        parse_client_message(f'{{"type":"ack","seq":{literal}}}')


def test_ping_is_ignored() -> None:
    assert parse({"type": "ping"}) == Ignored()


@pytest.mark.parametrize(
    "message",
    [{"type": "copilot.send", "prompt": "hi"}, {"type": "nope"}, {}, {"type": 5}, {"data": "x"}],
)
def test_unknown_types_are_ignored(message: dict[str, object]) -> None:
    assert parse(message) == Ignored()


# -- invalid messages ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "not json", "{", '{"type":"input"', "ls -la\r", "\x00"])
def test_invalid_json(text: str) -> None:
    with pytest.raises(InvalidMessage):
        parse_client_message(text)


@pytest.mark.parametrize("text", ["[]", '["input","x"]', '"input"', "5", "null", "true"])
def test_non_object(text: str) -> None:
    with pytest.raises(InvalidMessage):
        parse_client_message(text)


@pytest.mark.parametrize("data", [None, 5, ["l", "s"], {"a": 1}, True])
def test_input_with_non_string_data(data: object) -> None:
    with pytest.raises(InvalidMessage):
        parse({"type": "input", "data": data})


def test_input_without_data() -> None:
    with pytest.raises(InvalidMessage):
        parse({"type": "input"})


def test_invalid_message_is_a_value_error() -> None:
    assert issubclass(InvalidMessage, ValueError)


def test_deeply_nested_json_is_invalid_not_a_crash() -> None:
    # A 200 kB frame (well under the 1 MiB WebSocket limit) of nested arrays makes the
    # JSON decoder recurse too deep: the parser must reject it as InvalidMessage like any
    # other malformed frame, not let RecursionError escape into the socket handler.
    with pytest.raises(InvalidMessage):
        parse_client_message("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InvalidMessage):
        parse_client_message('{"type":"input","data":' + "[" * 100_000)


# -- property: nothing but InvalidMessage escapes ------------------------------------------


def _check_never_raises_other(text: str) -> None:
    try:
        result = parse_client_message(text)
    except InvalidMessage:
        return
    assert isinstance(result, Auth | Attach | Input | Resize | Ack | Ignored)


@given(st.text())
def test_arbitrary_text_only_raises_invalid_message(text: str) -> None:
    _check_never_raises_other(text)


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.sampled_from(["input", "resize", "ack", "attach", "auth", "ping", "x"]),
    st.dictionaries(
        st.sampled_from(
            ["data", "cols", "rows", "seq", "sessionId", "since", "binary", "password", "token"]
        ),
        _json_values,
    ),
)
def test_arbitrary_fields_only_raise_invalid_message(kind: str, fields: dict[str, object]) -> None:
    _check_never_raises_other(json.dumps({"type": kind, **fields}))


@given(
    st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)),
    st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_resize_is_in_bounds_or_ignored(cols: float, rows: float) -> None:
    result = parse_client_message(json.dumps({"type": "resize", "cols": cols, "rows": rows}))
    if isinstance(result, Resize):
        assert 1 <= result.cols <= 500
        assert 1 <= result.rows <= 200
        assert isinstance(result.cols, int)
        assert isinstance(result.rows, int)
        assert result.cols == int(cols)
        assert result.rows == int(rows)
    else:
        assert result == Ignored()
        in_bounds = (
            cols == cols
            and rows == rows
            and 1 <= cols < 501
            and 1 <= rows < 201
            and int(cols) >= 1
            and int(rows) >= 1
        )
        assert not in_bounds


# -- output frames -------------------------------------------------------------------------


def test_output_frame_layout() -> None:
    frame = output_frame(0x0102030405060708, b"hello")
    assert frame[0] == OP_OUTPUT == 0x01
    assert frame[1:9] == bytes([1, 2, 3, 4, 5, 6, 7, 8])
    assert frame[9:] == b"hello"
    assert len(frame) == 9 + 5


def test_output_frame_empty_payload_and_zero_seq() -> None:
    assert output_frame(0, b"") == b"\x01" + b"\x00" * 8


def test_output_frame_large_seq() -> None:
    frame = output_frame(2**64 - 1, b"\xff\x00")
    assert frame == b"\x01" + b"\xff" * 8 + b"\xff\x00"


@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=512))
def test_output_frame_round_trip(seq: int, data: bytes) -> None:
    frame = output_frame(seq, data)
    op, got_seq = struct.unpack(">BQ", frame[:9])
    assert (op, got_seq, frame[9:]) == (OP_OUTPUT, seq, data)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_json_output_message_matches_json_dumps(text: str) -> None:
    expected = json.dumps({"type": "output", "data": text}, ensure_ascii=False,
                          separators=(",", ":")).encode()
    assert json_output_message(text) == expected
    assert json.loads(json_output_message(text)) == {"type": "output", "data": text}


def test_json_output_message_escapes_terminal_output() -> None:
    text = 'a"b\\c\x1b[31mred\x07\tz\r\n\x00é中😀\x7f'
    assert json_output_message(text) == (
        b'{"type":"output","data":"a\\"b\\\\c\\u001b[31mred\\u0007\\tz\\r\\n\\u0000'
        + "é中😀\x7f".encode() + b'"}'
    )


# -- server messages from session events ---------------------------------------------------


def test_replay_and_attached_carry_sequence_numbers_only_for_binary_viewers() -> None:
    assert event_message(Replay("screen", 42, binary=False)) == {
        "type": "replay", "data": "screen"}
    assert event_message(Replay("screen", 42, binary=True)) == {
        "type": "replay", "data": "screen", "seq": 42}
    assert event_message(Attached("abc", 7, binary=False, resumed=True)) == {
        "type": "attached", "sessionId": "abc"}
    assert event_message(Attached("abc", 7, binary=True, resumed=True)) == {
        "type": "attached", "sessionId": "abc", "seq": 7, "resumed": True}
    # The boot id is extension-only too: JSON viewers see exactly the documented message.
    assert event_message(Attached("abc", 7, binary=False), "b00t") == {
        "type": "attached", "sessionId": "abc"}
    assert event_message(Attached("abc", 7, binary=True), "b00t") == {
        "type": "attached", "sessionId": "abc", "seq": 7, "resumed": False, "boot": "b00t"}


def test_exit_message() -> None:
    assert event_message(Exited(137)) == {"type": "exit", "code": 137}


def test_notification_documented_keys_first_then_what_is_known() -> None:
    bare = event_message(Notification("id1", "build", CommandDone(1000)))
    assert list(bare) == ["type", "notificationType", "sessionName", "timestamp", "sessionId"]
    assert bare == {"type": "notification", "notificationType": "command-complete",
                    "sessionName": "build", "timestamp": 1000, "sessionId": "id1"}
    full = event_message(
        Notification("id1", "build", CommandDone(1000, "make", 2, 5300)))
    assert full == {**bare, "command": "make", "exitCode": 2, "durationMs": 5300}
