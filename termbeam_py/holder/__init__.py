"""The session holder: a small process per state directory that keeps the shells alive.

The server asks the holder to start each shell; the holder is the shell's parent (it reaps it
and keeps its exit code) and keeps the PTY master open, and hands the server a duplicate of
that fd over a Unix socket. The server reads and writes the PTY directly, as it always did;
the holder never touches the output. When the server stops (or dies), the shells go on and the
kernel's PTY buffer holds what they print until the next server adopts them. See
docs/architecture.md, "Sessions that outlive the server".

This package imports nothing heavy: the holder runs for as long as a session lives.
"""
