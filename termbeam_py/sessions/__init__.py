"""PTY sessions: processes, output logs, viewers and the manager. No aiohttp and no wire
format in here: the REST routes are in session_routes.py, the WebSocket in ws.py."""

from termbeam_py.sessions.manager import SessionManager
from termbeam_py.sessions.session import Session

__all__ = ["Session", "SessionManager"]
