"""Rate-limit buckets in the machine's Redis: shared by workers, and never an error when
Redis is away."""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import AsyncIterator

import pytest
from redis import exceptions as redis_errors

from bot.server.rate_limit import RateLimits
from bot.server.rate_limit_buckets import RedisBuckets
from bot.server.rate_limit_config import BucketRule, rate_limit_config
from bot.store.redis_connection import RedisEndpoint
from tests.services import service_unavailable

pytestmark = pytest.mark.anyio
ENDPOINT = RedisEndpoint(host="127.0.0.1", port=6379, db=15)
RULE = BucketRule(per_minute=6, burst=3)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    client = ENDPOINT.client()
    try:
        await client.ping()
    except (redis_errors.RedisError, OSError) as exc:
        await client.aclose()
        service_unavailable(f"Redis at {ENDPOINT.where}", str(exc))
    name = f"destek_rltest_{secrets.token_hex(4)}"
    yield name
    keys = [key async for key in client.scan_iter(f"{name}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def worker(prefix: str) -> RateLimits:
    """The limits of one worker whose endpoints.yml names the shared Redis."""
    options = {"type": "redis", "url": "127.0.0.1", "db": 15, "key_prefix": prefix}
    return RateLimits(rate_limit_config({**options, "per_sender": {"per_minute": 6, "burst": 3}}))


async def test_two_workers_share_one_bucket_per_sender(prefix: str) -> None:
    first, second = worker(prefix), worker(prefix)
    try:
        waits = [
            await first.retry_after("rest:p1"),
            await second.retry_after("rest:p1"),
            await first.retry_after("rest:p1"),
            await second.retry_after("rest:p1"),
        ]
        assert waits[:3] == [0.0, 0.0, 0.0]
        assert 9.0 < waits[3] <= 10.0  # one token every 10 s, for both workers
        assert await first.retry_after("rest:p2") == 0.0
        await first.buckets.give_back(*first.per_sender("rest:p1"))
        assert await second.retry_after("rest:p1") == 0.0
        assert await second.retry_after("rest:p1") > 0
    finally:
        await first.buckets.close()
        await second.buckets.close()


async def test_a_long_sender_is_stored_under_a_short_key(prefix: str) -> None:
    limits = worker(prefix)
    try:
        assert await limits.retry_after("rest:" + "x" * 100_000) == 0.0
    finally:
        await limits.buckets.close()
    client = ENDPOINT.client()
    keys = [key async for key in client.scan_iter(f"{prefix}:*")]
    await client.aclose()
    assert len(keys) == 1 and len(keys[0]) < 120


async def test_a_script_redis_has_forgotten_is_sent_again(prefix: str) -> None:
    limits = worker(prefix)
    buckets = limits.buckets
    assert isinstance(buckets, RedisBuckets)
    try:
        assert await limits.retry_after("rest:p") == 0.0
        # As after a Redis restart (never done to the shared server): EVALSHA says NOSCRIPT.
        buckets._script_sha = "0" * 40
        assert [await limits.retry_after("rest:p") for _ in range(2)] == [0.0, 0.0]
        assert await limits.retry_after("rest:p") > 0
    finally:
        await buckets.close()


async def test_without_redis_each_worker_limits_on_its_own_and_quickly() -> None:
    with socket.socket() as unused:  # a port nothing listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    buckets = RedisBuckets(RedisEndpoint(host="127.0.0.1", port=port, db=15), "destek")
    started = time.monotonic()
    try:
        waits = [await buckets.take([("sender:p", RULE)]) for _ in range(4)]
        await buckets.give_back("sender:p", RULE)
    finally:
        await buckets.close()
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0
    assert time.monotonic() - started < 2.0  # one failed call, then memory for a while
