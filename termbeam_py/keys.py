"""Every typed key under which the application stores its services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from termbeam_py.agents import AgentCatalog
    from termbeam_py.audit import AuditLog
    from termbeam_py.auth import Auth
    from termbeam_py.config import Config
    from termbeam_py.connlimits import ConnectionGuard
    from termbeam_py.files import UploadStore
    from termbeam_py.gitbadge import GitBadgeCache
    from termbeam_py.machine import OutputRates
    from termbeam_py.memory import Trimmer
    from termbeam_py.metrics import Metrics
    from termbeam_py.prefs import PrefsStore
    from termbeam_py.preview import PreviewService
    from termbeam_py.preview.listeners import Listener
    from termbeam_py.push import PushService
    from termbeam_py.recording.service import Recordings
    from termbeam_py.runtime import Runtime
    from termbeam_py.sessions import SessionManager
    from termbeam_py.tunnel.service import TunnelService
    from termbeam_py.update import Updater
    from termbeam_py.ws import Hub

CONFIG: web.AppKey[Config] = web.AppKey("CONFIG")
AUTH: web.AppKey[Auth] = web.AppKey("AUTH")
#: The audit log (audit.py): logins, shares, tokens, sessions, files, settings, stops.
AUDIT: web.AppKey[AuditLog] = web.AppKey("AUDIT")
SESSIONS: web.AppKey[SessionManager] = web.AppKey("SESSIONS")
RUNTIME: web.AppKey[Runtime] = web.AppKey("RUNTIME")
HUB: web.AppKey[Hub] = web.AppKey("HUB")
UPLOADS: web.AppKey[UploadStore] = web.AppKey("UPLOADS")
GIT: web.AppKey[GitBadgeCache] = web.AppKey("GIT")
PREFS: web.AppKey[PrefsStore] = web.AppKey("PREFS")
AGENTS: web.AppKey[AgentCatalog] = web.AppKey("AGENTS")
UPDATER: web.AppKey[Updater] = web.AppKey("UPDATER")
PUSH: web.AppKey[PushService] = web.AppKey("PUSH")
PREVIEW: web.AppKey[PreviewService] = web.AppKey("PREVIEW")
TUNNEL: web.AppKey[TunnelService] = web.AppKey("TUNNEL")
#: GET /metrics: its registry, sampler, loop-lag timer and HTTP counts (metrics.py).
METRICS: web.AppKey[Metrics] = web.AppKey("METRICS")
#: Recent snapshots of each session's output counter, for its output rate (machine.py).
RATES: web.AppKey[OutputRates] = web.AppKey("RATES")
#: Session recordings: their writer thread, recorders and files (recording/, #19).
RECORDINGS: web.AppKey[Recordings] = web.AppKey("RECORDINGS")
#: Gives freed heap pages back after sessions end (memory.py).
TRIMMER: web.AppKey[Trimmer] = web.AppKey("TRIMMER")
#: Connection caps shared by every listener of this server (connlimits.py).
CONNECTIONS: web.AppKey[ConnectionGuard] = web.AppKey("CONNECTIONS")
#: True on the main origin (proxied pages get a sandboxing CSP), False on preview listeners.
PREVIEW_SANDBOXED: web.AppKey[bool] = web.AppKey("PREVIEW_SANDBOXED")
#: On a preview listener's application: the listener, and so the one port it serves.
PREVIEW_LISTENER: web.AppKey[Listener] = web.AppKey("PREVIEW_LISTENER")
