"""File endpoints against a real server: browse, tree, read, download, upload, pasted images."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import io
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from termbeam_py.app import create_app
from termbeam_py.errors import Forbidden
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, TermWS, eventually

# The tests write thousands of files and large bodies in their own bodies, which may take a
# loop step past 0.1 s; the server's own callbacks are still checked.
pytestmark = pytest.mark.blocks_loop(reason="trees and bodies are built in the test body")
ISO_MS_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(32)
MiB = 1024 * 1024
SANDBOX = "sandbox; default-src 'none'"
MISMATCH = "File content does not match declared image type"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The session's starting cwd (make_config's `cwd`)."""
    return tmp_path / "work"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory next to the session root, holding a secret."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text("top secret")
    return path


async def expect_error(response: Any, status: int, message: str) -> None:
    text = await response.text()
    assert response.status == status, text
    assert await response.json() == {"error": message}


def api(session_id: str, endpoint: str) -> str:
    return f"/api/sessions/{session_id}/{endpoint}"


async def get_json(client: AppClient, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


# -- GET /files ---------------------------------------------------------------------------


async def test_files_sorting_hidden_and_shape(
    authed: AppClient, session_id: str, work: Path, outside: Path
) -> None:
    for name in ("b_dir", "A_dir"):
        (work / name).mkdir()
    for name, body in (("c.txt", "ccc"), ("B.txt", "bb"), ("a.txt", "a"), (".hidden", "x")):
        (work / name).write_text(body)
    (work / ".hiddendir").mkdir()
    (work / "link_file").symlink_to(work / "a.txt")
    (work / "link_dir").symlink_to(outside)

    body = await get_json(authed, api(session_id, "files"))
    assert body["base"] == str(work)
    assert body["rootDir"] == str(work)
    assert body["truncated"] is False
    names = [e["name"] for e in body["entries"]]
    assert names == ["A_dir", "b_dir", "a.txt", "B.txt", "c.txt"]
    by_name = {e["name"]: e for e in body["entries"]}
    assert by_name["A_dir"]["type"] == "directory"
    assert by_name["A_dir"]["size"] == 0
    assert by_name["c.txt"] == {
        "name": "c.txt", "type": "file", "size": 3, "modified": by_name["c.txt"]["modified"],
    }
    assert all(ISO_MS_Z.fullmatch(e["modified"]) for e in body["entries"])


async def test_files_subdirectory(authed: AppClient, session_id: str, work: Path) -> None:
    (work / "sub" / "deeper").mkdir(parents=True)
    (work / "sub" / "f.bin").write_bytes(b"12345")
    body = await get_json(authed, api(session_id, "files"), dir="sub")
    assert body["base"] == str(work / "sub")
    assert body["rootDir"] == str(work)
    assert [(e["name"], e["type"], e["size"]) for e in body["entries"]] == [
        ("deeper", "directory", 0), ("f.bin", "file", 5),
    ]
    # `..` that stays inside the root is fine.
    body = await get_json(authed, api(session_id, "files"), dir="sub/deeper/..")
    assert body["base"] == str(work / "sub")


async def test_files_truncates_at_1000(authed: AppClient, session_id: str, work: Path) -> None:
    for i in range(1005):
        (work / f"f{i:04d}").touch()
    body = await get_json(authed, api(session_id, "files"))
    assert body["truncated"] is True
    assert len(body["entries"]) == 1000
    assert body["entries"][0]["name"] == "f0000"
    assert body["entries"][-1]["name"] == "f0999"


async def test_files_root_follows_the_live_cwd(
    authed: AppClient, session_id: str, term: TermWS, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "here.txt").write_text("hi")
    await term.run(f"cd {elsewhere}")
    body = await get_json(authed, api(session_id, "files"))
    assert body["rootDir"] == str(elsewhere)
    assert [e["name"] for e in body["entries"]] == ["here.txt"]
    # The old root is now outside the session directory.
    response = await authed.get(api(session_id, "files"), params={"dir": str(tmp_path / "work")})
    await expect_error(response, 403, "Path is outside session directory")


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("dir=..", 403, "Path is outside session directory"),
        ("dir=/etc", 403, "Path is outside session directory"),
        ("dir=sub/../../outside", 403, "Path is outside session directory"),
        ("dir=escape", 403, "Path is outside session directory"),
        ("dir=missing", 404, "Directory not found"),
        ("dir=file.txt", 400, "Not a directory"),
        ("dir=loop", 500, "Failed to read directory"),
        ("dir=a&dir=b", 400, "Invalid dir parameter"),
        ("dir=a%00b", 400, "Invalid dir parameter"),
        ("dir=" + "x" * 256, 400, "Invalid dir parameter"),
    ],
)
async def test_files_errors(
    authed: AppClient, session_id: str, work: Path, outside: Path,
    query: str, status: int, message: str,
) -> None:
    (work / "sub").mkdir()
    (work / "file.txt").write_text("x")
    (work / "escape").symlink_to(outside)
    (work / "loop").symlink_to("loop")
    response = await authed.get(f"{api(session_id, 'files')}?{query}")
    await expect_error(response, status, message)


