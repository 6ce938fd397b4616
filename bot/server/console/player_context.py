"""What the console's player area knows about a chat from its tracker: who the player is
(verified or not), the intent of their latest message, and the values of the canned
responses' ``{variables}``.

Identity comes before account data: the slots ``verified`` and ``player_id`` are set by
a signed web-chat token or a correct one-time code; until then the panel shows the
verification state and nothing of the account.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import Event, UserUttered
from bot.dialogue.tracker import Tracker
from bot.errors import DataError
from bot.server.account_panel import turkish_money
from bot.server.console.schemas_player import AccountOut
from bot.store.queue_base import Agent, QueueEntry

__all__ = ["PLAYER_ID_SLOT", "VERIFIED_SLOT", "ChatPlayer", "canned_values", "chat_player"]

log = logging.getLogger(__name__)

VERIFIED_SLOT = "verified"
PLAYER_ID_SLOT = "player_id"
USERNAME_SLOT = "username"


@dataclass(frozen=True, slots=True)
class ChatPlayer:
    """The player of a chat: ``verified`` with ``player_id`` once proven, the username and
    name the bot heard, and the intent of their latest message."""

    verified: bool
    player_id: str | None
    username: str | None
    name: str | None
    intent: str | None
    language: str


def _events(raw: Iterable[Mapping[str, Any]]) -> list[Event]:
    events: list[Event] = []
    for data in raw:
        try:
            events.append(event_from_dict(data))
        except DataError:  # one malformed event must not hide the player
            log.warning("skipping an event the player panel cannot read: %s", data.get("event"))
    return events


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text or None


def chat_player(
    sender_id: str, raw: Iterable[Mapping[str, Any]], entry: QueueEntry | None
) -> ChatPlayer:
    """The player of the chat whose stored tracker events are ``raw``."""
    events = _events(raw)
    tracker = Tracker.from_events(sender_id, events)
    verified = tracker.get_slot(VERIFIED_SLOT) is True
    intent = None
    for event in reversed(events):
        if isinstance(event, UserUttered):
            intent = event.intent_name
            break
    known: Mapping[str, Any] = entry.player if entry is not None else {}
    return ChatPlayer(
        verified=verified,
        player_id=_text(tracker.get_slot(PLAYER_ID_SLOT)) if verified else None,
        username=_text(tracker.get_slot(USERNAME_SLOT)) or _text(known.get("username")),
        name=_text(known.get("name")),
        intent=intent,
        language=entry.language if entry is not None else "tr",
    )


def canned_values(player: ChatPlayer, agent: Agent, account: AccountOut | None) -> dict[str, str]:
    """The canned responses' variables this chat can fill: the agent's name always; the
    player's name and username as the bot heard them; the account's figures only for a
    verified player whose account the backend gave."""
    values = {"agent_name": agent.name}
    name = account.full_name if account else player.name
    if name:
        values["player_name"] = name
        values["first_name"] = name.split()[0]
    username = account.username if account else player.username
    if username:
        values["username"] = username
    if account is not None:
        money = account.balance
        values["balance"] = turkish_money(money.cash, money.currency)
        values["bonus_balance"] = turkish_money(money.bonus, money.currency)
        values["withdrawable"] = turkish_money(money.withdrawable, money.currency)
        values["vip_level"] = str(account.vip_level)
    return values
