"""PTY sessions: processes, output logs, clients and the manager; no aiohttp in here."""

from termbeam_py.sessions.manager import SessionManager
from termbeam_py.sessions.session import Session

__all__ = ["Session", "SessionManager"]
