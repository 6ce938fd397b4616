"""Token buckets: in this process's memory, or in Redis so that every worker shares them.

:meth:`Buckets.take` charges one token to each ``(key, rule)`` in turn and answers 0.0,
or the seconds until the first bucket without a token has one again (the ones before it
stay charged: a request refused per sender still counted for its address).
:meth:`Buckets.give_back` returns a token (a message the server did not accept).

The Redis buckets are one Lua script, so the check and the charge are one atomic round
trip whatever the number of workers, timed by the Redis server's clock. Redis being slow
or away must not become refusals or errors: a failed call falls back to the memory
buckets (each worker limits on its own) and Redis is tried again some seconds later.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from redis import exceptions as redis_errors
from redis.asyncio import Redis

from bot.server.rate_limit_config import BucketRule, RateLimitConfig
from bot.store.redis_connection import RedisEndpoint, describe_failure

__all__ = ["Buckets", "MemoryBuckets", "RedisBuckets", "buckets_for"]

log = logging.getLogger(__name__)

Charge = tuple[str, BucketRule]
MAX_KEYS = 100_000  # the least recently used bucket beyond it is forgotten (a full one)
LONG_KEY = 128  # longer keys (a sender id is the caller's) are stored as their digest
REDIS_TIMEOUT = 0.5  # seconds one Redis call may take before the memory buckets answer
REDIS_PAUSE = 5.0  # seconds without Redis after it failed


class Buckets(Protocol):
    async def take(self, charges: Sequence[Charge]) -> float: ...

    async def give_back(self, key: str, rule: BucketRule) -> None: ...

    async def close(self) -> None: ...


def short_key(key: str) -> str:
    """``key`` itself, or its digest when it is long (a caller may name a 1 MB sender)."""
    if len(key) <= LONG_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class MemoryBuckets:
    """Buckets of this process; the least recently used are forgotten past ``max_keys``."""

    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._buckets: OrderedDict[str, list[float]] = OrderedDict()
        self._max_keys = max_keys

    async def take(self, charges: Sequence[Charge]) -> float:
        return self.take_now(charges)

    def take_now(self, charges: Sequence[Charge]) -> float:
        now = time.monotonic()
        for key, rule in charges:
            bucket = self._bucket(short_key(key), rule, now)
            if bucket[0] < 1.0:
                return (1.0 - bucket[0]) / rule.per_second
            bucket[0] -= 1.0
        return 0.0

    async def give_back(self, key: str, rule: BucketRule) -> None:
        bucket = self._bucket(short_key(key), rule, time.monotonic())
        bucket[0] = min(float(rule.burst), bucket[0] + 1.0)

    async def close(self) -> None:
        self._buckets.clear()

    def _bucket(self, key: str, rule: BucketRule, now: float) -> list[float]:
        """``[tokens, refilled at]`` of ``key``, refilled up to ``now``."""
        buckets = self._buckets
        bucket = buckets.get(key)
        if bucket is None:
            bucket = buckets[key] = [float(rule.burst), now]
            if len(buckets) > self._max_keys:
                buckets.popitem(last=False)
            return bucket
        buckets.move_to_end(key)
        tokens = bucket[0] + (now - bucket[1]) * rule.per_second
        bucket[0] = tokens if tokens < rule.burst else float(rule.burst)
        bucket[1] = now
        return bucket


# KEYS: the buckets; ARGV: per key, tokens a second and burst; then the cost (1 or -1).
# Each bucket is a hash {tokens, at}, expiring once it would be full again anyway.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local cost = tonumber(ARGV[#ARGV])
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local saved = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(saved[1]) or burst
  local at = tonumber(saved[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  local wait = 0
  if cost > 0 and tokens < cost then
    wait = (cost - tokens) / rate
  else
    tokens = math.min(burst, tokens - cost)
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('PEXPIRE', key, math.ceil((burst - tokens) / rate * 1000) + 1000)
  if wait > 0 then return tostring(wait) end
end
return '0'
"""


class RedisBuckets:
    """Buckets in Redis under ``<prefix>:ratelimit:<key>``, shared by every worker."""

    def __init__(self, endpoint: RedisEndpoint, prefix: str) -> None:
        timeout = min(endpoint.socket_timeout, REDIS_TIMEOUT)
        self._endpoint = dataclasses.replace(endpoint, socket_timeout=timeout)
        self._prefix = f"{prefix}:ratelimit:"
        self._client: Redis | None = None
        self._script_sha: str | None = None
        self._fallback = MemoryBuckets()
        self._paused_until = 0.0

    async def take(self, charges: Sequence[Charge]) -> float:
        if time.monotonic() < self._paused_until:
            return self._fallback.take_now(charges)
        try:
            return await self._run(charges, 1)
        except (redis_errors.RedisError, OSError) as exc:
            self._pause(exc)
            return self._fallback.take_now(charges)

    async def give_back(self, key: str, rule: BucketRule) -> None:
        if time.monotonic() < self._paused_until:
            await self._fallback.give_back(key, rule)
            return
        try:
            await self._run([(key, rule)], -1)
        except (redis_errors.RedisError, OSError) as exc:
            self._pause(exc)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self, charges: Sequence[Charge], cost: int) -> float:
        client = self._client
        if client is None:
            client = self._client = self._endpoint.client()
        keys = [self._prefix + short_key(key) for key, _ in charges]
        args: list[float | int] = []
        for _, rule in charges:
            args += [rule.per_second, rule.burst]
        args.append(cost)
        if self._script_sha is None:
            self._script_sha = await client.script_load(_SCRIPT)
        try:
            answer = await client.evalsha(self._script_sha, len(keys), *keys, *args)
        except redis_errors.NoScriptError:  # Redis restarted and forgot the script
            answer = await client.eval(_SCRIPT, len(keys), *keys, *args)
        return float(answer)

    def _pause(self, exc: BaseException) -> None:
        self._paused_until = time.monotonic() + REDIS_PAUSE
        log.warning(
            "rate limits: %s; each worker limits on its own for %.0f s",
            describe_failure(exc, self._endpoint),
            REDIS_PAUSE,
        )


def buckets_for(config: RateLimitConfig) -> Buckets:
    """Redis buckets when the configuration names a Redis, else memory ones."""
    if config.redis is None:
        return MemoryBuckets()
    return RedisBuckets(config.redis, config.key_prefix)
