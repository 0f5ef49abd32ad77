"""The optional tunnel subprocess (off by default): providers, supervisor, status and route."""

from termbeam_py.tunnel.service import TunnelService, routes, setup

__all__ = ["TunnelService", "routes", "setup"]
