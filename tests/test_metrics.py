"""GET /metrics (#19): Prometheus text that prometheus_client parses, counters that move with
real traffic on a real server, and who may read it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from termbeam_py.app import create_app
from termbeam_py.metrics import SESSION_LABEL
from tests.conftest import PASSWORD, ClientFactory, make_config
from tests.helpers import AppClient, TermWS, eventually

OpenWS = Callable[..., Awaitable[TermWS]]
MB = 1024 * 1024
ADMIN = {"Authorization": f"Bearer {PASSWORD}"}


async def scrape(client: AppClient, **kwargs: object) -> dict[str, list[Sample]]:
    """Every sample of /metrics by sample name (counters end in `_total`)."""
    response = await client.get("/metrics", **kwargs)  # type: ignore[arg-type]
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def of_session(samples: dict[str, list[Sample]], name: str, session_id: str) -> float:
    [value] = [s.value for s in samples.get(name, [])
               if s.labels["session"] == session_id[:SESSION_LABEL]]
    return value


async def test_metrics_parse_and_count_a_megabyte_of_output(
    authed: AppClient, term: TermWS, session_id: str
) -> None:
    before = await scrape(authed)
    assert of_session(before, "termbeam_session_viewers", session_id) == 1
    start = of_session(before, "termbeam_session_output_bytes_total", session_id)
    await term.type(f"head -c {MB} /dev/zero | tr '\\0' x; echo; echo bur''st\r")
    await term.read_until("burst\r\n", timeout=60)

    after = await scrape(authed)
    assert of_session(after, "termbeam_session_output_bytes_total", session_id) - start >= MB
    assert of_session(after, "termbeam_session_input_bytes_total", session_id) > 40
    assert after["termbeam_process_resident_memory_bytes"][0].value > 0
    assert after["termbeam_process_open_fds"][0].value > 0
    assert after["termbeam_websocket_connections"][0].value == 1
    assert after["termbeam_sessions"][0].value == 1
    assert "termbeam_event_loop_lag_p99_seconds" in after
    # The session's shell is sampled every few seconds: at least the first sample saw it.
    assert of_session(after, "termbeam_session_resident_memory_bytes", session_id) > 0
    created = [s for s in after["termbeam_http_requests_total"]
               if s.labels == {"route": "/api/sessions", "method": "POST", "status": "201"}]
    assert [s.value for s in created] == [1.0]


async def test_paused_time_grows_while_a_viewer_stalls(
    authed: AppClient, open_ws: OpenWS, session_id: str
) -> None:
    # The only viewer, binary and never acknowledging: flow control pauses the PTY for it.
    viewer = await open_ws()
    await viewer.attach(session_id, binary=True)
    await viewer.resize(80, 24)
    await viewer.expect("attached")
    assert of_session(await scrape(authed), "termbeam_session_paused_seconds_total",
                      session_id) == 0
    await viewer.type("yes\r")

    async def paused() -> float:
        return of_session(await scrape(authed), "termbeam_session_paused_seconds_total",
                          session_id)

    first = await eventually(paused, "the PTY to be paused")
    await eventually(lambda: _grew(paused, first), "paused time to grow")


async def _grew(paused: Callable[[], Awaitable[float]], than: float) -> bool:
    return await paused() > than


async def test_metrics_need_credentials(client: AppClient) -> None:
    response = await client.get("/metrics", allow_redirects=False)
    assert response.status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401


async def test_session_bound_token_is_refused_and_a_read_token_reads(client: AppClient) -> None:
    created = await client.post("/api/sessions", json={}, headers=ADMIN)
    session_id = (await created.json())["id"]

    async def token(**body: str) -> dict[str, str]:
        response = await client.post("/api/tokens", headers=ADMIN, json=body)
        assert response.status == 201, await response.text()
        return {"Authorization": f"Bearer {(await response.json())['token']}"}

    bound = await token(name="bound", scope="read", session=session_id)
    response = await client.get("/metrics", headers=bound)
    assert response.status == 403
    assert "bound to one session" in (await response.json())["error"]
    reader = await token(name="scraper", scope="read")
    samples = await scrape(client, headers=reader)
    assert of_session(samples, "termbeam_session_viewers", session_id) == 0


async def test_scrapers_are_held_to_the_api_rate_limit(aiohttp_client: ClientFactory,
                                                        tmp_path: Path) -> None:
    client = await aiohttp_client(create_app(make_config(tmp_path, rate_limit=True)))
    response = await client.get("/metrics", headers=ADMIN)
    assert response.status == 200
    assert response.headers["X-RateLimit-Limit"] == "120"


async def test_a_view_link_cannot_read_metrics(client: AppClient) -> None:
    """A view-only link shows one session's output: the figures of every session are not
    for its holder, by its cookie or by its session-bound principal."""
    created = await client.post("/api/sessions", json={}, headers=ADMIN)
    session_id = (await created.json())["id"]
    made = await client.post(f"/api/sessions/{session_id}/viewers/link", json={},
                             headers=ADMIN)
    assert made.status == 201, await made.text()
    secret = str((await made.json())["url"]).rsplit("/", 1)[1]
    response = await client.get("/metrics", headers={"Cookie": f"tb_view={secret}"})
    assert response.status == 403
    assert "scope" in (await response.json())["error"]


async def test_a_no_password_server_still_wants_a_token_for_metrics(
    aiohttp_client: ClientFactory, tmp_path: Path
) -> None:
    """/metrics is never open: on a --no-password server (loopback only), where every other
    route answers anyone, it still takes a read token; a page elsewhere cannot read it."""
    client = await aiohttp_client(create_app(make_config(tmp_path, password=None)))
    bare = await client.get("/metrics")
    assert bare.status == 401
    assert "token" in (await bare.json())["error"]
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer tbk_nonsense"})
    assert wrong.status == 401
    made = await client.post("/api/tokens", json={"name": "scrape", "scope": "read"})
    assert made.status == 201, await made.text()
    token = (await made.json())["token"]
    assert "termbeam_sessions" in await scrape(
        client, headers={"Authorization": f"Bearer {token}"})
    rebound = await client.get("/metrics", headers={"Host": "evil.example:80",
                                                    "Authorization": f"Bearer {token}"})
    assert rebound.status == 403
    assert "Access-Control-Allow-Origin" not in rebound.headers
