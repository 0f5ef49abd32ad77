"""The mapped byte buffer behind each session's output log (sessions/mapped.py)."""

from __future__ import annotations

import re

import pytest

from termbeam_py.sessions.mapped import SLACK, MappedBuffer


def test_extend_slice_and_drop_front() -> None:
    buf = MappedBuffer(100)
    buf.extend(b"hello ")
    buf.extend(b"world\n")
    assert len(buf) == 12
    assert buf.slice(0, 12) == b"hello world\n"
    assert buf.slice(6, 1000) == b"world\n"
    assert buf.slice(20, 30) == b""
    buf.drop_front(6)
    assert buf.slice(0, len(buf)) == b"world\n"
    assert buf.byte(0) == ord("w")
    with pytest.raises(IndexError):
        buf.byte(6)


def test_find_and_match_see_only_the_held_bytes() -> None:
    buf = MappedBuffer(100)
    buf.extend(b"abcabc")
    buf.drop_front(3)  # the mapping still holds "abc" past the end: it must not be seen
    assert buf.find(b"c", 0, 100) == 2
    assert buf.find(b"abc", 1, 100) == -1
    match = buf.match(re.compile(rb"(?s:.*)c"))
    assert match is not None
    assert match.end() == 3


def test_an_append_past_the_capacity_grows_the_mapping() -> None:
    buf = MappedBuffer(10)
    first = b"x" * (10 + SLACK)
    buf.extend(first)
    buf.extend(b"tail")
    assert len(buf) == len(first) + 4
    assert buf.slice(len(first) - 2, len(buf)) == b"xxtail"


def test_release_empties_the_buffer_and_it_stays_usable() -> None:
    buf = MappedBuffer(1000)
    buf.extend(b"z" * 900)
    buf.release()
    assert len(buf) == 0
    buf.extend(b"again")
    assert buf.slice(0, 5) == b"again"