async def test_files_unknown_session_and_no_auth(client: AppClient, authed: AppClient) -> None:
    for endpoint in ("files", "file-tree", "download?file=a", "file-raw?file=a",
                     "file-content?file=a"):
        response = await authed.get(api("nope", endpoint))
        await expect_error(response, 404, "Session not found")
    response = await authed.post(api("nope", "upload"), data=b"x", headers={"X-Filename": "a"})
    await expect_error(response, 404, "Session not found")
    authed.session.cookie_jar.clear()
    response = await authed.get(api("nope", "files"))
    await expect_error(response, 401, "unauthorized")


# -- GET /file-tree -----------------------------------------------------------------------


def names(nodes: list[dict[str, Any]]) -> list[str]:
    return [n["name"] for n in nodes]


def count(nodes: list[dict[str, Any]]) -> int:
    return sum(1 + count(n.get("children", [])) for n in nodes)


async def test_file_tree_shape_depth_and_symlinks(
    authed: AppClient, session_id: str, work: Path, outside: Path
) -> None:
    (work / "a" / "b" / "c" / "d").mkdir(parents=True)
    (work / "a" / "b" / "c" / "deep.txt").write_text("deep")
    (work / "a" / "x.txt").write_text("12")
    (work / ".dot").write_text("d")
    (work / "Zed.txt").write_text("z")
    (work / "out").symlink_to(outside)

    body = await get_json(authed, api(session_id, "file-tree"))
    assert body["root"] == str(work)
    tree = body["tree"]
    assert names(tree) == ["a", ".dot", "out", "Zed.txt"]
    link = tree[2]
    assert link["type"] == "file"
    assert link["path"] == "out"
    assert "children" not in link
    a = tree[0]
    assert a["type"] == "directory"
    assert a["path"] == "a"
    assert names(a["children"]) == ["b", "x.txt"]
    assert a["children"][1] == {"name": "x.txt", "type": "file", "path": "a/x.txt", "size": 2}
    c = a["children"][0]["children"][0]
    assert c["path"] == "a/b/c"
    assert c["children"] == []  # level 3 is listed, its contents are left for lazy loading

    body = await get_json(authed, api(session_id, "file-tree"), depth="1")
    assert all(n.get("children", []) == [] for n in body["tree"])
    body = await get_json(authed, api(session_id, "file-tree"), depth="99")
    c = body["tree"][0]["children"][0]["children"][0]
    assert names(c["children"]) == ["d", "deep.txt"]
    assert c["children"][1]["path"] == "a/b/c/deep.txt"
    body = await get_json(authed, api(session_id, "file-tree"), depth="0")
    assert all(n.get("children", []) == [] for n in body["tree"])

    # A subtree keeps the session root and root-relative paths.
    body = await get_json(authed, api(session_id, "file-tree"), path="a/b", depth="1")
    assert body["root"] == str(work)
    assert body["tree"] == [
        {"name": "c", "type": "directory", "path": "a/b/c", "children": []},
    ]


