"""Any other tunnel program: `--tunnel-cmd` with `{port}`, its URL found by a regex."""

from __future__ import annotations

import re
import shlex

from termbeam_py.tunnel.providers.base import Provider, first_match

DEFAULT_URL_REGEX = r"https?://[^\s\"'<>|]+"


class Custom(Provider):
    name = "custom"
    install_hint = "check --tunnel-cmd: its program is not on PATH"

    def __init__(self, port: int, target_host: str, command: str,
                 url_regex: str | None) -> None:
        super().__init__(port, target_host)
        self._argv = [part.replace("{port}", str(port)).replace("{host}", target_host)
                      for part in shlex.split(command)]
        self._url = re.compile(url_regex or DEFAULT_URL_REGEX)

    def command(self) -> list[str]:
        return list(self._argv)

    def find_url(self, line: str) -> str | None:
        return first_match(self._url, line)
