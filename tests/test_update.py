"""Versions, the update check against a local package index, the in-app update state machine
(with a harmless install command) and the changelog."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import termbeam_py
from termbeam_py import __version__, keys, update
from termbeam_py.update import notice
from termbeam_py.update.updater import ServerHooks
from tests.helpers import LOCAL, PW, AppClient, Server, TermWS, eventually, proc_strings

PROJECT_ROOT = Path(termbeam_py.__file__).resolve().parent.parent
WAIT = 30.0

# -- versions ------------------------------------------------------------------------------


def test_describe_version() -> None:
    assert update.describe_version("v1.2.3-0-gabc1234", False) == "1.2.3"
    assert update.describe_version("1.2.3-0-gabc1234", True) == "1.2.3-dev.0+gabc1234.dirty"
    assert update.describe_version("v1.2.3-4-gabc1234", False) == "1.2.3-dev.4+gabc1234"
    assert update.describe_version("v1.2.3-4-gabc1234", True) == "1.2.3-dev.4+gabc1234.dirty"
    assert update.describe_version("release-7", False) is None


def test_is_newer() -> None:
    assert update.is_newer("1.11.0", "1.10.2")
    assert update.is_newer("2.0.0", "1.99.99")
    assert not update.is_newer("1.10.2", "1.10.2")
    assert not update.is_newer("1.10.1", "1.10.2")
    assert not update.is_newer("1.2.3", "1.2.3-dev.4+gabc1234.dirty")  # dev is past its base
    assert update.is_newer("1.2.4", "1.2.3-dev.4+gabc1234")
    assert update.is_newer("1.2.3", "1.2.3-rc.1")  # a pre-release is before its stable
    assert not update.is_newer("junk", "1.0.0")


def test_clean_release() -> None:
    assert update.clean_release("\x1b[31m2.0.0\x1b[0m\n") == "2.0.0"
    assert update.clean_release("v1.2.3") == "1.2.3"
    for bad in ("1.2", "1.2.3.4", "1.2.3rc1", "", None, 5, "1.2.3; rm -rf /"):
        assert update.clean_release(bad) is None


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "checkout"
    path.mkdir()
    git(path, "init", "-q")
    (path / "a.txt").write_text("a\n")
    git(path, "add", "a.txt")
    git(path, "commit", "-q", "-m", "first")
    return path


async def version_of(client: AppClient) -> str:
    response = await client.get("/api/version")
    assert response.status == 200
    return str((await response.json())["version"])


async def test_version_without_checkout(client: AppClient) -> None:
    client.app[keys.UPDATER].set_checkout(None)
    assert await version_of(client) == __version__


async def test_version_of_a_checkout_per_request(client: AppClient, repo: Path) -> None:
    updater = client.app[keys.UPDATER]
    updater.set_checkout(repo)
    updater.version_ttl = 0
    assert await version_of(client) == __version__  # no tag yet: the package's version
    git(repo, "tag", "v1.2.3")
    assert await version_of(client) == "1.2.3"
    (repo / "new.txt").write_text("untracked counts as dirty\n")
    sha = git(repo, "rev-parse", "--short", "HEAD")
    assert await version_of(client) == f"1.2.3-dev.0+g{sha}.dirty"
    git(repo, "add", "new.txt")
    git(repo, "commit", "-q", "-m", "second")
    sha = git(repo, "rev-parse", "--short", "HEAD")
    assert await version_of(client) == f"1.2.3-dev.1+g{sha}"


async def test_version_is_cached_briefly(client: AppClient, repo: Path) -> None:
    updater = client.app[keys.UPDATER]
    updater.set_checkout(repo)
    git(repo, "tag", "v2.0.0")
    assert await version_of(client) == "2.0.0"
    (repo / "b.txt").write_text("b\n")
    assert await version_of(client) == "2.0.0"  # within version_ttl
    updater.version_ttl = 0
    assert (await version_of(client)).endswith(".dirty")


# -- install method -------------------------------------------------------------------------


def test_install_methods(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("TERMBEAM_INSTALL_METHOD", "TERMBEAM_UPDATE_COMMAND", "PIPX_HOME",
                 "UV_TOOL_DIR"):
        monkeypatch.delenv(name, raising=False)
    source = update.detect_install(tmp_path)
    assert (source.method, source.command, source.can_auto_update, source.restart_strategy) == (
        "source", "git pull && pip install -e .", False, "none")

    # An editable dev install (as in CI) reads as "source": these describe a regular install.
    assert update.detect_install(None, editable=True).method == "source"
    monkeypatch.setattr(sys, "prefix", str(tmp_path / ".local/share/pipx/venvs/termbeam-py"))
    pipx = update.detect_install(None, editable=False)
    assert (pipx.method, pipx.command, pipx.argv) == (
        "pipx", "pipx upgrade termbeam-py", ("pipx", "upgrade", "termbeam-py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / ".local/share/uv/tools/termbeam-py"))
    assert update.detect_install(None, editable=False).command == "uv tool upgrade termbeam-py"
    monkeypatch.setenv("UV_TOOL_DIR", str(tmp_path / "elsewhere"))
    pip = update.detect_install(None, editable=False)
    assert (pip.method, pip.can_auto_update, pip.restart_strategy) == ("pip", True, "exec")
    assert pip.argv == (sys.executable, "-m", "pip", "install", "-U", "termbeam-py")

    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "pipx")
    monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", "echo 'hello world'")
    forced = update.detect_install(tmp_path)
    assert (forced.method, forced.argv, forced.command) == (
        "pipx", ("echo", "hello world"), "echo 'hello world'")
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "source")
    assert not update.detect_install(None).can_auto_update  # the override never applies


# -- update check against a local index -----------------------------------------------------

ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def index(aiohttp_server: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A loopback package index; tests change `body` and count `hits`."""
    served: dict[str, Any] = {"body": {"info": {"version": "9.9.9"}}, "hits": 0}

    async def project(request: web.Request) -> web.Response:
        served["hits"] += 1
        return web.json_response(served["body"])

    app = web.Application()
    app.router.add_get("/pypi/termbeam-py/json", project)
    server = await aiohttp_server(app)
    monkeypatch.setenv("TERMBEAM_INDEX_URL", str(server.make_url("/")))
    return served