async def test_file_tree_budget_is_global_and_breadth_first(
    authed: AppClient, session_id: str, work: Path
) -> None:
    for d in range(4):
        (work / f"d{d}").mkdir()
    for i in range(6000):
        (work / "d0" / f"f{i}").touch()
    (work / "d3" / "sub").mkdir()
    body = await get_json(authed, api(session_id, "file-tree"), depth="5")
    assert count(body["tree"]) == 5000
    assert names(body["tree"]) == ["d0", "d1", "d2", "d3"]
    assert len(body["tree"][0]["children"]) == 4996
    # The level-2 directory of d3 never got a turn: the budget ran out in d0.
    assert body["tree"][3]["children"] == []


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("depth=abc", 400, "Invalid depth"),
        ("depth=", 400, "Invalid depth"),
        ("depth=1&depth=2", 400, "Invalid depth"),
        ("path=..", 403, "Path is outside session directory"),
        ("path=/", 403, "Path is outside session directory"),
        ("path=escape", 403, "Path is outside session directory"),
        ("path=file.txt", 400, "Not a directory"),
        ("path=missing", 404, "Directory not found"),
        ("path=x%00", 400, "Invalid path parameter"),
    ],
)
async def test_file_tree_errors(
    authed: AppClient, session_id: str, work: Path, outside: Path,
    query: str, status: int, message: str,
) -> None:
    (work / "file.txt").write_text("x")
    (work / "escape").symlink_to(outside)
    response = await authed.get(f"{api(session_id, 'file-tree')}?{query}")
    await expect_error(response, status, message)


# -- download / file-raw / file-content: shared checks ---------------------------------------

READERS = ["download", "file-raw", "file-content"]
CAPS = {"download": (100, 100 * MiB), "file-raw": (20, 20 * MiB), "file-content": (2, 2 * MiB)}


@pytest.mark.parametrize("endpoint", READERS)
@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "Missing file parameter"),
        ("file=", 400, "Missing file parameter"),
        ("file=a.txt&file=a.txt", 400, "Missing file parameter"),
        ("file=a%00.txt", 400, "Invalid file parameter"),
        ("file=" + "n" * 256, 400, "Invalid file parameter"),
        ("file=" + "d/" * 2100, 400, "Invalid file parameter"),
        ("file=../outside/secret.txt", 403, "Path is outside session directory"),
        ("file=sub/../../outside/secret.txt", 403, "Path is outside session directory"),
        ("file=/etc/passwd", 403, "Path is outside session directory"),
        ("file=secret-link", 403, "Symlink target is outside session directory"),
        ("file=dirlink/secret.txt", 403, "Symlink target is outside session directory"),
        ("file=sub/deeplink/secret.txt", 403, "Symlink target is outside session directory"),
        ("file=missing.txt", 404, "File not found"),
        ("file=dangling", 404, "File not found"),
        ("file=sub", 400, "Not a regular file"),
        ("file=.", 400, "Not a regular file"),
        ("file=fifo", 400, "Not a regular file"),
    ],
)
async def test_reader_errors(
    authed: AppClient, session_id: str, work: Path, outside: Path,
    endpoint: str, query: str, status: int, message: str,
) -> None:
    (work / "a.txt").write_text("a")
    (work / "sub").mkdir()
    (work / "secret-link").symlink_to(outside / "secret.txt")
    (work / "dirlink").symlink_to(outside)
    (work / "sub" / "deeplink").symlink_to("../../outside")
    (work / "dangling").symlink_to("nowhere")
    os.mkfifo(work / "fifo")
    response = await authed.get(f"{api(session_id, endpoint)}?{query}")
    await expect_error(response, status, message)


@pytest.mark.parametrize("endpoint", READERS)
async def test_reader_size_caps(
    authed: AppClient, session_id: str, work: Path, endpoint: str
) -> None:
    mb, cap = CAPS[endpoint]
    with open(work / "at-cap.bin", "wb") as fh:  # sparse: no real disk use
        fh.truncate(cap)
    with open(work / "over.bin", "wb") as fh:
        fh.truncate(cap + 1)
    response = await authed.get(api(session_id, endpoint), params={"file": "over.bin"})
    await expect_error(response, 413, f"File too large (max {mb} MB)")
    if endpoint != "download":  # a 100 MiB body is left to the streaming test's 50 MB
        response = await authed.get(api(session_id, endpoint), params={"file": "at-cap.bin"})
        assert response.status == 200, await response.text()
        await response.read()


