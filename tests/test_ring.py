"""The byte ring behind each session's output log, in memory and in a file (sessions/ring.py)."""

from __future__ import annotations

import os
import re
import stat
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from termbeam_py.sessions.ring import HEADER_SIZE, MAGIC, SLOT_SIZE, VERSION, Ring

_FIELDS = struct.Struct("<8sIIQQQQ")


def _slot(capacity: int, start: int, head: int, *, generation: int = 1, mode: int = 0) -> bytes:
    """A header slot written independently of ring.py, to check the format is what it says."""
    fields = _FIELDS.pack(MAGIC, VERSION, mode, capacity, generation, start, head)
    return fields + struct.pack("<I", zlib.crc32(fields))


def _ring(path: Path, capacity: int = 16) -> Ring:
    """The ring left in `path`, continued."""
    return Ring(capacity, path, adopt=True)


@pytest.fixture(params=["memory", "file"])
def ring(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ring]:
    made = Ring(10, None if request.param == "memory" else tmp_path / "log")
    yield made
    made.close()


# -- the ring ------------------------------------------------------------------------------


def test_bytes_are_addressed_by_sequence_number_across_the_wrap(ring: Ring) -> None:
    ring.append(b"0123456", 0, 0)
    ring.append(b"789ab", 2, 0)  # 12 bytes ever; the newest 10 held, "ab" wrapped to 0-1
    assert (ring.start, ring.head, len(ring)) == (2, 12, 10)
    assert ring.read(2, 12) == b"23456789ab"
    assert ring.read(9, 12) == b"9ab"
    assert ring.read(10, 12) == b"ab"
    assert ring.read(4, 4) == b""
    ring.append(b"cdefghij", 12, 0)  # wraps again: ring positions 2-9
    assert ring.read(12, 20) == b"cdefghij"
    assert ring.read(10, 20) == b"abcdefghij"


def test_match_sees_the_held_bytes_in_order_whether_or_not_they_wrap(ring: Ring) -> None:
    last_digit = re.compile(rb"(?s:.*)(\d)")
    ring.append(b"x1y2z", 0, 0)
    match = ring.match(last_digit)
    assert match is not None
    assert match.group(1) == b"2"
    ring.append(b"3abcdefg", 4, 0)  # held: "z3abcdefg" from sequence 4, wrapped
    match = ring.match(last_digit)
    assert match is not None
    assert match.group(1) == b"3"
    assert ring.match(re.compile(rb"z3abcdefg\Z")) is not None


def test_an_append_larger_than_the_ring_keeps_its_newest_bytes(ring: Ring) -> None:
    ring.append(b"abc", 0, 0)
    data = bytes(range(65, 65 + 25))
    ring.append(data, 28 - 10, 0)
    assert (ring.start, ring.head) == (18, 28)
    assert ring.read(18, 28) == data[-10:]


def test_clear_holds_nothing_and_keeps_the_head(ring: Ring) -> None:
    ring.append(b"abcdef", 0, 0)
    ring.clear(0)
    assert (ring.start, ring.head, len(ring)) == (6, 6, 0)
    ring.append(b"gh", 6, 0)
    assert ring.read(6, 8) == b"gh"


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Ring(0)


# -- the file ------------------------------------------------------------------------------


def test_file_is_a_header_page_then_the_data_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "log"
    ring = Ring(16, path)
    ring.append(b"hello", 0, 1049)
    raw = path.read_bytes()
    assert len(raw) == HEADER_SIZE + 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert raw[HEADER_SIZE : HEADER_SIZE + 5] == b"hello"
    # Made (generation 1), then appended to (generation 2, the other slot).
    assert raw[SLOT_SIZE : SLOT_SIZE + 52] == _slot(16, 0, 0, generation=1)
    assert raw[:52] == _slot(16, 0, 5, generation=2, mode=1049)
    ring.close()


