"""TurkishTimeExtractor: "dün akşam", "2 gündür", "geçen cuma" as time entities, Duckling-shaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ConfigError
from bot.nlu.component import Component
from bot.nlu.message import Entity, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData
from bot.nlu.turkish_time import TimeMatch, find_times

__all__ = ["TurkishTimeExtractor"]


@registry.component(
    "TurkishTimeExtractor", defaults={"entity_name": "time", "timezone": "Europe/Istanbul"}
)
class TurkishTimeExtractor(Component):
    """Resolves relative Turkish time expressions against the current time in ``timezone``.

    A point's ``value`` is an ISO-8601 string; a duration's is
    ``{"from": iso, "to": iso, "duration_seconds": n}``. ``additional_info`` carries the
    grain and Duckling's ``type`` ("value" or "interval"). Pass ``now`` to pin the clock.
    """

    def __init__(self, entity_name: str = "time", timezone: str = "Europe/Istanbul") -> None:
        self.entity_name = entity_name
        self.timezone = timezone

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"TurkishTimeExtractor: unknown timezone {self.timezone!r}") from exc
        return self

    def now(self) -> datetime:
        return datetime.now(ZoneInfo(self.timezone))

    def process(self, message: Message, now: datetime | None = None) -> None:
        moment = (now or self.now()).replace(microsecond=0)
        for match in find_times(message.text, moment):
            message.entities.append(self._entity(match, moment))

    def _entity(self, match: TimeMatch, now: datetime) -> Entity:
        info: dict[str, Any] = {"grain": match.grain}
        value: Any = match.value
        if match.kind == "duration":
            value = {
                "from": match.value,
                "to": now.isoformat(timespec="seconds"),
                "duration_seconds": match.duration_seconds,
            }
            info["type"] = "interval"
        else:
            info["type"] = "value"
        return Entity(
            start=match.start,
            end=match.end,
            entity=self.entity_name,
            value=value,
            extractor=self.component_name,
            text=match.text,
            additional_info=info,
        )
