"""The bot behind the server: the loaded model, its engine, and the stores they share.

:class:`ConversationService` holds what lives as long as the server (the tracker and
lock stores, the event fan-out, the HTTP client of the action server, all from
endpoints.yml; an absent file means SQLite in ``destek.db``, in-memory locks and
fan-out, no action server) and the :class:`Runtime` of the model being served (the
model, its parse batcher and its dialogue engine). A reloaded model gets a new runtime;
turns already running finish on the old one, which is stopped once they have.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request

from bot.channels import BotMessage, Fanout, TranscriptEntry, UserMessage
from bot.config import Endpoints, read_endpoints
from bot.dialogue.action_client import ActionClient
from bot.dialogue.action_http import AiohttpPoster
from bot.dialogue.engine import Engine, EngineConfig
from bot.dialogue.transcript import transcript
from bot.errors import ConfigError
from bot.live_agents import LiveAgentConnector
from bot.model_storage import TrainedModel
from bot.nlu.message import Message
from bot.nlu.pipeline import parse_result
from bot.server.parse_batcher import ParseBatcher
from bot.settings import Settings, environment
from bot.store.base import LockStore, TrackerStore
from bot.store.factory import (
    fanout_from_endpoint,
    lock_store_from_endpoint,
    tracker_store_from_endpoint,
)
from bot.store.fanout import InMemoryFanout
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore

__all__ = ["NO_DIALOGUE", "ConversationService", "Runtime", "service_of"]

log = logging.getLogger(__name__)
ACTION_TIMEOUT = 10.0
DRAIN_TIMEOUT = 60.0
NO_DIALOGUE = "the model has no dialogue policies; train it with 'bot train'"


@dataclass(slots=True)
class Runtime:
    """One loaded model: its batcher and, when it has dialogue policies, its engine."""

    model: TrainedModel
    batcher: ParseBatcher
    engine: Engine | None
    in_flight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    @asynccontextmanager
    async def use(self) -> AsyncIterator[Runtime]:
        self.in_flight += 1
        self.idle.clear()
        try:
            yield self
        finally:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.idle.set()

    async def stop(self) -> None:
        """Stop once the turns running on this model have finished (or after a minute)."""
        if self.in_flight:
            try:
                await asyncio.wait_for(self.idle.wait(), DRAIN_TIMEOUT)
            except TimeoutError:
                log.warning("model %s stopped with %d turns running", self.model.name,
                            self.in_flight)  # fmt: skip
        await self.batcher.stop()


class ConversationService:
    """The message handler every channel talks to; swaps models without a pause."""

    def __init__(
        self,
        settings: Settings,
        store: TrackerStore,
        locks: LockStore,
        fanout: Fanout,
        action_client: ActionClient | None,
        http: httpx.AsyncClient,
        endpoints: Endpoints | None = None,
    ) -> None:
        self.settings = settings
        self.endpoints = endpoints or Endpoints()
        # Told of handover requests by the engine; set by the server before a model loads.
        self.live_agents: LiveAgentConnector | None = None
        self.store = store
        self.locks = locks
        self.fanout = fanout
        self.action_client = action_client
        self.http = http
        self._runtime: Runtime | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ConversationService:
        """The service with the stores endpoints.yml names; nothing connects yet.

        Raises:
            ConfigError: endpoints.yml names a store Destek does not have, or is malformed.
        """
        endpoints = _endpoints(settings.endpoints)
        http = httpx.AsyncClient()
        action = endpoints.action_endpoint
        secret = settings.action_token.get_secret_value() if settings.action_token else None
        client = (
            ActionClient.from_endpoint(action, AiohttpPoster(), ACTION_TIMEOUT, secret)
            if action
            else None
        )
        service = cls(
            settings,
            tracker_store_from_endpoint(
                _options(endpoints, "tracker_store"), _options(endpoints, "privacy")
            ),
            lock_store_from_endpoint(_options(endpoints, "lock_store")),
            fanout_from_endpoint(_options(endpoints, "fanout")),
            client,
            http,
            endpoints,
        )
        if settings.workers > 1:
            _check_shared(service, settings.endpoints)
        return service

    def endpoint_options(self, name: str) -> Mapping[str, Any] | None:
        """The options of endpoints.yml's section ``name`` (None: no such section)."""
        return _options(self.endpoints, name)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("no model is loaded yet")
        return self._runtime

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    @property
    def can_chat(self) -> bool:
        return self._runtime is not None and self._runtime.engine is not None

    async def load(self, model: TrainedModel) -> Runtime:
        """Serve ``model`` from now on; the previous one stops once its turns are done."""
        batcher = ParseBatcher(_parse_fn(model), self.settings.max_batch)
        await batcher.start(model.nlu.warm_up if model.nlu else None)
        runtime = Runtime(model, batcher, self._engine(model, batcher))
        runtime.idle.set()
        previous, self._runtime = self._runtime, runtime
        log.info("serving model %s", model.name)
        if previous is not None:
            await previous.stop()
        return runtime

    def _engine(self, model: TrainedModel, batcher: ParseBatcher) -> Engine | None:
        if model.core is None:
            log.warning("model %s has no dialogue policies: the bot cannot chat", model.name)
            return None

        async def parse(text: str) -> Mapping[str, Any]:
            return parse_result(await batcher.parse(text))

        return Engine(
            model.core.domain,
            model.core.policies,
            parse,
            self.store,
            self.locks,
            action_client=self.action_client,
            config=EngineConfig(
                player_token_secret=self.settings.player_token_secret,
                language=_language(model),
            ),
            live_agents=self.live_agents,
        )

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        async with self.runtime.use() as runtime:
            if runtime.engine is None:
                raise RuntimeError(NO_DIALOGUE)  # channels ask handler() first
            return await runtime.engine.handle(message)

    async def transcript(self, sender_id: str) -> list[TranscriptEntry]:
        async with self.runtime.use() as runtime:
            if runtime.engine is None:
                return []
            tracker = await runtime.engine.tracker(sender_id)
            return transcript(tracker.events)

    async def parse(self, text: str) -> Message:
        async with self.runtime.use() as runtime:
            return await runtime.batcher.parse(text)

    async def stop(self) -> None:
        if self._runtime is not None:
            await self._runtime.stop()
        await self.http.aclose()
        if self.action_client is not None and isinstance(self.action_client.http, AiohttpPoster):
            await self.action_client.http.aclose()
        await self.fanout.close()
        await self.locks.close()
        await self.store.close()


