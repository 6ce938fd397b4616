"""A conversation's messages as a player sees them, from its tracker's events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dialogue.events import BotUttered, Event, UserUttered

__all__ = ["transcript"]


def transcript(events: Sequence[Event]) -> list[dict[str, Any]]:
    """``{"sender": "user" | "bot", "text", "timestamp"}`` per message, oldest first; a
    bot message also has its ``buttons``, ``image``, ``custom``... where it has them."""
    lines: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            lines.append({"sender": "user", "text": event.text, "timestamp": event.timestamp})
        elif isinstance(event, BotUttered):
            line: dict[str, Any] = {"sender": "bot", "text": event.text}
            line.update({k: v for k, v in event.data.items() if v not in (None, [], {})})
            line["timestamp"] = event.timestamp
            lines.append(line)
    return lines
