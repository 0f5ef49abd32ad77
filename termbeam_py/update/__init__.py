"""In-app updates: the install method, the latest release on the package index, the update
state machine with its `update-progress` broadcasts, and /api/update-check, /api/update,
/api/update/status and /api/changelog. The running version itself lives in `version.py`.

    release.py   comparing versions; the latest release on the index
    method.py    how this copy was installed and its upgrade command
    runner.py    the installer subprocess and the post-install import check
    updater.py   Updater: caches and the update state machine; the last update's result
    service.py   the routes and `setup`

Environment (read per request, so tests and packagers can steer it):

* `TERMBEAM_INDEX_URL` — package index base URL (default `https://pypi.org`); the latest
  version is `info.version` of `<index>/pypi/termbeam-py/json`.
* `TERMBEAM_INSTALL_METHOD` — force the detected method: `pip`, `pipx`, `uv` or `source`.
* `TERMBEAM_UPDATE_COMMAND` — the install command run by POST /api/update instead of the
  method's own (split like a shell would, run without a shell); tests use a harmless one.

After a verified update the server stops with `restart_requested` set; `server.py` is then
expected to re-exec `python -m termbeam_py` with the same arguments.
"""

from __future__ import annotations

from termbeam_py.update.method import Install, detect_install, permission_problem
from termbeam_py.update.release import PACKAGE, clean_release, fetch_latest, is_newer, parse_semver
from termbeam_py.update.runner import UpdateFailed
from termbeam_py.update.service import routes, setup
from termbeam_py.update.updater import Updater, idle_state, take_update_result
from termbeam_py.version import PACKAGE_DIR

# Re-exported: it was public here before version.py existed.
from termbeam_py.version import describe_version as describe_version

__all__ = [
    "PACKAGE",
    "PACKAGE_DIR",
    "Install",
    "UpdateFailed",
    "Updater",
    "clean_release",
    "describe_version",
    "detect_install",
    "fetch_latest",
    "idle_state",
    "is_newer",
    "parse_semver",
    "permission_problem",
    "routes",
    "setup",
    "take_update_result",
]
