"""The bot behind the server: the dialogue engine, its stores and its action server.

:class:`ConversationService` is built in the app's lifespan when the model has dialogue
policies. It reads endpoints.yml (``action_endpoint``, ``tracker_store``,
``lock_store``; an absent file means the defaults: SQLite in ``destek.db``, in-memory
locks, no action server) and parses through the server's batcher. ``GET
/conversations/{id}/tracker`` gives a conversation in Rasa's tracker JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, HTTPException, Request

from bot.config import Endpoints, read_endpoints
from bot.dialogue.action_client import ActionClient
from bot.dialogue.engine import Engine, EngineConfig
from bot.model_storage import TrainedModel
from bot.nlu.pipeline import parse_result
from bot.server.parse_batcher import ParseBatcher
from bot.settings import Settings
from bot.store.factory import lock_store_from_endpoint, tracker_store_from_endpoint

__all__ = ["ConversationService", "tracker_router"]

log = logging.getLogger(__name__)
ACTION_TIMEOUT = 10.0


class ConversationService:
    """Owns the engine and what it holds open (the store, the HTTP client)."""

    def __init__(self, engine: Engine, http: httpx.AsyncClient) -> None:
        self.engine = engine
        self.http = http

    @classmethod
    def start(
        cls, settings: Settings, model: TrainedModel, batcher: ParseBatcher
    ) -> ConversationService | None:
        """The service for ``model``, or None for an NLU-only model."""
        if model.core is None:
            log.warning("model %s has no dialogue policies: the bot cannot chat", model.name)
            return None
        endpoints = _endpoints(settings.endpoints)
        http = httpx.AsyncClient()
        action = endpoints.action_endpoint
        client = ActionClient.from_endpoint(action, http, ACTION_TIMEOUT) if action else None

        async def parse(text: str) -> Mapping[str, Any]:
            return parse_result(await batcher.parse(text))

        engine = Engine(
            model.core.domain,
            model.core.policies,
            parse,
            tracker_store_from_endpoint(_options(endpoints, "tracker_store")),
            lock_store_from_endpoint(_options(endpoints, "lock_store")),
            action_client=client,
            config=EngineConfig(player_token_secret=settings.player_token_secret),
        )
        return cls(engine, http)

    async def stop(self) -> None:
        await self.http.aclose()
        await self.engine.store.close()


def _endpoints(path: Path) -> Endpoints:
    if not path.exists():
        log.info("no %s: SQLite tracker store, no action server", path)
        return Endpoints()
    return read_endpoints(path)


def _options(endpoints: Endpoints, name: str) -> Mapping[str, Any] | None:
    section = endpoints.get(name)
    return None if section is None else section.options


def service_of(request: Request) -> ConversationService | None:
    service: ConversationService | None = getattr(request.app.state, "conversations", None)
    return service


tracker_router = APIRouter()


@tracker_router.get("/conversations/{conversation_id}/tracker")
async def tracker(conversation_id: str, request: Request) -> dict[str, Any]:
    """A conversation in Rasa's tracker JSON (an empty one for an unknown id, as Rasa)."""
    service = service_of(request)
    if service is None:
        raise HTTPException(503, "the model has no dialogue policies; train it with 'bot train'")
    return (await service.engine.tracker(conversation_id)).as_dict()
