"""A byte ring addressed by sequence number, in a memory mapping: a session's output log.

The byte with sequence number `s` lives at data offset `s % capacity`; the ring holds
[start, head), at most `capacity` bytes. Appending never moves held bytes: dropping the oldest
only moves `start`.

The mapping is either anonymous and private (a log that dies with the process: shared
anonymous memory is shmem, which MADV_DONTNEED does not free, and a mapping of its own is
given back whole, where a `bytearray` climbed glibc's heap; benchmarks/README.md, Soak) or a
shared mapping of a file, so that a server killed with `kill -9` leaves its log in the page
cache and the next server continues it at the same sequence numbers.

File layout: a header page, then `capacity` data bytes. The header holds two slots; each is
magic, format version, mode (the caller's small integer: the alt-screen mode), capacity,
generation, start and head, and a CRC32 over them. A write goes to the slot not holding the
newest generation, so a write torn by a kill leaves the other, previous, one to read.

A kill may land between any two stores, so the stores are ordered for it: data is written
before the header that makes it held, and when an append will overwrite bytes the header
still calls held, the header's start is advanced first (holding less is always true). So the
newest whole slot always describes bytes that are really there. There is no msync or fsync:
surviving a process kill needs only the page cache. A machine crash or power cut is out of
scope (the kernel writes pages back in any order; the shells are gone then anyway).
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import re
import stat
import struct
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HEADER_SIZE = 4096
"""The header page before the data: slots at 0 and SLOT_SIZE, the rest zero."""
SLOT_SIZE = 64
MAGIC = b"TBOUTLOG"
VERSION = 1
_FIELDS = struct.Struct("<8sIIQQQQ")  # magic, version, mode, capacity, generation, start, head
_CRC = struct.Struct("<I")
_FAR = 1 << 62
#: Private, not mmap's default shared: shared anonymous memory is shmem, which MADV_DONTNEED
#: does not free.
_ANONYMOUS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS


@dataclass(frozen=True, slots=True)
class _Slot:
    mode: int
    capacity: int
    generation: int
    start: int
    head: int


def _parse_slot(raw: bytes) -> _Slot | None:
    """The slot in `raw`, or None when it is not a whole, consistent one."""
    if len(raw) < _FIELDS.size + _CRC.size:
        return None
    fields = raw[: _FIELDS.size]
    (crc,) = _CRC.unpack_from(raw, _FIELDS.size)
    if zlib.crc32(fields) != crc:
        return None
    magic, version, mode, capacity, generation, start, head = _FIELDS.unpack(fields)
    # A head this far on is no log's (4 EiB written): it would overflow the field soon.
    if magic != MAGIC or version != VERSION or not start <= head <= start + capacity < _FAR:
        return None
    return _Slot(mode, capacity, generation, start, head)


def _newest_slot(header: bytes) -> _Slot | None:
    slots = [_parse_slot(header[at : at + SLOT_SIZE]) for at in (0, SLOT_SIZE)]
    valid = [slot for slot in slots if slot is not None]
    return max(valid, key=lambda slot: slot.generation) if valid else None


def _open_file(path: Path) -> int:
    """Open (or create, 0600) the ring file and take its lock; never follows a symlink."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise OSError(f"{path} is not a regular file of this user")
        if stat.S_IMODE(info.st_mode) != 0o600:
            os.fchmod(fd, 0o600)
        # Two live writers would interleave their sequence numbers. The lock goes with the
        # process, so a killed server does not hold it.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _allocate(fd: int, size: int) -> None:
    """Give every page of the file its storage now: a store into a hole of a shared mapping
    on a full file system is a SIGBUS, which would kill the server mid-append."""
    if hasattr(os, "posix_fallocate"):
        os.posix_fallocate(fd, 0, size)
        return
    zeros = bytes(64 * 1024)  # macOS: no fallocate; writing the (fresh, empty) file does it
    for at in range(0, size, len(zeros)):
        os.pwrite(fd, zeros[: size - at], at)


