"""``type: redis`` lock stores and fan-outs from endpoints.yml sections, in Rasa's shape."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.errors import ConfigError
from bot.store.factory import fanout_from_endpoint, lock_store_from_endpoint
from bot.store.redis_connection import RedisEndpoint, describe_failure
from bot.store.redis_fanout import RedisFanout
from bot.store.redis_lock import RedisLockStore


def redis_lock_store(options: dict[str, Any]) -> RedisLockStore:
    store = lock_store_from_endpoint({"type": "redis", **options})
    assert isinstance(store, RedisLockStore)
    return store


def redis_fanout(options: dict[str, Any]) -> RedisFanout:
    fanout = fanout_from_endpoint({"type": "redis", **options})
    assert isinstance(fanout, RedisFanout)
    return fanout


def test_defaults_follow_rasa() -> None:
    store = redis_lock_store({})
    assert store.endpoint == RedisEndpoint("localhost", 6379, db=1)
    assert (store.timeout, store.lease, store.key_prefix) == (60, 20, "destek")


def test_rasa_lock_store_keys() -> None:
    store = redis_lock_store(
        {
            "url": "redis.internal",
            "port": 6380,
            "db": 2,
            "password": "p@ss:wörd",
            "use_ssl": True,
            "key_prefix": "bot_1",
            "socket_timeout": 3,
            "concurrent_mode": True,  # Rasa's switch; ours is always concurrent
            "timeout": 30,
            "lease": 10,
        }
    )
    assert store.endpoint == RedisEndpoint(
        "redis.internal", 6380, 2, password="p@ss:wörd", ssl=True, socket_timeout=3
    )
    assert (store.timeout, store.lease, store.key_prefix) == (30, 10, "bot_1")


def test_values_from_environment_variables_arrive_as_text() -> None:
    store = redis_lock_store(
        {"port": "6380", "db": "3", "use_ssl": "True", "timeout": "12.5", "password": 1234}
    )
    assert (store.endpoint.port, store.endpoint.db, store.endpoint.ssl) == (6380, 3, True)
    assert (store.timeout, store.endpoint.password) == (12.5, "1234")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://cache:6390/4", RedisEndpoint("cache", 6390, 4)),
        ("redis://cache", RedisEndpoint("cache", 6379, 1)),
        (
            "rediss://bot:s%40cret@cache.internal/0",
            RedisEndpoint("cache.internal", 6379, 0, "bot", "s@cret", ssl=True),
        ),
    ],
)
def test_a_full_url(url: str, expected: RedisEndpoint) -> None:
    assert redis_lock_store({"url": url}).endpoint == expected
    assert redis_fanout({"url": url}).endpoint == expected


def test_keys_fill_in_what_the_url_leaves_out() -> None:
    endpoint = redis_lock_store(
        {"url": "redis://cache:6390", "password": "secret", "db": 5, "port": 6390}
    ).endpoint
    assert endpoint == RedisEndpoint("cache", 6390, 5, password="secret")


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"url": "redis://cache:6390", "port": 6391}, "lock_store.port"),
        ({"url": "redis://cache/2", "db": 3}, "lock_store.db"),
        ({"url": "rediss://cache", "use_ssl": False}, "lock_store.use_ssl"),
        ({"url": "redis://:secret@cache", "password": "other"}, "lock_store.password"),
    ],
)
def test_a_key_that_contradicts_the_url_is_named(options: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=rf"{key} contradicts lock_store.url") as caught:
        redis_lock_store(options)
    assert "secret" not in str(caught.value) and "other" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": "http://cache"}, r"lock_store\.url is not a valid redis:// URL"),
        ({"url": "redis://cache:port"}, r"lock_store\.url is not a valid redis:// URL"),
        ({"url": "redis://cache?ssl=true"}, r"lock_store\.url must not have a query"),
        ({"url": ["cache"]}, r"lock_store\.url must be a string"),
        ({"port": "abc"}, r"lock_store\.port must be a whole number from 1 to 65535"),
        ({"port": 70000}, r"lock_store\.port must be a whole number"),
        ({"db": -1}, r"lock_store\.db must be a whole number 0 or more"),
        ({"db": True}, r"lock_store\.db must be a whole number"),
        ({"use_ssl": "yes please"}, r"lock_store\.use_ssl must be true or false"),
        ({"password": {"a": 1}}, r"lock_store\.password must be a string"),
        ({"socket_timeout": 0}, r"lock_store\.socket_timeout must be a positive number"),
        ({"timeout": "-1"}, r"lock_store\.timeout must be a positive number"),
        ({"lease": "forever"}, r"lock_store\.lease must be a positive number"),
        ({"key_prefix": "a b"}, r"lock_store\.key_prefix must be letters, digits"),
        ({"key_prefix": ""}, r"lock_store\.key_prefix must be letters, digits"),
        ({"prot": 6379}, r"unknown lock_store key 'prot' \(known: type, url, port"),
    ],
)
def test_malformed_lock_store_keys_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        redis_lock_store(options)


def test_fanout_keys() -> None:
    fanout = redis_fanout(
        {"url": "cache", "port": "6381", "db": 0, "password": "pw", "key_prefix": "shop"}
    )
    assert fanout.endpoint == RedisEndpoint("cache", 6381, 0, password="pw")
    assert fanout.key_prefix == "shop"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": 5}, r"unknown fanout key 'timeout'"),
        ({"port": "x"}, r"fanout\.port must be a whole number"),
    ],
)
def test_malformed_fanout_keys_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        redis_fanout(options)


@pytest.mark.parametrize("section", ["lock_store", "fanout"])
def test_unknown_types_list_redis(section: str) -> None:
    build = lock_store_from_endpoint if section == "lock_store" else fanout_from_endpoint
    with pytest.raises(ConfigError, match=r"'zookeeper' \(known: in_memory, memory, redis\)"):
        build({"type": "zookeeper"})


def test_the_password_stays_out_of_reprs_and_failures() -> None:
    store = redis_lock_store({"url": "redis://:hunter2@cache:6390/1"})
    fanout = redis_fanout({"url": "cache", "password": "hunter2"})
    assert "hunter2" not in repr(store) + repr(fanout) + repr(store.endpoint)
    failure = RedisConnectionError("AUTH hunter2 failed\nsecond line")
    assert describe_failure(failure, store.endpoint) == (
        "Redis at cache:6390/1: ConnectionError: AUTH *** failed"
    )


def test_building_connects_to_nothing() -> None:
    store = redis_lock_store({"url": "no-such-host.invalid"})
    assert len(store) == 0
