"""`python -m termbeam_py.service.runner ENV_FILE [SERVE ARGS...]`: the launchd agent's program.

launchd has no EnvironmentFile=, and a plist's EnvironmentVariables would put the password in
the agent definition. So the agent runs this: load the private env file into the environment,
then exec `python -m termbeam_py SERVE ARGS...` in place (same pid, so launchd keeps tracking
the server, and an in-app update's re-exec keeps the environment).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from termbeam_py.service import envfile

#: sysexits.h EX_CONFIG: the env file is missing or unreadable.
EX_CONFIG = 78


Exec = Callable[[str, list[str]], object]


def main(argv: list[str], execv: Exec = os.execv) -> int:
    if not argv:
        sys.stderr.write("usage: python -m termbeam_py.service.runner ENV_FILE [ARGS...]\n")
        return 2
    env_file = Path(argv[0])
    if not env_file.is_file():
        sys.stderr.write(f"termbeam service: {env_file} is missing; reinstall the service\n")
        return EX_CONFIG
    try:
        values = envfile.read(env_file)
    except envfile.EnvFileError as exc:
        sys.stderr.write(f"termbeam service: {exc}\n")
        return EX_CONFIG
    os.environ.update(values)
    execv(sys.executable, [sys.executable, "-m", "termbeam_py", *argv[1:]])
    return 0  # not reached by os.execv, which replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
