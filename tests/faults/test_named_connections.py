"""endpoints.yml's ``client_name``: every Redis connection of the stores carries it, so
an operator (and the fault suite) can find and end exactly this deployment's clients;
the stores then connect again by themselves."""

from __future__ import annotations

import secrets

import pytest
import redis

from bot.errors import ConfigError
from bot.store.redis_connection import RedisEndpoint, redis_endpoint_from_options
from bot.store.redis_lock import RedisLockStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("name", ["", "iki kelime", "satır\nsonu", "x" * 65, 7])
def test_a_client_name_redis_would_refuse_is_a_config_error(name: object) -> None:
    with pytest.raises(ConfigError, match=r"lock_store\.client_name"):
        redis_endpoint_from_options({"client_name": name}, "lock_store")


def _named(endpoint: RedisEndpoint, name: str) -> list[int]:
    with redis.Redis(host=endpoint.host, port=endpoint.port) as client:
        return [c["id"] for c in client.client_list() if c.get("name") == name]


async def test_the_lock_store_names_its_connections_and_survives_their_end(
    redis_endpoint: RedisEndpoint,
) -> None:
    name = f"destek_test_{secrets.token_hex(4)}"
    options = {"url": redis_endpoint.host, "port": redis_endpoint.port, "client_name": name}
    endpoint = redis_endpoint_from_options({**options, "db": redis_endpoint.db}, "lock_store")
    locks = RedisLockStore(endpoint, key_prefix=name, timeout=5)
    try:
        async with locks.lock("p1"):
            pass
        ids = _named(endpoint, name)
        assert ids  # named, so it can be told apart from everyone else's
        with redis.Redis(host=endpoint.host, port=endpoint.port) as admin:
            for client_id in ids:
                admin.client_kill_filter(_id=client_id)  # what a restart does to it
        assert _named(endpoint, name) == []
        async with locks.lock("p1"):  # connects again, named again
            assert _named(endpoint, name)
    finally:
        await locks.close()