async def check(client: AppClient, query: str = "") -> dict[str, Any]:
    client.app[keys.UPDATER].set_checkout(None)
    response = await client.get(f"/api/update-check{query}")
    assert response.status == 200
    return dict(await response.json())


async def test_update_check_newer(
    authed: AppClient, index: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "pipx")
    monkeypatch.delenv("TERMBEAM_UPDATE_COMMAND", raising=False)
    assert await check(authed) == {
        "current": __version__, "latest": "9.9.9", "updateAvailable": True, "method": "pipx",
        "command": "pipx upgrade termbeam-py", "canAutoUpdate": True, "restartStrategy": "exec",
    }
    cache = json.loads((tmp_path / "cfg" / "update-check.json").read_text())
    assert cache["latest"] == "9.9.9"
    assert isinstance(cache["checkedAt"], int)


async def test_update_check_same_and_cache(authed: AppClient, index: dict[str, Any]) -> None:
    index["body"] = {"info": {"version": __version__}}
    body = await check(authed)
    assert (body["latest"], body["updateAvailable"]) == (__version__, False)
    index["body"] = {"info": {"version": "9.9.9"}}
    assert (await check(authed))["latest"] == __version__  # cached for 24 h
    assert index["hits"] == 1
    body = await check(authed, "?force=true")
    assert (body["latest"], body["updateAvailable"], index["hits"]) == ("9.9.9", True, 2)


async def test_update_check_stale_cache_refetched(
    authed: AppClient, index: dict[str, Any], tmp_path: Path
) -> None:
    stale = {"latest": "0.0.1", "checkedAt": 1_000}  # 1970: long expired
    (tmp_path / "cfg" / "update-check.json").write_text(json.dumps(stale))
    assert (await check(authed))["latest"] == "9.9.9"