@pytest.mark.parametrize("endpoint", READERS)
async def test_reader_allows_symlinks_that_stay_inside(
    authed: AppClient, session_id: str, work: Path, endpoint: str
) -> None:
    (work / "real").mkdir()
    (work / "real" / "t.txt").write_text("inside")
    (work / "alias").symlink_to("real")
    (work / "t-link.txt").symlink_to("real/t.txt")
    for name in ("alias/t.txt", "t-link.txt", str(work / "real" / "t.txt")):
        response = await authed.get(api(session_id, endpoint), params={"file": name})
        assert response.status == 200, await response.text()
        if endpoint == "file-content":
            assert (await response.json())["content"] == "inside"
        else:
            assert await response.read() == b"inside"


async def test_reader_follows_the_live_cwd(
    authed: AppClient, session_id: str, term: TermWS, outside: Path
) -> None:
    response = await authed.get(api(session_id, "download"), params={"file": "secret.txt"})
    await expect_error(response, 404, "File not found")
    await term.run(f"cd {outside}")
    response = await authed.get(api(session_id, "download"), params={"file": "secret.txt"})
    assert await response.read() == b"top secret"


# -- download -------------------------------------------------------------------------------


async def test_download_headers_and_body(authed: AppClient, session_id: str, work: Path) -> None:
    (work / "sub").mkdir()
    (work / "sub" / "naïve file.txt").write_bytes(b"hello\x00world")
    response = await authed.get(api(session_id, "download"), params={"file": "sub/naïve file.txt"})
    assert response.status == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename*=UTF-8''na%C3%AFve%20file.txt"
    )
    assert await response.read() == b"hello\x00world"


async def test_download_never_swaps_in_a_compressed_sibling(
    authed: AppClient, session_id: str, work: Path
) -> None:
    (work / "data.txt").write_text("the real file")
    (work / "data.txt.gz").write_bytes(b"\x1f\x8b not what was asked for")
    for endpoint in ("download", "file-raw"):
        response = await authed.get(
            api(session_id, endpoint), params={"file": "data.txt"},
            headers={"Accept-Encoding": "gzip, br"},
        )
        assert response.status == 200
        assert "Content-Encoding" not in response.headers
        assert await response.read() == b"the real file"


@pytest.mark.parametrize("name", ["app.js", "theme.css", "page.html", "pic.svg", "mod.mjs"])
async def test_download_is_never_active_content(
    authed: AppClient, session_id: str, work: Path, name: str
) -> None:
    """#13 finding 9: with its real type a project's .js could run as a script of our origin."""
    (work / name).write_text("window.__pwned = 1; body { color: red }")
    response = await authed.get(api(session_id, "download"), params={"file": name})
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{name}"
    assert await response.read() == b"window.__pwned = 1; body { color: red }"


@pytest.mark.parametrize("endpoint", ["download", "file-raw"])
async def test_ranges_are_served_from_the_opened_file(
    authed: AppClient, session_id: str, work: Path, endpoint: str
) -> None:
    """Media seeking needs Range; the open descriptor must honour it like a named file."""
    (work / "clip.mp4").write_bytes(bytes(range(256)) * 4)
    response = await authed.get(
        api(session_id, endpoint), params={"file": "clip.mp4"}, headers={"Range": "bytes=10-13"}
    )
    assert response.status == 206
    assert response.headers["Content-Range"] == "bytes 10-13/1024"
    assert await response.read() == bytes([10, 11, 12, 13])
    head = await authed.head(api(session_id, endpoint), params={"file": "clip.mp4"})
    assert head.status == 200
    assert head.content_length == 1024


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def test_served_files_leave_no_descriptor_open(
    authed: AppClient, session_id: str, work: Path
) -> None:
    (work / "f.bin").write_bytes(b"x" * 1000)
    for endpoint in READERS:  # warm up: the first requests open the loop's own descriptors
        await (await authed.get(api(session_id, endpoint), params={"file": "f.bin"})).read()
    before = open_fds()
    for _ in range(20):
        for endpoint in READERS:
            response = await authed.get(api(session_id, endpoint), params={"file": "f.bin"})
            await response.read()
        await authed.head(api(session_id, "download"), params={"file": "f.bin"})
        response = await authed.get(
            api(session_id, "download"), params={"file": "f.bin"},
            headers={"If-None-Match": response.headers.get("ETag", "*")},
        )
        assert response.status == 304
    gc.collect()
    assert open_fds() <= before