def test_a_wider_mode_on_an_existing_file_is_narrowed_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"")
    path.chmod(0o644)
    Ring(16, path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_reopened_file_continues_where_it_was(tmp_path: Path) -> None:
    path = tmp_path / "log"
    ring = Ring(16, path)
    ring.append(b"0123456789abcdef", 0, 0)
    ring.append(b"ghij", 8, 47)  # wraps
    ring.close()
    again = _ring(path)
    assert again.note is None
    assert (again.start, again.head, again.mode) == (8, 20, 47)
    assert again.read(8, 20) == b"89abcdefghij"
    again.append(b"k", 8, 0)
    assert again.read(8, 21) == b"89abcdefghijk"
    again.close()


def test_a_second_process_cannot_open_a_ring_in_use(tmp_path: Path) -> None:
    path = tmp_path / "log"
    ring = Ring(16, path)
    with pytest.raises(BlockingIOError):
        _ring(path)
    ring.close()
    _ring(path).close()


def test_a_new_ring_replaces_whatever_the_file_held(tmp_path: Path) -> None:
    path = tmp_path / "log"
    ring = Ring(16, path)
    ring.append(b"old", 0, 1049)
    ring.close()
    fresh = Ring(16, path)
    assert (fresh.start, fresh.head, fresh.mode, fresh.note) == (0, 0, 0, None)
    assert path.read_bytes()[HEADER_SIZE:] == bytes(16)
    fresh.close()


def test_close_keeps_the_file_and_unlink_deletes_it(tmp_path: Path) -> None:
    path = tmp_path / "log"
    Ring(16, path).close()
    assert path.exists()
    _ring(path).close(unlink=True)
    assert not path.exists()


def test_a_symlink_or_a_fifo_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_bytes(b"keep")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(OSError):  # noqa: PT011 - ELOOP, whatever its message
        Ring(16, tmp_path / "link")
    assert target.read_bytes() == b"keep"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file"):
        Ring(16, tmp_path / "fifo")


# -- damaged files: an empty ring and a note, never an exception ---------------------------


def _written(tmp_path: Path, *, mode: int = 0) -> Path:
    """A ring file holding sequence 6-21 ("ghijklmnopqrstuv"), closed; its header's
    newest slot is the first (generation 4), the second holds generation 3."""
    path = tmp_path / "log"
    ring = Ring(16, path)
    ring.append(b"abcdefghijklmnopqrst", 4, mode)
    ring.append(b"uv", 6, mode)
    ring.close()
    return path


def _assert_empty(ring: Ring, head: int, note: str) -> None:
    """`ring` was damaged: it holds nothing from `head` on, says so, and works."""
    assert ring.note is not None
    assert note in ring.note
    assert (ring.start, ring.head, len(ring), ring.mode) == (head, head, 0, 0)
    # The file was made anew and works.
    ring.append(b"xy", head, 0)
    assert ring.read(head, head + 2) == b"xy"
    ring.close()
    again = _ring(ring.path or Path(), ring.capacity)
    assert (again.note, again.start, again.head) == (None, head, head + 2)
    again.close()


def test_a_truncated_file_starts_empty_at_its_old_head(tmp_path: Path) -> None:
    path = _written(tmp_path)
    os.truncate(path, HEADER_SIZE + 5)
    _assert_empty(_ring(path), 22, "damaged")


def test_a_file_cut_inside_its_header_starts_empty_at_zero(tmp_path: Path) -> None:
    path = _written(tmp_path)
    os.truncate(path, 30)
    _assert_empty(_ring(path), 0, "no valid header")


def test_an_empty_or_missing_file_starts_empty(tmp_path: Path) -> None:
    _assert_empty(_ring(tmp_path / "missing"), 0, "missing or empty")
    (tmp_path / "empty").write_bytes(b"")
    _assert_empty(_ring(tmp_path / "empty"), 0, "missing or empty")


def test_a_garbage_file_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(bytes(range(256)) * 17)
    _assert_empty(_ring(path), 0, "no valid header")


def test_a_ring_of_another_capacity_starts_empty_at_its_old_head(tmp_path: Path) -> None:
    path = _written(tmp_path)
    _assert_empty(Ring(32, path, adopt=True), 22, "holds 16 bytes, expected 32")


def test_a_file_grown_past_its_size_starts_empty(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with path.open("ab") as grown:
        grown.write(b"more")
    _assert_empty(_ring(path), 22, "damaged")


def test_both_header_slots_corrupt_start_empty_at_zero(tmp_path: Path) -> None:
    path = _written(tmp_path, mode=1049)
    raw = bytearray(path.read_bytes())
    raw[40] ^= 1  # a bit of the newest slot's head
    raw[SLOT_SIZE + 50] ^= 1  # a bit of the other slot's CRC
    path.write_bytes(raw)
    _assert_empty(_ring(path), 0, "no valid header")


def test_a_torn_newest_slot_leaves_the_previous_state(tmp_path: Path) -> None:
    # A kill in the middle of a header write: the other slot still describes held bytes.
    path = _written(tmp_path, mode=1049)
    raw = bytearray(path.read_bytes())
    raw[40] ^= 1
    path.write_bytes(raw)
    ring = _ring(path)
    assert ring.note is None
    # Generation 3: the start advanced for the "uv" append, which is not held yet.
    assert (ring.start, ring.head, ring.mode) == (6, 20, 1049)
    assert ring.read(6, 20) == b"ghijklmnopqrst"
    ring.close()


@pytest.mark.parametrize(
    ("start", "head", "why"),
    [
        (5, 4, "start after head"),
        (0, 17, "more than the capacity held"),
        (2**64 - 2, 2**64 - 1, "no room left to count"),
    ],
)
def test_a_header_with_a_valid_crc_but_impossible_values_is_damage(
    tmp_path: Path, start: int, head: int, why: str
) -> None:
    path = tmp_path / "log"
    header = _slot(16, start, head).ljust(HEADER_SIZE, b"\0")
    path.write_bytes(header + bytes(16))
    _assert_empty(_ring(path), 0, "no valid header")