async def test_update_check_bad_index_answers(authed: AppClient, index: dict[str, Any]) -> None:
    for body in ({"info": {"version": "1.2"}}, {"info": "x"}, [1], {"info": {"version": "9" * 200}},
                 {"info": {"version": "2.0.0"}, "padding": "x" * 200_000}):
        index["body"] = body
        result = await check(authed, "?force=true")
        assert (result["latest"], result["updateAvailable"]) == (None, False), body


async def test_update_check_offline(authed: AppClient, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("TERMBEAM_INDEX_URL", f"http://127.0.0.1:{port}")
    body = await check(authed, "?force=true")
    assert (body["current"], body["latest"], body["updateAvailable"]) == (
        __version__, None, False)


# -- the update state machine ---------------------------------------------------------------


@pytest.fixture
def installer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], None]:
    """Make this a pip install whose install command is the given harmless shell script."""
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "pip")
    # The verify step imports termbeam_py in a fresh interpreter, as the re-exec would.
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    monkeypatch.chdir(tmp_path)

    def use(script: str) -> None:
        monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", shlex.join(["sh", "-c", script]))

    return use


async def status(client: AppClient) -> dict[str, Any]:
    response = await client.get("/api/update/status")
    assert response.status == 200
    return dict(await response.json())


async def wait_status(client: AppClient, *wanted: str) -> dict[str, Any]:
    async def reached() -> dict[str, Any]:
        state = await status(client)
        return state if state["status"] in wanted else {}

    return await eventually(reached, f"update status {' or '.join(wanted)}", WAIT)


async def test_status_idle(authed: AppClient) -> None:
    assert await status(authed) == update.idle_state()


async def test_update_to_complete_with_broadcasts(
    authed: AppClient, open_ws: Callable[..., Awaitable[TermWS]], installer: Any,
    tmp_path: Path,
) -> None:
    installer("echo Collecting termbeam-py; echo Successfully installed termbeam-py")
    ws = await open_ws()
    await ws.attach("no-such-session")
    await ws.expect("error")  # the server now handles this socket: it is in the hub

    response = await authed.post("/api/update")
    assert response.status == 200
    assert await response.json() == {"status": "updating", "method": "pip"}

    seen: list[dict[str, Any]] = []
    while (message := await ws.receive()) is not None:
        if message["type"] == "update-progress":
            seen.append(message)
    statuses = [m["status"] for m in seen]
    assert list(dict.fromkeys(statuses)) == [
        "checking-permissions", "installing", "verifying", "restarting", "complete"]
    assert set(seen[-1]) == {"type", *update.idle_state()}
    assert ws.ws.close_code == 1012

    final = await status(authed)
    assert final["status"] == "complete"
    assert (final["fromVersion"], final["toVersion"]) == (__version__, __version__)
    assert "Successfully installed termbeam-py" in final["progress"]
    assert final["restartStrategy"] == "exec"
    assert final["error"] is None
    assert final["startedAt"].endswith("Z")
    updater = authed.app[keys.UPDATER]
    assert updater.restart_requested
    assert authed.app[keys.RUNTIME].stop.is_set()
    result = json.loads((tmp_path / "cfg" / "update-result.json").read_text())
    assert (result["fromVersion"], result["toVersion"]) == (__version__, __version__)
    assert update.take_update_result(tmp_path / "cfg") == result
    assert not (tmp_path / "cfg" / "update-result.json").exists()