def test_open_inside_judges_the_opened_file_not_its_name(work: Path, outside: Path) -> None:
    """A symlink swapped in between the realpath check and the open (#13 traversal corpus).

    Opening these names directly is what an open right after that swap does: the realpath
    check already passed, and only the check on the open descriptor stands between.
    """
    from termbeam_py.files.paths import READ_FLAGS, open_inside

    work.mkdir()
    (work / "inside.txt").write_text("inside")
    (work / "sub").mkdir()
    (work / "swapped").symlink_to(outside / "secret.txt")
    (work / "dir").symlink_to(outside)
    (work / "sub" / "up").symlink_to("../..")
    real_root = os.path.realpath(work)
    before = open_fds()
    for path, flags in (
        (work / "swapped", READ_FLAGS),
        (work / "dir" / "secret.txt", READ_FLAGS),
        (work / "sub" / "up" / "outside" / "secret.txt", READ_FLAGS),
        (work / "dir", READ_FLAGS | os.O_DIRECTORY),
        (work / "sub" / "up", READ_FLAGS | os.O_DIRECTORY),
    ):
        with pytest.raises(Forbidden):
            open_inside(str(path), real_root, "escape", flags)
    assert open_fds() == before  # a refused descriptor is closed
    fd, where = open_inside(str(work / "sub" / ".." / "inside.txt"), real_root, "escape")
    try:
        assert where == str(work / "inside.txt")
        assert os.read(fd, 100) == b"inside"
    finally:
        os.close(fd)


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.slow
async def test_download_50mb_streams_with_flat_memory(
    authed: AppClient, session_id: str, work: Path
) -> None:
    expected = hashlib.sha256()
    block = os.urandom(MiB)
    with open(work / "big.bin", "wb") as fh:
        for i in range(50):
            chunk = i.to_bytes(4, "big") + block[4:]
            expected.update(chunk)
            fh.write(chunk)
    del block, chunk
    gc.collect()
    before = rss_kib()
    response = await authed.get(api(session_id, "download"), params={"file": "big.bin"})
    assert response.status == 200
    assert response.content_length == 50 * MiB
    got, peak = hashlib.sha256(), before
    async for piece in response.content.iter_chunked(256 * 1024):
        got.update(piece)
        # Sampled while streaming: a whole-file buffer freed at the end would not show after.
        peak = max(peak, rss_kib())
    growth_mib = (max(peak, rss_kib()) - before) / 1024
    assert got.hexdigest() == expected.hexdigest()
    assert growth_mib < 20, f"RSS grew by {growth_mib:.1f} MiB"


# -- file-raw -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("pic.png", "image/png"),
        ("clip.mp4", "video/mp4"),
        ("page.html", "text/plain"),
        ("page.htm", "text/plain"),
        ("pic.svg", "text/plain"),
        ("feed.xml", "text/plain"),
        ("page.xhtml", "text/plain"),
        ("app.js", "text/plain"),
        ("notes.md", "text/plain"),
        ("Makefile", "text/plain"),
        ("archive.zip", "application/octet-stream"),
        ("doc.pdf", "application/octet-stream"),
    ],
)
async def test_file_raw_content_types_are_inert(
    authed: AppClient, session_id: str, work: Path, name: str, content_type: str
) -> None:
    payload = b"<script>alert(document.cookie)</script>"
    (work / name).write_bytes(payload)
    response = await authed.get(api(session_id, "file-raw"), params={"file": name})
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith(SANDBOX)
    assert "Content-Disposition" not in response.headers
    assert await response.read() == payload


async def test_file_raw_judges_the_target_not_the_link_name(
    authed: AppClient, session_id: str, work: Path
) -> None:
    (work / "evil.html").write_text("<script>1</script>")
    (work / "innocent.png").symlink_to("evil.html")
    response = await authed.get(api(session_id, "file-raw"), params={"file": "innocent.png"})
    assert response.content_type == "text/plain"


# -- file-content ---------------------------------------------------------------------------


async def test_file_content(authed: AppClient, session_id: str, work: Path) -> None:
    (work / "docs").mkdir()
    (work / "docs" / "README.md").write_bytes("# Hi ✓\n".encode() + b"\xff\n")
    body = await get_json(authed, api(session_id, "file-content"), file="docs/README.md")
    assert body == {"content": "# Hi ✓\n\ufffd\n", "name": "README.md", "size": 11}