def _check_shared(service: ConversationService, path: Path) -> None:
    """Several workers must share every store: nothing may live in one worker's memory.

    Raises:
        ConfigError: a store or the fan-out is per process.
    """
    local = [
        name
        for name, part, kind in (
            ("tracker_store", service.store, InMemoryTrackerStore),
            ("lock_store", service.locks, InMemoryLockStore),
            ("fanout", service.fanout, InMemoryFanout),
        )
        if isinstance(part, kind)
    ]
    if local:
        raise ConfigError(
            f"{path}: several workers need shared stores, but {', '.join(local)} "
            "live in each worker's memory; use type: redis for lock_store and fanout, "
            "and type: sql for tracker_store (see the README, 'Scaling out')"
        )


def _parse_fn(model: TrainedModel) -> Any:
    if model.nlu is None:
        return lambda texts: [Message(text=t) for t in texts]
    return model.nlu.parse_batch


def _endpoints(path: Path) -> Endpoints:
    if not path.exists():
        log.info("no %s: SQLite tracker store, no action server", path)
        return Endpoints()
    return read_endpoints(path, environment())


def _options(endpoints: Endpoints, name: str) -> Mapping[str, Any] | None:
    section = endpoints.get(name)
    return None if section is None else section.options


def service_of(request: Request) -> ConversationService:
    service: ConversationService = request.app.state.conversations
    return service


def _language(model: TrainedModel) -> str:
    """The players' language: config.yml's, as the model was trained with it."""
    if model.nlu is not None:
        return model.nlu.language
    return str(model.metadata.get("language") or "tr")