async def test_conflict_while_running(
    authed: AppClient, installer: Any, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    installer(f"echo waiting; while [ ! -e {shlex.quote(str(gate))} ]; do sleep 0.02; done")
    assert (await authed.post("/api/update")).status == 200
    await wait_status(authed, "installing")
    response = await authed.post("/api/update")
    assert response.status == 409
    body = await response.json()
    assert body["error"] == "Update already in progress"
    assert body["state"]["status"] == "installing"
    gate.touch()
    assert (await wait_status(authed, "complete", "failed"))["status"] == "complete"


async def test_failed_install_then_rate_limited(authed: AppClient, installer: Any) -> None:
    installer("echo boom >&2; exit 3")
    assert (await authed.post("/api/update")).status == 200
    failed = await wait_status(authed, "failed")
    assert failed["error"] == "Install command failed with exit code 3"
    assert failed["progress"] == "boom\n"
    assert not authed.app[keys.UPDATER].restart_requested

    response = await authed.post("/api/update")
    assert response.status == 429
    assert await response.json() == {
        "error": "Update already attempted recently. Try again in a few minutes."}
    assert 0 < int(response.headers["Retry-After"]) <= 300


async def test_installer_missing(
    authed: AppClient, installer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", "/no/such/installer --upgrade")
    assert (await authed.post("/api/update")).status == 200
    failed = await wait_status(authed, "failed")
    assert failed["error"] == "/no/such/installer not found on PATH"


async def test_install_timeout(authed: AppClient, installer: Any, tmp_path: Path) -> None:
    installer(f"while [ ! -e {shlex.quote(str(tmp_path / 'never'))} ]; do sleep 0.02; done")
    authed.app[keys.UPDATER].install_timeout = 0.3
    assert (await authed.post("/api/update")).status == 200
    failed = await wait_status(authed, "failed")
    assert failed["error"] == "Install timed out after 0.3 s"


async def test_broken_new_version_is_not_restarted(
    authed: AppClient, installer: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    broken = tmp_path / "broken" / "termbeam_py"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('half-installed')\n")
    monkeypatch.setenv("PYTHONPATH", str(broken.parent))
    installer("echo installed")
    assert (await authed.post("/api/update")).status == 200
    failed = await wait_status(authed, "failed")
    assert failed["error"] == "The updated package could not be imported"
    assert not authed.app[keys.RUNTIME].stop.is_set()


async def test_source_install_cannot_auto_update(
    authed: AppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERMBEAM_INSTALL_METHOD", "source")
    monkeypatch.setenv("TERMBEAM_UPDATE_COMMAND", "true")
    response = await authed.post("/api/update")
    assert response.status == 400
    assert await response.json() == {
        "error": "Auto-update not available for this installation method",
        "method": "source", "command": "git pull && pip install -e .", "canAutoUpdate": False,
    }
    assert (await status(authed))["status"] == "idle"


async def test_update_routes_require_auth(client: AppClient) -> None:
    for method, path in (("GET", "/api/update-check"), ("POST", "/api/update"),
                         ("GET", "/api/update/status"), ("GET", "/api/changelog")):
        response = await client.request(method, path)
        assert response.status in (401, 403), path


# -- changelog ------------------------------------------------------------------------------


async def test_changelog(authed: AppClient, tmp_path: Path) -> None:
    updater = authed.app[keys.UPDATER]
    updater.set_checkout(None)
    assert updater.changelog_paths == [update.PACKAGE_DIR / "CHANGELOG.md"]  # wheel layout
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## 1.0.0 — “quotes” ✓\n", encoding="utf-8")
    updater.changelog_paths = [tmp_path / "missing.md", changelog]
    response = await authed.get("/api/changelog")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert await response.text() == changelog.read_text(encoding="utf-8")

    updater.changelog_paths = [tmp_path / "missing.md"]
    response = await authed.get("/api/changelog")
    assert response.status == 404
    assert await response.json() == {"error": "Changelog not available"}


async def test_changelog_of_a_checkout(authed: AppClient, tmp_path: Path) -> None:
    updater = authed.app[keys.UPDATER]
    # The suite always runs from the repository, whose CHANGELOG.md is the one served.
    assert await updater.find_checkout() is not None
    response = await authed.get("/api/changelog")
    assert response.status == 200
    assert (await response.text()).startswith("# Changelog")


# -- the restart ----------------------------------------------------------------------------


async def test_restart_keeps_the_password_off_the_command_line(
    spawn: Callable[..., Server],
) -> None:
    """The re-executed server has the same password, taken from its environment: the command
    line (readable by every user) no longer carries it, and no shell inherits it."""
    install = shlex.join(["sh", "-c", "echo Successfully installed termbeam-py"])
    server = spawn(env={"TERMBEAM_INSTALL_METHOD": "pip", "TERMBEAM_UPDATE_COMMAND": install})
    await server.start()
    await server.started()
    assert server.proc is not None
    pid = server.proc.pid
    assert PW in proc_strings(pid, "cmdline")  # as the user typed it, until the restart
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT)) as http:
        async with http.post(server.base + "/api/update", headers=server.headers) as response:
            assert response.status == 200, await response.text()
        await server.wait_line(r"Updated from v", timeout=WAIT)
        server.port = int([m.group(1) for line in server.lines if (m := LOCAL.search(line))][-1])
        cmdline = proc_strings(pid, "cmdline")  # the same process, re-executed
        assert "termbeam_py" in cmdline
        assert [arg for arg in cmdline if PW in arg or arg.startswith("--password")] == []
        assert f"TERMBEAM_PASSWORD={PW}" in proc_strings(pid, "environ")
        assert stat.S_IMODE(os.stat(f"/proc/{pid}/environ").st_mode) == 0o400  # owner only
        async with http.get(server.base + "/api/sessions") as response:
            assert response.status == 401
        async with http.get(server.base + "/api/sessions", headers=server.headers) as response:
            assert response.status == 200
            [session] = await response.json()
    shell_env = proc_strings(int(session["pid"]), "environ")
    assert [value for value in shell_env if PW in value] == []


# -- the start-up notice (#18) --------------------------------------------------------------


def _hooks() -> ServerHooks:
    async def nothing(*_args: object) -> None:
        return None

    return ServerHooks(broadcast=nothing, close_sockets=nothing, stop=lambda: None)


async def test_a_newer_release_is_announced_after_the_banner(
    index: dict[str, Any], spawn: Callable[..., Server],
) -> None:
    server = spawn(env={"TERMBEAM_UPDATE_CHECK": "1", "CI": "",
                        "TERMBEAM_INSTALL_METHOD": "pipx", "TERMBEAM_UPDATE_COMMAND": ""})
    await server.start()
    await server.started()
    await server.wait_line(rf"^  Update available: v{re.escape(__version__)} → v9\.9\.9$")
    await server.wait_line(r"^  To update: pipx upgrade termbeam-py$")
    banner_end = max(i for i, line in enumerate(server.lines) if "termbeam attach" in line)
    notice = next(i for i, line in enumerate(server.lines) if "Update available" in line)
    assert notice > banner_end  # the banner never waits for the index
    assert index["hits"] == 1


def test_the_start_up_check_is_off_under_ci_and_when_turned_off() -> None:
    assert notice.wanted({})
    assert notice.wanted({"CI": "", "TERMBEAM_UPDATE_CHECK": "1"})
    assert not notice.wanted({"CI": "true"})
    assert not notice.wanted({"CI": "1", "TERMBEAM_UPDATE_CHECK": "1"})
    assert not notice.wanted({"TERMBEAM_UPDATE_CHECK": "0"})
    assert not notice.wanted({"TERMBEAM_UPDATE_CHECK": "off"})


@pytest.mark.parametrize("body", [{"info": {"version": __version__}}, {"no": "info"}, "oops"])
async def test_no_notice_when_current_or_the_index_fails(
    index: dict[str, Any], tmp_path: Path, body: object,
) -> None:
    index["body"] = body
    updater = update.Updater(tmp_path, _hooks())
    updater.set_checkout(None)
    written: list[str] = []
    await notice.announce(updater, written.append)
    assert written == []
    assert index["hits"] == 1