# -- POST /api/sessions/:id/upload ----------------------------------------------------------


async def upload(
    client: AppClient, session_id: str, data: Any, name: str | None = "f.txt", **headers: str
) -> Any:
    if name is not None:
        headers["X-Filename"] = name
    return await client.post(api(session_id, "upload"), data=data, headers=headers)


async def test_upload_writes_the_file(authed: AppClient, session_id: str, work: Path) -> None:
    response = await upload(authed, session_id, b"#!/bin/sh\necho hi\n", "script.sh")
    assert response.status == 201, await response.text()
    assert await response.json() == {
        "name": "script.sh", "path": str(work / "script.sh"), "size": 18,
    }
    assert (work / "script.sh").read_bytes() == b"#!/bin/sh\necho hi\n"


async def test_upload_renames_instead_of_overwriting(
    authed: AppClient, session_id: str, work: Path
) -> None:
    (work / "a.tar.gz").write_bytes(b"original")
    got = []
    for i in range(3):
        response = await upload(authed, session_id, f"v{i}".encode(), "a.tar.gz")
        assert response.status == 201, await response.text()
        got.append((await response.json())["name"])
    assert got == ["a.tar (1).gz", "a.tar (2).gz", "a.tar (3).gz"]
    assert (work / "a.tar.gz").read_bytes() == b"original"
    assert (work / "a.tar (2).gz").read_bytes() == b"v1"


async def test_upload_never_writes_through_a_symlink(
    authed: AppClient, session_id: str, work: Path, outside: Path
) -> None:
    (work / "x.txt").symlink_to(outside / "planted.txt")  # dangling: O_EXCL must not follow
    response = await upload(authed, session_id, b"data", "x.txt")
    assert (await response.json())["name"] == "x (1).txt"
    assert not (outside / "planted.txt").exists()


async def test_upload_gives_up_after_99_suffixes(
    authed: AppClient, session_id: str, work: Path
) -> None:
    (work / "f.txt").touch()
    for n in range(1, 100):
        (work / f"f ({n}).txt").touch()
    response = await upload(authed, session_id, b"data", "f.txt")
    await expect_error(response, 409, "Too many filename collisions")
    assert len(os.listdir(work)) == 100


@pytest.mark.parametrize(
    ("raw", "saved"),
    [
        ("../../etc/passwd", "passwd"),
        ("dir/sub/", "sub"),
        ("  spaced \t  out name .txt  ", "spaced out name .txt"),
        ("é ünïcode.txt", "é ünïcode.txt"),
    ],
)
async def test_upload_sanitises_the_filename(
    authed: AppClient, session_id: str, work: Path, raw: str, saved: str
) -> None:
    headers = {"X-Filename": raw}
    response = await authed.post(api(session_id, "upload"), data=b"x", headers=headers)
    assert response.status == 201, await response.text()
    assert (await response.json())["name"] == saved
    assert os.listdir(work) == [saved]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, "Missing X-Filename header"),
        ("", "Missing X-Filename header"),
        ("..", "Invalid filename"),
        ("a/..", "Invalid filename"),
        ("/", "Invalid filename"),
        ("n" * 256, "Invalid filename"),
    ],
)
async def test_upload_refuses_bad_names(
    authed: AppClient, session_id: str, work: Path, name: str | None, message: str
) -> None:
    response = await upload(authed, session_id, b"x", name)
    await expect_error(response, 400, message)
    assert os.listdir(work) == []


async def raw_post(client: AppClient, path: str, headers: bytes, body: bytes) -> bytes:
    """Send bytes aiohttp's client would refuse (control characters in headers)."""
    port = client.server.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {PASSWORD}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n".encode() + headers + b"\r\n" + body
    )
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


async def test_upload_header_bytes_never_reach_the_disk_raw(
    authed: AppClient, session_id: str, work: Path
) -> None:
    path = api(session_id, "upload")
    # aiohttp's parser refuses control characters outright (our stripping is a second line).
    answer = await raw_post(authed, path, b"X-Filename: a\x01b.txt\r\n", b"x")
    assert answer.startswith(b"HTTP/1.0 400"), answer
    assert os.listdir(work) == []
    # Raw UTF-8 is a name; bytes that are not UTF-8 are dropped, not written as mojibake.
    answer = await raw_post(authed, path, b"X-Filename: caf\xc3\xa9 \xff.txt\r\n", b"x")
    assert answer.startswith(b"HTTP/1.1 201"), answer
    assert os.listdir(work) == ["café .txt"]


