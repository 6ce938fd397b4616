"""The lock store on Redis: a conversation's turns never overlap, across all workers.

A holder owns the key ``<prefix>:lock:<conversation>`` for a lease (``SET NX PX`` with a
random token) and renews it while the turn runs, so a long action server call keeps the
lock while a crashed worker's lock expires within one lease. Only the holder's token
renews or deletes the key (Lua scripts). Inside one worker, the turns of a conversation
first queue FIFO in memory, so a worker makes at most one Redis claim per conversation at
a time; between workers a waiter polls with a short, growing backoff, so the order
across workers is not FIFO.

While Redis is away, acquiring keeps trying until the timeout and then raises
``StoreError``; a release that fails is logged, never raised over the turn's result, and
the lease runs out by itself.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from bot.errors import StoreError
from bot.store.memory import DEFAULT_LOCK_TIMEOUT, InMemoryLockStore
from bot.store.redis_connection import (
    DEFAULT_KEY_PREFIX,
    RedisEndpoint,
    describe_failure,
    is_transient,
)

__all__ = ["DEFAULT_LEASE", "RedisLockStore"]

logger = logging.getLogger(__name__)

DEFAULT_LEASE = 20.0
DEFAULT_POLL_INTERVAL = 0.02
MAX_POLL_INTERVAL = 0.25

# 1: our lease was extended; 2: the key was free and is ours now; 0: someone else holds it.
# Extending our own token makes a retry safe after a claim whose reply was lost.
_CLAIM = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 1
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 2
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class _Scripts:
    client: Redis
    claim: AsyncScript
    release: AsyncScript


class RedisLockStore:
    """Per-conversation locks shared by every worker using the same Redis.

    Args:
        endpoint: where Redis is; the client connects on the first lock.
        timeout: seconds to wait for a lock, queueing and Redis outages included.
        lease: seconds a lock outlives a holder that stopped renewing it (a crash);
            renewed every third of it.
        key_prefix: keys are ``<key_prefix>:lock:<conversation id>``.
        poll_interval: first pause between claims of a lock another worker holds;
            doubled up to a quarter second.
    """

    def __init__(
        self,
        endpoint: RedisEndpoint,
        *,
        timeout: float = DEFAULT_LOCK_TIMEOUT,
        lease: float = DEFAULT_LEASE,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.lease = lease
        self.key_prefix = key_prefix
        self.poll_interval = poll_interval
        self._local = InMemoryLockStore(timeout=timeout)
        self._scripts: _Scripts | None = None
        self._renewals: set[asyncio.Task[None]] = set()
        self._closed = False

    def __repr__(self) -> str:
        return f"RedisLockStore({self.endpoint.where!r}, key_prefix={self.key_prefix!r})"

    @asynccontextmanager
    async def lock(self, sender_id: str) -> AsyncIterator[None]:
        deadline = asyncio.get_running_loop().time() + self.timeout
        async with self._queued(sender_id):
            key, token = f"{self.key_prefix}:lock:{sender_id}", secrets.token_hex(16)
            try:
                await self._acquire(key, token, sender_id, deadline)
            except asyncio.CancelledError:  # a claim in flight may have landed
                await self._release(key, token, sender_id, level=logging.DEBUG)
                raise
            renewal = asyncio.create_task(self._renew(key, token, sender_id))
            self._renewals.add(renewal)
            renewal.add_done_callback(self._renewals.discard)
            try:
                yield
            finally:
                renewal.cancel()
                await asyncio.wait({renewal})
                await self._release(key, token, sender_id)

    async def close(self) -> None:
        """Stop renewing and disconnect. Locks still held are not released (their turns
        may still run): they expire after their lease, as a crashed worker's do."""
        self._closed = True
        for renewal in list(self._renewals):
            renewal.cancel()
        if self._renewals:
            await asyncio.wait(set(self._renewals))
        scripts, self._scripts = self._scripts, None
        if scripts is not None:
            await scripts.client.aclose()

    def __len__(self) -> int:
        """How many conversations this worker holds or awaits a lock for."""
        return len(self._local)

    @asynccontextmanager
    async def _queued(self, sender_id: str) -> AsyncIterator[None]:
        """Wait behind this worker's earlier turns of the conversation."""
        if self._closed:
            raise StoreError("the lock store is closed")
        entered = False
        try:
            async with self._local.lock(sender_id):
                entered = True
                yield
        except StoreError:
            if entered:
                raise
            raise StoreError(self._timed_out(sender_id, None)) from None

    async def _acquire(self, key: str, token: str, sender_id: str, deadline: float) -> None:
        """Claim ``key`` for ``token``, polling until ``deadline``.

        Raises:
            StoreError: the deadline passed, or Redis refused us (credentials, command).
        """
        loop = asyncio.get_running_loop()
        delay, failure = self.poll_interval, None
        while True:
            try:
                if await self._claim(key, token):
                    return
                failure = None
            except (RedisError, OSError) as exc:
                if not is_transient(exc):
                    raise StoreError(
                        f"could not lock conversation {sender_id!r}: "
                        f"{describe_failure(exc, self.endpoint)}"
                    ) from None
                if failure is None:
                    logger.warning(
                        "conversation %s: lock store unreachable, retrying: %s",
                        sender_id,
                        describe_failure(exc, self.endpoint),
                    )
                failure = describe_failure(exc, self.endpoint)
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await asyncio.sleep(min(delay * random.uniform(0.5, 1.0), remaining))
            delay = min(delay * 2, MAX_POLL_INTERVAL)
        if failure is not None:  # a claim whose reply was lost may have succeeded
            await self._release(key, token, sender_id, level=logging.DEBUG)
        raise StoreError(self._timed_out(sender_id, failure))

    async def _renew(self, key: str, token: str, sender_id: str) -> None:
        """Extend the lease every third of it while the turn runs."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                outcome = await self._claim(key, token)
            except (RedisError, OSError, StoreError) as exc:
                logger.warning(
                    "conversation %s: could not renew its lock, retrying: %s",
                    sender_id,
                    self._describe(exc),
                )
                continue
            if outcome == 2:
                logger.warning("conversation %s: its lock had expired; took it again", sender_id)
            elif outcome == 0:
                logger.error(
                    "conversation %s: its lock expired and another turn took it; "
                    "both may now run at once",
                    sender_id,
                )
                return

    async def _release(
        self, key: str, token: str, sender_id: str, level: int = logging.WARNING
    ) -> None:
        """Delete ``key`` if ``token`` still holds it; failures are only logged."""
        try:
            await self._redis().release(keys=[key], args=[token])
        except (RedisError, OSError, StoreError) as exc:
            logger.log(
                level,
                "conversation %s: could not release its lock (it expires within %g s): %s",
                sender_id,
                self.lease,
                self._describe(exc),
            )

    async def _claim(self, key: str, token: str) -> int:
        outcome = await self._redis().claim(keys=[key], args=[token, round(self.lease * 1000)])
        return int(outcome)

    def _redis(self) -> _Scripts:
        if self._closed:
            raise StoreError("the lock store is closed")
        if self._scripts is None:
            client = self.endpoint.client()
            self._scripts = _Scripts(
                client, client.register_script(_CLAIM), client.register_script(_RELEASE)
            )
        return self._scripts

    def _describe(self, exc: BaseException) -> str:
        return str(exc) if isinstance(exc, StoreError) else describe_failure(exc, self.endpoint)

    def _timed_out(self, sender_id: str, failure: str | None) -> str:
        message = f"timed out after {self.timeout:g} s waiting for the lock of conversation"
        message += f" {sender_id!r}"
        return f"{message}; last error: {failure}" if failure else message
