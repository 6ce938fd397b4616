"""The rate-limit middleware around a small app: which requests count against what, the
429 it answers, and the tokens given back for messages the app refused."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException, Request, WebSocket
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from bot.errors import ConfigError
from bot.server.rate_limit import RateLimit, RateLimits
from bot.server.rate_limit_config import rate_limit_config
from tests.live_server import LiveServer

pytestmark = pytest.mark.anyio
WEBHOOK = "/webhooks/rest/webhook"
STRICT = {"exempt": [], "per_sender": {"per_minute": 6, "burst": 3}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def small_app(options: dict[str, Any]) -> tuple[FastAPI, list[str]]:
    """An app with a webhook, the conversation and parse routes, /health and a socket,
    behind the middleware; the list collects the senders the webhook accepted."""
    app = FastAPI()
    accepted: list[str] = []

    @app.post(WEBHOOK)
    async def webhook(request: Request) -> list[Any]:
        body = await request.json()
        if body.get("token") == "forged":
            raise HTTPException(401, "User is not authenticated.")
        accepted.append(body["sender"])
        return []

    @app.get("/conversations/{conversation_id}/tracker")
    async def tracker(conversation_id: str) -> dict[str, str]:
        return {"sender_id": conversation_id}

    @app.post("/model/parse")
    async def parse() -> dict[str, str]:
        return {}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/webchat/widget.js")
    async def widget() -> str:
        return ""

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        await websocket.close()

    app.add_middleware(RateLimit, limits=RateLimits(rate_limit_config(options)))
    return app, accepted


@pytest.fixture
async def strict() -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    app, accepted = small_app(STRICT)
    transport = httpx.ASGITransport(app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, accepted


async def test_a_sender_over_its_burst_gets_429_with_retry_after_before_the_app(
    strict: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, accepted = strict
    answers = [
        await client.post(WEBHOOK, json={"sender": "p1", "message": f"m{i}"}) for i in range(5)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3]
    assert refused.headers["Retry-After"] == "10"  # one token every 10 s at 6 a minute
    assert refused.json() == {
        "version": refused.json()["version"],
        "status": "failure",
        "message": "too many requests; please retry in 10 s",
        "reason": "TooManyRequests",
        "code": 429,
        "retry_after": 10,
    }
    assert accepted == ["p1"] * 3  # the refused ones never reached the app
    other = await client.post(WEBHOOK, json={"sender": "p2", "message": "selam"})
    assert other.status_code == 200


async def test_requests_the_app_refuses_give_the_senders_token_back(
    strict: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, accepted = strict
    for _ in range(10):  # a forger naming p1 cannot use up p1's messages
        body = {"sender": "p1", "message": "x", "token": "forged"}
        forged = await client.post(WEBHOOK, json=body)
        assert forged.status_code == 401
    ok = [await client.post(WEBHOOK, json={"sender": "p1", "message": "m"}) for _ in range(3)]
    assert [a.status_code for a in ok] == [200, 200, 200]
    assert accepted == ["p1"] * 3


async def test_the_body_reaches_the_app_whole_even_chunked(
    strict: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, accepted = strict
    body = json.dumps({"sender": "ç" * 300, "message": "m" * 100_000}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 7_000):
            yield body[start : start + 7_000]

    response = await client.post(WEBHOOK, content=chunks())
    assert response.status_code == 200
    assert accepted == ["ç" * 300]


@pytest.mark.parametrize("body", [b"", b"[1]", b"{", b'{"sender": 5}', b"[" * 5000])
async def test_a_body_without_a_sender_is_not_counted_per_sender(body: bytes) -> None:
    app, _ = small_app(STRICT)
    transport = httpx.ASGITransport(app, raise_app_exceptions=False, client=("203.0.113.7", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        codes = {(await client.post(WEBHOOK, content=body)).status_code for _ in range(5)}
    assert 429 not in codes  # the app answers it (the real one with a 400)


async def test_the_conversation_api_counts_per_conversation(
    strict: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, _ = strict
    codes = [(await client.get("/conversations/a/tracker")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert (await client.get("/conversations/b/tracker")).status_code == 200


async def test_every_request_counts_per_address_except_health_and_assets() -> None:
    app, _ = small_app({"exempt": [], "per_ip": {"per_minute": 60, "burst": 4}})
    transport = httpx.ASGITransport(app, client=("198.51.100.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(20):
            assert (await client.get("/health")).status_code == 200
            assert (await client.get("/webchat/widget.js")).status_code == 200
        codes = [(await client.get(f"/conversations/c{i}/tracker")).status_code for i in range(5)]
        assert codes == [200, 200, 200, 200, 429]
        assert (await client.get("/nope")).status_code == 429  # unknown routes count too
    elsewhere = httpx.ASGITransport(app, client=("198.51.100.10", 1))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://t") as client:
        assert (await client.get("/conversations/x/tracker")).status_code == 200


async def test_exempt_addresses_are_not_counted_per_address_but_senders_are() -> None:
    options = {
        "exempt": ["10.1.0.0/16"],
        "per_ip": {"per_minute": 60, "burst": 2},
        "per_sender": {"per_minute": 60, "burst": 2},
    }
    app, _ = small_app(options)
    transport = httpx.ASGITransport(app, client=("10.1.2.3", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for i in range(10):
            assert (await client.get(f"/conversations/c{i}/tracker")).status_code == 200
            assert (await client.post("/model/parse", json={"text": "x"})).status_code == 200
        codes = [
            (await client.post(WEBHOOK, json={"sender": "p", "message": "m"})).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]


async def test_loopback_is_exempt_per_address_by_default() -> None:
    app, _ = small_app({"per_ip": {"per_minute": 60, "burst": 1}})
    transport = httpx.ASGITransport(app, client=("127.0.0.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for i in range(5):
            assert (await client.get(f"/conversations/c{i}/tracker")).status_code == 200


async def test_parse_counts_per_caller_address() -> None:
    app, _ = small_app({"exempt": [], "per_sender": {"per_minute": 60, "burst": 2}})
    transport = httpx.ASGITransport(app, client=("192.0.2.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        codes = [
            (await client.post("/model/parse", json={"text": "x"})).status_code for _ in range(3)
        ]
    assert codes == [200, 200, 429]


async def test_limits_can_be_switched_off() -> None:
    options = {"enabled": False, "exempt": [], "per_sender": {"per_minute": 1, "burst": 1}}
    app, _ = small_app(options)
    transport = httpx.ASGITransport(app, client=("192.0.2.1", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(5):
            response = await client.post(WEBHOOK, json={"sender": "p", "message": "m"})
            assert response.status_code == 200


@pytest.fixture
def socket_server() -> Iterator[LiveServer]:
    app, _ = small_app({"exempt": [], "per_ip": {"per_minute": 6, "burst": 2}})
    with LiveServer(app) as server:
        yield server


def test_a_websocket_handshake_over_the_address_limit_gets_429(socket_server: LiveServer) -> None:
    url = socket_server.url.replace("http", "ws") + "/ws"
    for _ in range(2):
        with connect(url, open_timeout=10) as socket:
            assert socket.recv(timeout=10) == "hi"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=10)
    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "10"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"per_sender": {"per_minute": 0, "burst": 1}}, "rate_limits.per_sender.per_minute"),
        ({"per_ip": {"burst": 0, "per_minute": 5}}, "rate_limits.per_ip.burst"),
        ({"per_ip": {"per_minute": 5}}, "rate_limits.per_ip.burst"),
        ({"exempt": ["10.0.0.300"]}, "rate_limits.exempt"),
        ({"per_minit": 5}, "rate_limits.per_minit"),
        ({"type": "memcached"}, "rate_limits.type"),
        ({"url": "redis.internal"}, "rate_limits.url need 'type: redis'"),
        ({"type": "redis", "port": "many"}, "rate_limits.port"),
        ({"key_prefix": "a b"}, "rate_limits.key_prefix"),
        ({"enabled": "sometimes"}, "rate_limits.enabled"),
    ],
)
def test_a_malformed_section_is_a_config_error_naming_the_key(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        rate_limit_config(options)


def test_the_buckets_live_in_the_lock_stores_redis_unless_told_otherwise() -> None:
    lock_store = {"type": "redis", "url": "redis.internal", "port": 6380, "key_prefix": "eu1"}
    shared = rate_limit_config(None, lock_store)
    assert shared.redis is not None and shared.redis.where == "redis.internal:6380/1"
    assert shared.key_prefix == "eu1"
    assert rate_limit_config({"type": "memory"}, lock_store).redis is None
    assert rate_limit_config(None, {"type": "in_memory"}).redis is None
    own = rate_limit_config({"type": "redis", "url": "redis://cache:6390/3"}, lock_store)
    assert own.redis is not None and own.redis.where == "cache:6390/3"