async def test_upload_target_dir(
    authed: AppClient, session_id: str, work: Path, outside: Path
) -> None:
    response = await upload(authed, session_id, b"x", "t.txt", **{"X-Target-Dir": str(outside)})
    assert response.status == 201
    assert (await response.json())["path"] == str(outside / "t.txt")
    for target, message in (
        ("relative/dir", "Target directory must be an absolute path"),
        (str(outside / "nope"), "Target directory does not exist"),
        (str(outside / "secret.txt"), "Target directory is not a directory"),
    ):
        response = await upload(authed, session_id, b"x", "t.txt", **{"X-Target-Dir": target})
        await expect_error(response, 400, message)


async def test_upload_default_target_is_the_live_cwd(
    authed: AppClient, session_id: str, term: TermWS, outside: Path
) -> None:
    await term.run(f"cd {outside}")
    response = await upload(authed, session_id, b"x", "here.txt")
    assert (await response.json())["path"] == str(outside / "here.txt")


async def test_upload_empty_body(authed: AppClient, session_id: str, work: Path) -> None:
    response = await upload(authed, session_id, b"")
    await expect_error(response, 400, "Empty file")

    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""

    response = await upload(authed, session_id, nothing())
    await expect_error(response, 400, "Empty file")
    assert os.listdir(work) == []


async def test_upload_streams_past_client_max_size(
    authed: AppClient, session_id: str, work: Path
) -> None:
    data = os.urandom(5 * MiB)
    response = await upload(authed, session_id, io.BytesIO(data), "big.bin")
    assert response.status == 201, await response.text()
    assert (work / "big.bin").read_bytes() == data
    response = await upload(authed, session_id, io.BytesIO(b"x" * (10 * MiB)), "cap.bin")
    assert response.status == 201, await response.text()
    assert (await response.json())["size"] == 10 * MiB


async def chunked(total: int, piece: int = 256 * 1024) -> AsyncIterator[bytes]:
    """A body without Content-Length: the server only learns the size as it streams."""
    sent = 0
    while sent < total:
        n = min(piece, total - sent)
        sent += n
        yield b"z" * n


async def test_upload_over_the_cap_leaves_nothing(
    authed: AppClient, session_id: str, work: Path
) -> None:
    response = await upload(authed, session_id, io.BytesIO(b"x" * (10 * MiB + 1)), "declared.bin")
    await expect_error(response, 413, "File too large (max 10 MB)")
    response = await upload(authed, session_id, chunked(11 * MiB), "streamed.bin")
    await expect_error(response, 413, "File too large (max 10 MB)")
    assert os.listdir(work) == []


async def disconnect_mid_upload(port: int, session_id: str, directory: Path) -> None:
    """Promise 5 MiB, send 2 MiB, hang up; the partial file must disappear."""
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {api(session_id, 'upload')} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {PASSWORD}\r\n"
        "X-Filename: partial.bin\r\n"
        f"Content-Length: {5 * MiB}\r\n\r\n".encode()
        + b"p" * (2 * MiB)
    )
    await writer.drain()
    await eventually(lambda: os.listdir(directory) == ["partial.bin"], "the partial upload file")
    writer.close()
    await writer.wait_closed()
    await eventually(lambda: os.listdir(directory) == [], "the partial upload to be removed")


async def test_upload_client_disconnect_leaves_no_partial_file(
    authed: AppClient, session_id: str, work: Path
) -> None:
    # The test server cancels the handler when the client goes away.
    assert authed.server.port is not None
    await disconnect_mid_upload(authed.server.port, session_id, work)


async def test_upload_client_disconnect_without_handler_cancellation(tmp_path: Path) -> None:
    # server.run's AppRunner keeps aiohttp's default: the handler is not cancelled, the
    # body read fails instead. Both paths must clean up.
    runner = web.AppRunner(create_app(make_config(tmp_path)))
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        auth = {"Authorization": f"Bearer {PASSWORD}"}
        async with aiohttp.ClientSession(headers=auth) as http:
            url = f"http://127.0.0.1:{port}/api/sessions"
            async with http.post(url, json={}) as response:
                assert response.status == 201, await response.text()
                session_id = (await response.json())["id"]
            await disconnect_mid_upload(port, session_id, tmp_path / "work")
    finally:
        await runner.cleanup()


