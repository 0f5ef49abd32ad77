"""The optional tunnel subprocess (off by default): providers, supervisor, status and route.

The web wiring lives in `tunnel.service`; this package itself imports nothing heavy, so the
command line can use `tunnel.options` without loading aiohttp.
"""
