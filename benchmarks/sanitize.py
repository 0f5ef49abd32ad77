#!/usr/bin/env python3
"""Times the scans of a session's output log that run on the event loop: the replay
sanitiser (every attach and resync), detect-port, and alt-screen tracking, on 1 MB (the log's
cap) of adversarial output and of ordinary output. Target: under 50 ms for 1 MB.

Run from the repository root:

    python benchmarks/sanitize.py                 # every pattern, best of 5
    python benchmarks/sanitize.py --runs 9 --size 500000

Prints a markdown table; the exit status is 1 when a figure misses the target. No network,
no subprocess. See benchmarks/README.md, "Replay sanitising".
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from termbeam_py.sessions.outlog import MAX_BYTES, OutputLog, sanitize_for_replay

TARGET_MS = 50.0
ENTER, LEAVE = b"\x1b[?1049h", b"\x1b[?1049l"

#: name -> (unit repeated to the size, prefix). The first group is what an attacker can make
#: a program print (`cat` of a file); the second is what programs print.
PATTERNS: dict[str, tuple[bytes, bytes]] = {
    "alt-screen enters, no leave": (ENTER, b""),
    "enters of every mode, no leave": (b"\x1b[?1049h\x1b[?1047hx\x1b[?47h", b""),
    "nested pairs": (ENTER * 3 + LEAVE * 2 + b"\x1b[?47h\x1b[?47h\x1b[?47l", b""),
    "crossed pairs": (ENTER + b"a\x1b[?47hb" + LEAVE + b"c\x1b[?47l", b""),
    "leaves": (LEAVE + b"\x1b[?47l", b""),
    "log cut inside a sequence, then enters": (ENTER, b"?1049h;?\x07"),
    "unterminated DECRQSS": (b"\x1bP$q", b""),
    "DECRQSS payload, no ST": (b"\x1bP$q" + b"m" * 997, b""),
    "unterminated OSC colour queries": (b"\x1b]11;", b""),
    "OSC 4 payload, no end": (b"\x1b]4;1;" + b"r" * 994, b""),
    "partial ESC[? prefixes": (b"\x1b[?", b""),
    "almost toggles (ESC[?104)": (b"\x1b[?104", b""),
    "lone ESCs": (b"\x1b", b""),
    "lone ESC before each SGR": (b"\x1b\x1b[m", b""),
    "lone ESC before each ESC 1": (b"\x1b\x1b1", b""),
    "queries": (b"\x1b[6n\x1b[c\x1b[>q\x1b[?2026$p\x1b]11;?\x07", b""),
    "a query after each text byte": (b"\x1b[cx", b""),
    "splices (ESC[ x20, query, 6n x20)": (b"\x1b[" * 20 + b"\x1b[6n" + b"6n" * 20, b""),
    "one CSI, 1 MB of parameters": (b"1", b"\x1b["),
    "plain text": (b"total 48\r\n-rw-r--r-- 1 user user 1234 Nov 24 10:00 file.txt\r\n", b""),
    "coloured text (ls, git diff)": (b"\x1b[01;34mdir\x1b[0m  \x1b[32m+added\x1b[m\r\n", b""),
    "vim sessions, quit": (ENTER + b"\x1b[H\x1b[2J" + b"~\r\n" * 40 + LEAVE + b"$ ls\r\n", b""),
}

URLS: dict[str, bytes] = {
    "detect-port: URLs with port 0": b"http://localhost:0 ",
    "detect-port: 6-digit ports": b"http://127.0.0.1:999999 ",
    "detect-port: plain text": b"hello from the server\r\n",
}


def fill(unit: bytes, size: int, prefix: bytes = b"") -> bytes:
    body = unit * ((size - len(prefix)) // len(unit) + 1)
    return prefix + body[: size - len(prefix)]


def best_ms(work: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def full_log(data: bytes) -> OutputLog:
    log = OutputLog(max_bytes=max(MAX_BYTES, len(data)))
    log.append(data)
    return log


def rows(size: int, runs: int) -> list[tuple[str, list[float]]]:
    out: list[tuple[str, list[float]]] = []
    for name, (unit, prefix) in PATTERNS.items():
        data = fill(unit, size, prefix)
        in_alt = full_log(data + ENTER + b"drawn")  # snapshot while still in the alt screen
        out.append((name, [
            best_ms(functools.partial(sanitize_for_replay, data, None), runs),
            best_ms(full_log(data).snapshot, runs),
            best_ms(in_alt.snapshot, runs),
        ]))
    for name, unit in URLS.items():
        out.append((name, [best_ms(full_log(fill(unit, size)).last_local_port, runs)]))
    for name, unit in (("enters", ENTER), ("ESC[? prefixes", b"\x1b[?")):
        chunk = fill(unit, 65536)

        def feed(chunk: bytes = chunk) -> None:
            log = OutputLog(max_bytes=2 * size)
            for _ in range(size // len(chunk)):
                log.append(chunk)

        out.append((f"alt tracking: {name} (64 KiB appends)", [best_ms(feed, runs)]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=MAX_BYTES, help="bytes per pattern")
    parser.add_argument("--runs", type=int, default=5, help="best of this many runs")
    args = parser.parse_args()
    print(f"{args.size:,} bytes per pattern, best of {args.runs} runs, target < {TARGET_MS} ms\n")
    print("| pattern | sanitize_for_replay, ms | snapshot, ms | snapshot in alt screen, ms | ok |")
    print("|---|---|---|---|---|")
    missed = 0
    for name, figures in rows(args.size, args.runs):
        ok = max(figures) < TARGET_MS
        missed += not ok
        cells = [f"{f:.1f}" for f in figures] + [""] * (3 - len(figures))
        print(f"| {name} | {' | '.join(cells)} | {'yes' if ok else '**no**'} |")
    print(f"\n{missed} figure(s) over the target" if missed else "\nevery figure under the target")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