# -- POST /api/upload and GET /uploads/:id --------------------------------------------------

IMAGES = {
    "image/png": PNG,
    "image/jpeg": b"\xff\xd8\xff\xe0\0\x10JFIF\0",
    "image/gif": b"GIF89a\x01\0\x01\0\0\0",
    "image/webp": b"RIFF\x24\0\0\0WEBPVP8 ",
    "image/bmp": b"BM" + bytes(30),
}


async def paste(client: AppClient, data: Any, content_type: str = "image/png") -> Any:
    return await client.post("/api/upload", data=data, headers={"Content-Type": content_type})


@pytest.mark.parametrize("content_type", list(IMAGES))
async def test_image_upload_round_trip(authed: AppClient, content_type: str) -> None:
    data = IMAGES[content_type]
    response = await paste(authed, data, content_type)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert set(body) == {"id", "url", "path"}
    assert body["url"] == f"/uploads/{body['id']}"
    path = Path(body["path"])
    ext = {"image/jpeg": ".jpg"}.get(content_type, "." + content_type.split("/")[1])
    assert path.name == f"termbeam-{body['id']}{ext}"
    assert path.read_bytes() == data
    assert path.parent.stat().st_mode & 0o777 == 0o700
    response = await authed.get(body["url"])
    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert await response.read() == data


@pytest.mark.parametrize(
    ("content_type", "data", "message"),
    [
        ("text/plain", PNG, "Invalid content type"),
        ("application/octet-stream", PNG, "Invalid content type"),
        ("image/svg+xml", b"<svg onload='alert(1)'/>", "Invalid content type"),
        ("image/png", b"", "No image data"),
        ("image/png", b"\xff\xd8\xff\xe0 jpeg really", MISMATCH),
        ("image/jpeg", PNG, MISMATCH),
        ("image/webp", b"RIFF\0\0\0\0WAVE", MISMATCH),
        ("image/gif", b"GIF", MISMATCH),
    ],
)
async def test_image_upload_refusals(
    authed: AppClient, content_type: str, data: bytes, message: str
) -> None:
    response = await paste(authed, data, content_type)
    await expect_error(response, 400, message)


async def test_image_upload_over_the_cap(authed: AppClient) -> None:
    response = await paste(authed, PNG)
    store_dir = Path((await response.json())["path"]).parent
    response = await paste(authed, io.BytesIO(PNG + bytes(10 * MiB)))
    await expect_error(response, 413, "File too large")

    async def body() -> AsyncIterator[bytes]:
        yield PNG
        async for piece in chunked(10 * MiB):
            yield piece

    response = await paste(authed, body())
    await expect_error(response, 413, "File too large")
    assert len(os.listdir(store_dir)) == 1


async def test_uploads_unknown_or_vanished(authed: AppClient, client: AppClient) -> None:
    response = await authed.get("/uploads/does-not-exist")
    await expect_error(response, 404, "not found")
    body = await (await paste(authed, PNG)).json()
    os.unlink(body["path"])
    response = await authed.get(body["url"])
    await expect_error(response, 404, "not found")
    (Path(body["path"])).write_bytes(PNG)  # the id was dropped: it stays gone
    response = await authed.get(body["url"])
    await expect_error(response, 404, "not found")


async def test_uploads_need_auth(authed: AppClient) -> None:
    body = await (await paste(authed, PNG)).json()
    authed.session.cookie_jar.clear()
    response = await authed.get(body["url"], allow_redirects=False)
    assert response.status in (302, 401)
    response = await paste(authed, PNG)
    await expect_error(response, 401, "unauthorized")


async def test_uploaded_images_are_deleted_on_shutdown(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path)))
    assert (await client.post("/api/auth", json={"password": PASSWORD})).status == 200
    paths = [Path((await (await paste(client, PNG)).json())["path"]) for _ in range(2)]
    assert all(p.exists() for p in paths)
    await client.close()
    assert not any(p.exists() for p in paths)
    assert not paths[0].parent.exists()
