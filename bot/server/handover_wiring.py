"""The live-agent side of the server: the desk, the queue store and the connector.

endpoints.yml's ``live_agents:`` section names the connector (``type: builtin``, Destek's
own queue, is also what runs without the section; ``type: chatwoot`` hands conversations
to a Chatwoot inbox, see docs/chatwoot.md) and its options
(:class:`~bot.handover.queue_config.QueueConfig`). The queue lives in the tracker
store's database. The desk records what humans do in the conversation and reaches the
player through :class:`~bot.server.player_delivery.PlayerDelivery`; its idempotency keys
(an external desk's message ids) live in the queue store's database; the engine tells the
connector of each handover request, player message and withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from bot.dialogue.domain import Domain
from bot.errors import ConfigError
from bot.handover.builtin_connector import builtin_live_agents
from bot.handover.desk import Deliver, Desk
from bot.live_agents import LiveAgentConnector, LiveAgentContext
from bot.server.runtime import ConversationService
from bot.store.delivery_keys import InMemoryDeliveryKeys
from bot.store.factory import queue_store_from_endpoint
from bot.store.queue_base import QueueStore
from bot.store.sql import SQLTrackerStore
from bot.store.sql_delivery_keys import SQLDeliveryKeys
from connectors.chatwoot import ChatwootConnector

__all__ = ["BUILTIN", "CHATWOOT", "LiveAgents", "build_live_agents"]

BUILTIN = "builtin"
CHATWOOT = "chatwoot"
KNOWN = (BUILTIN, CHATWOOT)


@dataclass(frozen=True, slots=True)
class LiveAgents:
    """What the server runs for the humans: started after the model, stopped before the
    stores close."""

    desk: Desk
    store: QueueStore
    connector: LiveAgentConnector

    def install(self, app: FastAPI) -> None:
        """Add the connector's routes: an external desk's webhook."""
        if isinstance(self.connector, ChatwootConnector):
            self.connector.install(app)

    async def start(self) -> None:
        await self.connector.start()

    async def stop(self) -> None:
        try:
            await self.connector.stop()
        finally:
            await self.store.close()


def build_live_agents(service: ConversationService, deliver: Deliver) -> LiveAgents:
    """The desk and Destek's own queue on the service's stores; nothing connects yet.

    Raises:
        ConfigError: ``live_agents:`` names an unknown type or malformed options.
    """
    options = dict(service.endpoint_options("live_agents") or {})
    kind = str(options.get("type") or BUILTIN).lower()
    if kind not in KNOWN:
        raise ConfigError(
            f"endpoints.yml: unknown live_agents type {kind!r} (known: {', '.join(KNOWN)})"
        )

    def domain() -> Domain | None:
        if not service.loaded:
            return None
        core = service.runtime.model.core
        return core.domain if core is not None else None

    store = queue_store_from_endpoint(
        service.endpoint_options("tracker_store"), service.endpoint_options("privacy")
    )
    keys = SQLDeliveryKeys(store) if isinstance(store, SQLTrackerStore) else InMemoryDeliveryKeys()
    desk = Desk(service.store, service.locks, service.fanout, deliver, domain, keys=keys)
    context = LiveAgentContext(options, desk)
    connector: LiveAgentConnector
    if kind == CHATWOOT:
        connector = ChatwootConnector(context)
    else:
        connector = builtin_live_agents(store, service.fanout)(context)
    return LiveAgents(desk, store, connector)