class Ring:
    """Bytes [start, head) of a sequence-numbered stream, the newest `capacity` at most.

    Args:
        capacity: data bytes (the most the ring holds).
        path: None for an anonymous mapping; else the ring's file (its directory must exist).
        adopt: continue the file's ring if it is whole; otherwise, and when False, the file
            is made anew (empty, at sequence 0, or at the damaged ring's head if its header
            could still be read, so sequence numbers go on).

    Raises:
        OSError: the file could not be opened, locked (another process has it), sized or
            mapped. Bad contents never raise: see `note`.
    """

    def __init__(self, capacity: int, path: Path | None = None, *, adopt: bool = False) -> None:
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, not {capacity}")
        self.capacity = capacity
        self.path = path
        self.note: str | None = None
        """Why an adopted file's contents were not continued (for the caller to log)."""
        self.mode = 0
        """The caller's small integer, kept in the header (the alt-screen mode)."""
        self.start = 0
        """Sequence number of the oldest byte held (read-only for callers)."""
        self.head = 0
        """Sequence number of the next byte appended (read-only for callers)."""
        self._generation = 0
        self._close_fd: Callable[[], object] | None = None
        if path is None:
            self._base = 0
            self._map = mmap.mmap(-1, capacity, flags=_ANONYMOUS)
            return
        self._base = HEADER_SIZE
        fd = _open_file(path)
        close_fd = self._close_fd = weakref.finalize(self, os.close, fd)
        try:
            self._map = self._map_file(fd, adopt)
        except BaseException:
            close_fd()
            raise

    def __len__(self) -> int:
        return self.head - self.start

    def append(self, data: bytes, start: int, mode: int) -> None:
        """Add `data` at the head and hold from sequence `start` on, with `mode`.

        `start` is in [self.start, head + len(data)] and leaves at most `capacity` bytes
        held; bytes of `data` before it are not written at all.
        """
        # On the output path for every PTY read: attributes, no property or helper calls.
        old_head = self.head
        head = old_head + len(data)
        durable = self._close_fd is not None
        if durable and head - self.start > self.capacity and old_head > self.start:
            # The new bytes land on some the header still holds: let go of them first.
            self.start = min(start, old_head)
            self._publish()
        stored: bytes | memoryview = data
        seq = old_head
        if start > old_head:  # the bytes before `start` would be dropped at once
            stored, seq = memoryview(data)[start - old_head :], start
        at = self._base + seq % self.capacity
        end = at + len(stored)
        if end <= self._base + self.capacity:
            self._map[at:end] = stored
        else:
            self._store_wrapped(at, stored)
        self.start, self.head, self.mode = start, head, mode
        if durable:
            self._publish()

    def read(self, since: int, stop: int) -> bytes:
        """Bytes [since, stop) (both within [start, head]), joined across the wrap."""
        if stop <= since:
            return b""
        at = self._base + since % self.capacity
        end = at + stop - since
        limit = self._base + self.capacity
        if end <= limit:
            return self._map[at:end]
        return self._map[at:limit] + self._map[self._base : end - self.capacity]

    def match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """`pattern.match` over the held bytes: in place when they do not wrap."""
        at = self._base + self.start % self.capacity
        end = at + len(self)
        if end <= self._base + self.capacity:
            return pattern.match(self._map, at, end)
        return pattern.match(self.read(self.start, self.head))

    def clear(self, mode: int) -> None:
        """Hold nothing from now on; the head stays."""
        self.start, self.mode = self.head, mode
        if self._close_fd is not None:
            # The file's pages stay allocated (see `_allocate`); only anonymous ones go back.
            self._publish()
        else:
            self._map.madvise(mmap.MADV_DONTNEED)

    def close(self, *, unlink: bool = False) -> None:
        """Unmap and close; with `unlink`, delete the file too (its session has ended)."""
        self._map.close()
        if self._close_fd is not None:
            self._close_fd()
        if unlink and self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _store_wrapped(self, at: int, data: bytes | memoryview) -> None:
        """Store `data` from mapping offset `at` on, going on at the start of the data."""
        view = memoryview(data)
        first = self._base + self.capacity - at
        self._map[at : at + first] = view[:first]
        self._map[self._base : self._base + len(view) - first] = view[first:]

    def _publish(self) -> None:
        """Write the header into the slot not holding the newest generation."""
        self._generation += 1
        fields = _FIELDS.pack(
            MAGIC, VERSION, self.mode, self.capacity, self._generation, self.start, self.head
        )
        at = (self._generation % 2) * SLOT_SIZE
        self._map[at : at + _FIELDS.size] = fields
        _CRC.pack_into(self._map, at + _FIELDS.size, zlib.crc32(fields))

    def _map_file(self, fd: int, adopt: bool) -> mmap.mmap:
        size = HEADER_SIZE + self.capacity
        found = os.fstat(fd).st_size
        slot = _newest_slot(os.pread(fd, 2 * SLOT_SIZE, 0)) if adopt else None
        if adopt:
            self.note = self._damage(found, slot)
        if adopt and self.note is None and slot is not None:
            _allocate(fd, size)
            ring = mmap.mmap(fd, size, mmap.MAP_SHARED)
            self.mode, self._generation = slot.mode, slot.generation
            self.start, self.head = slot.start, slot.head
            return ring
        # Made anew: a head whose slot was whole goes on, as an empty ring.
        self.start = self.head = slot.head if slot is not None else 0
        os.ftruncate(fd, 0)
        os.ftruncate(fd, size)
        _allocate(fd, size)
        ring = mmap.mmap(fd, size, mmap.MAP_SHARED)
        self._map = ring
        self._publish()
        return ring

    def _damage(self, found: int, slot: _Slot | None) -> str | None:
        """What keeps the file from being continued, or None."""
        size = HEADER_SIZE + self.capacity
        if found == 0:
            return "output log file was missing or empty; scrollback starts empty"
        if slot is None:
            return "output log was damaged (no valid header); scrollback starts empty at 0"
        if slot.capacity != self.capacity:
            return (
                f"output log holds {slot.capacity} bytes, expected {self.capacity}; "
                "scrollback starts empty"
            )
        if found != size:
            return (
                f"output log was damaged ({found} bytes, expected {size}); scrollback starts empty"
            )
        return None
