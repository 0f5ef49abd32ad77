"""A byte buffer in an anonymous memory mapping of its own, for a session's output log.

A log grows to a megabyte, loses its older half, grows again, and lives as long as its
session. Kept in a `bytearray`, it climbed through glibc's heap by reallocation: once one
large block had been freed, glibc served every later log from the heap, and the logs of
deleted sessions left holes the heap could not give back (the soak's RSS rose by ~4.5 MB a
minute under session churn; benchmarks/README.md, Soak). A mapping of its own never moves
and is returned whole: pages count toward RSS only once written, and `release` or the
buffer's end gives them all back.
"""

from __future__ import annotations

import mmap
import re

#: Private, not mmap's default shared: shared anonymous memory is shmem, which MADV_DONTNEED
#: does not free.
_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS
SLACK = 256 * 1024
"""Room past the nominal capacity, so an append that overshoots before a trim fits."""


class MappedBuffer:
    """Bytes [0, len) of a private anonymous mapping; grows by remapping when it must."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity + SLACK
        self._map = mmap.mmap(-1, self._capacity, flags=_FLAGS)
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def extend(self, data: bytes) -> None:
        end = self._len + len(data)
        if end > self._capacity:
            self._grow(end)
        self._map[self._len : end] = data
        self._len = end

    def drop_front(self, count: int) -> None:
        """Forget the first `count` bytes; the rest moves to the start."""
        count = min(count, self._len)
        self._map.move(0, count, self._len - count)
        self._len -= count

    def slice(self, start: int, stop: int) -> bytes:
        start, stop = max(0, start), min(stop, self._len)
        return self._map[start:stop] if start < stop else b""

    def byte(self, index: int) -> int:
        if not 0 <= index < self._len:
            raise IndexError(index)
        return self._map[index]

    def find(self, sub: bytes, start: int, stop: int) -> int:
        return self._map.find(sub, start, min(stop, self._len))

    def match(self, pattern: re.Pattern[bytes]) -> re.Match[bytes] | None:
        """`pattern.match` over the held bytes, read in place (no copy)."""
        return pattern.match(self._map, 0, self._len)

    def release(self) -> None:
        """Empty the buffer and hand its pages back to the system (the mapping stays)."""
        self._len = 0
        self._map.madvise(mmap.MADV_DONTNEED)

    def _grow(self, needed: int) -> None:
        # Only an append larger than SLACK at the cap gets here (reads come in 64 KiB).
        capacity = max(needed, 2 * self._capacity)
        bigger = mmap.mmap(-1, capacity, flags=_FLAGS)
        bigger[: self._len] = self._map[: self._len]
        self._map.close()
        self._map, self._capacity = bigger, capacity
