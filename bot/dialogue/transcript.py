"""A conversation's messages as a player sees them, from its tracker's events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dialogue.events import BotUttered, Event, UserUttered
from bot.dialogue.handover_events import LiveAgentUttered

__all__ = ["transcript"]


def transcript(events: Sequence[Event]) -> list[dict[str, Any]]:
    """``{"sender": "user" | "bot" | "agent", "text", "timestamp"}`` per message, oldest
    first; a bot message also has its ``buttons``, ``image``, ``custom``... where it has
    them, an agent's message its ``agent_id``. Private notes are no events: never here."""
    lines: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            lines.append({"sender": "user", "text": event.text, "timestamp": event.timestamp})
        elif isinstance(event, BotUttered):
            line: dict[str, Any] = {"sender": "bot", "text": event.text}
            line.update({k: v for k, v in event.data.items() if v not in (None, [], {})})
            line["timestamp"] = event.timestamp
            lines.append(line)
        elif isinstance(event, LiveAgentUttered):
            lines.append(
                {
                    "sender": "agent",
                    "agent_id": event.agent_id,
                    "text": event.text,
                    "timestamp": event.timestamp,
                }
            )
    return lines
