"""The event fan-out on Redis pub/sub: a message published by one worker reaches the
subscribers of its topic in every worker.

Each worker keeps one pub/sub connection, owned by a reader task that hands messages to
the local subscribers' queues (as :class:`~bot.store.fanout.InMemoryFanout` does). The
worker SUBSCRIBEs to ``<prefix>:fanout:<topic>`` when the topic gets its first local
subscriber and UNSUBSCRIBEs when the last one leaves. Messages travel as JSON, wrapped
with the publishing worker's id: the publisher's own subscribers get the message at once
from memory and skip its echo from Redis.

Delivery is at most once. When Redis is away, ``publish`` logs and drops the message
for other workers (its own subscribers still get it), and the reader reconnects with a
growing backoff and subscribes again to every topic that still has subscribers; what
was published meanwhile is lost, as the tracker store, not the fan-out, is the record.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from bot.errors import StoreError
from bot.store.fanout import QUEUE_SIZE
from bot.store.redis_connection import DEFAULT_KEY_PREFIX, RedisEndpoint, describe_failure

__all__ = ["RedisFanout"]

logger = logging.getLogger(__name__)

Subscriber = asyncio.Queue[dict[str, Any]]


class RedisFanout:
    """Pub/sub across workers; connects when first used.

    Args:
        endpoint: where Redis is. Pub/sub ignores the database number: every worker
            sharing a Redis server and ``key_prefix`` shares the topics.
        key_prefix: channels are ``<key_prefix>:fanout:<topic>``.
        backoff: seconds before the first reconnection; doubled up to ``max_backoff``.
    """

    def __init__(
        self,
        endpoint: RedisEndpoint,
        *,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        backoff: float = 0.1,
        max_backoff: float = 5.0,
    ) -> None:
        self.endpoint = endpoint
        self.key_prefix = key_prefix
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._origin = secrets.token_hex(8)
        self._subscribers: dict[str, set[Subscriber]] = {}
        self._client: Redis | None = None
        self._reader: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None  # the reader's connection while it is up
        self._subscribed: dict[str, asyncio.Event] = {}  # sent on it; set once confirmed
        self._sync_lock = asyncio.Lock()
        self._tried = asyncio.Event()  # the reader's first connection attempt is over
        self._closed = False

    def __repr__(self) -> str:
        return f"RedisFanout({self.endpoint.where!r}, key_prefix={self.key_prefix!r})"

    @property
    def connected(self) -> bool:
        """Whether the reader holds a pub/sub connection now."""
        return self._pubsub is not None

    async def publish(self, topic: str, message: Mapping[str, Any]) -> None:
        """Send ``message`` to the topic's subscribers in every worker, at most once.

        Raises:
            StoreError: the message is not JSON-able, or the fan-out is closed.
        """
        if self._closed:
            raise StoreError("the fan-out is closed")
        try:
            encoded = json.dumps(message, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"a fan-out message to {topic!r} is not JSON: {exc}") from None
        self._deliver(topic, encoded)
        envelope = json.dumps({"origin": self._origin, "message": encoded}, ensure_ascii=False)
        try:
            await self._redis().publish(self._channel(topic), envelope)
        except (RedisError, OSError) as exc:
            logger.warning(
                "fan-out message to %s dropped for other workers: %s",
                topic,
                describe_failure(exc, self.endpoint),
            )

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        if self._closed:
            raise StoreError("the fan-out is closed")
        queue: Subscriber = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.setdefault(topic, set()).add(queue)
        try:
            await self._start_reader()
            await self._sync()
            await self._confirmed(topic)
            yield _drain(queue)
        finally:
            subscribers = self._subscribers.get(topic, set())
            subscribers.discard(queue)
            if not subscribers:
                self._subscribers.pop(topic, None)
                await self._sync()

    async def close(self) -> None:
        """Stop the reader and disconnect; subscribers get nothing more."""
        self._closed = True
        self._tried.set()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            await asyncio.wait({reader})
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        self._subscribers.clear()

    async def _start_reader(self) -> None:
        """Start the reader on first use and wait for its first connection attempt."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_forever(), name="redis-fanout")
        await self._tried.wait()

    async def _confirmed(self, topic: str) -> None:
        """Wait until Redis confirms the topic's subscription, if it is connected."""
        confirmed = self._subscribed.get(topic)
        if confirmed is None:
            return  # Redis is away: the reader subscribes once it is back
        try:
            async with asyncio.timeout(self.endpoint.socket_timeout):
                await confirmed.wait()
        except TimeoutError:
            logger.warning("fan-out: Redis has not confirmed a subscription to %s yet", topic)

    async def _sync(self) -> None:
        """Make the connection's subscriptions match the topics with local subscribers."""
        async with self._sync_lock:
            pubsub = self._pubsub
            if pubsub is None:
                return
            try:
                await self._sync_locked(pubsub)
            except (RedisError, OSError) as exc:
                # The reader's next read fails too; it reconnects and subscribes again.
                logger.warning(
                    "fan-out could not update subscriptions: %s",
                    describe_failure(exc, self.endpoint),
                )

    async def _sync_locked(self, pubsub: PubSub) -> None:
        wanted = set(self._subscribers)
        new = wanted - set(self._subscribed)
        gone = set(self._subscribed) - wanted
        if new:
            for topic in new:
                self._subscribed[topic] = asyncio.Event()
            try:
                await pubsub.subscribe(*self._channels(new))
            except BaseException:
                for topic in new:
                    del self._subscribed[topic]
                raise
        if gone:
            for topic in gone:
                del self._subscribed[topic]
            await pubsub.unsubscribe(*self._channels(gone))

    async def _read_forever(self) -> None:
        """Hold a pub/sub connection, reconnecting after every failure."""
        delay, lost = self.backoff, False
        while True:
            pubsub = self._redis().pubsub()
            try:
                await pubsub.ping()  # connects
                async with self._sync_lock:
                    self._pubsub = pubsub
                    await self._sync_locked(pubsub)
                self._tried.set()
                if lost:
                    logger.info("fan-out reconnected to Redis at %s", self.endpoint.where)
                delay, lost = self.backoff, False
                await self._listen(pubsub)
            except (RedisError, OSError) as exc:
                logger.log(
                    logging.DEBUG if lost else logging.WARNING,
                    "fan-out cannot reach Redis, retrying in %g s: %s",
                    delay,
                    describe_failure(exc, self.endpoint),
                )
                lost = True
            except Exception:
                logger.exception("fan-out reader failed; reconnecting in %g s", delay)
                lost = True
            finally:
                self._tried.set()
                await self._detach(pubsub)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _listen(self, pubsub: PubSub) -> None:
        """Dispatch messages; a connection silent for two socket timeouts is dead."""
        pinged = False
        while True:
            message = await pubsub.get_message(timeout=self.endpoint.socket_timeout)
            if message is not None:
                pinged = False
                self._handle(message)
                continue
            if pinged:
                raise RedisConnectionError("Redis did not answer a ping")
            async with self._sync_lock:
                await pubsub.ping()
            pinged = True

    async def _detach(self, pubsub: PubSub) -> None:
        async with self._sync_lock:
            if self._pubsub is pubsub:
                self._pubsub = None
            self._subscribed.clear()
        try:
            await pubsub.aclose()
        except (RedisError, OSError):
            logger.debug("fan-out: closing a broken pub/sub connection failed")

    def _handle(self, message: Mapping[str, Any]) -> None:
        kind, channel = message.get("type"), message.get("channel")
        if not isinstance(channel, str):
            return
        topic = channel.removeprefix(self._channel(""))
        if kind == "subscribe" and topic in self._subscribed:
            self._subscribed[topic].set()
        elif kind == "message":
            self._receive(topic, message.get("data"))

    def _receive(self, topic: str, data: Any) -> None:
        try:
            envelope = json.loads(data)
            origin, encoded = envelope["origin"], envelope["message"]
            json.loads(encoded)
        except (TypeError, ValueError, KeyError):
            logger.warning("fan-out: dropped a malformed message on %s", topic)
            return
        if origin != self._origin:  # our own subscribers got it when it was published
            self._deliver(topic, encoded)

    def _deliver(self, topic: str, encoded: str) -> None:
        """Give each local subscriber its own copy; a full queue loses its oldest."""
        for queue in list(self._subscribers.get(topic, ())):
            if queue.full():
                queue.get_nowait()
                logger.warning("fan-out subscriber of %s is behind; dropped a message", topic)
            queue.put_nowait(json.loads(encoded))

    def _redis(self) -> Redis:
        if self._closed:
            raise StoreError("the fan-out is closed")
        if self._client is None:
            self._client = self.endpoint.client()
        return self._client

    def _channel(self, topic: str) -> str:
        return f"{self.key_prefix}:fanout:{topic}"

    def _channels(self, topics: Iterable[str]) -> list[str]:
        return [self._channel(topic) for topic in sorted(topics)]


async def _drain(queue: Subscriber) -> AsyncIterator[dict[str, Any]]:
    while True:
        yield await queue.get()
