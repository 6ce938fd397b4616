"""DucklingEntityExtractor: numbers, times, amounts and more from a Duckling server.

As Rasa's: each message is POSTed to ``{url}/parse`` as form data (``text``, ``locale``,
``tz``, ``reftime`` in milliseconds, ``dims`` as JSON) and every match becomes an entity
named after its dimension, with Duckling's ``value`` (``{"from", "to"}`` for an interval)
and the whole Duckling value as ``additional_info``. ``dimensions`` keeps only those
dimensions. Without ``locale``, the pipeline's language makes one (``tr`` -> ``tr_TR``).

Duckling is optional at run time: when it does not answer (down, refusing, slower than
``timeout``), one WARNING says so, messages are parsed without its entities, and it is
asked again only after ``retry_after`` seconds, so a dead server costs no latency.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import httpx

from bot.nlu.component import Component
from bot.nlu.message import Entity, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["DucklingEntityExtractor", "duckling_entities"]

log = logging.getLogger(__name__)
NAME = "DucklingEntityExtractor"


def _value(match: dict[str, Any]) -> Any:
    value = match["value"]
    if value.get("type") == "interval":
        return {"to": value.get("to", {}).get("value"), "from": value.get("from", {}).get("value")}
    return value.get("value")


def duckling_entities(reply: Any, dimensions: Sequence[str] | None) -> list[Entity]:
    """Duckling's ``/parse`` reply as entities; malformed matches are skipped."""
    entities = []
    for match in reply if isinstance(reply, list) else []:
        try:
            start, end, dim = int(match["start"]), int(match["end"]), str(match["dim"])
            value, info = _value(match), dict(match["value"])
        except (KeyError, TypeError, ValueError, AttributeError):
            log.debug("skipping a malformed Duckling match")
            continue
        if dimensions and dim not in dimensions:
            continue
        text = match.get("body", match.get("text")) or ""
        entities.append(Entity(start, end, dim, value, NAME, 1.0, text, additional_info=info))
    return entities


@dataclass(eq=False)
class _Connection:
    """The HTTP client, and whether Duckling was found down (and until when to wait)."""

    client: httpx.Client
    lock: threading.Lock = field(default_factory=threading.Lock)
    down_until: float = 0.0
    warned: bool = False


@registry.component(
    NAME,
    defaults={
        "url": None,
        "dimensions": None,
        "locale": None,
        "timezone": None,
        "timeout": 3,
        "retry_after": 30,
        "language": "tr",
    },
)
class DucklingEntityExtractor(Component):
    def __init__(
        self,
        url: str | None,
        dimensions: Sequence[str] | None,
        locale: str | None,
        timezone: str | None,
        timeout: float,
        retry_after: float,
        language: str,
        **rasa_options: Any,
    ) -> None:
        if float(timeout) <= 0:
            raise ValueError("timeout must be positive")
        self.url = url
        self.dimensions = list(dimensions) if dimensions else None
        self.locale = locale
        self.timezone = timezone
        self.timeout = float(timeout)
        self.retry_after = float(retry_after)
        self.language = language
        self.rasa_options = rasa_options

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        if not self.url:
            log.warning("%s has no url: configure one; no Duckling entities are extracted", NAME)
        return self

    # -- the server ------------------------------------------------------------------
    def _connection(self) -> _Connection:
        """Per-process, never pickled (private attributes are dropped)."""
        connection = self.__dict__.get("_duckling")
        if connection is None:
            fresh = _Connection(httpx.Client(timeout=httpx.Timeout(self.timeout)))
            connection = self.__dict__.setdefault("_duckling", fresh)
        assert isinstance(connection, _Connection)
        return connection

    def _payload(self, text: str) -> dict[str, str]:
        payload = {
            "text": text,
            "locale": self.locale or f"{self.language}_{self.language.upper()}",
            "tz": self.timezone,
            "dims": json.dumps(self.dimensions),
            "reftime": str(int(time.time()) * 1000),
        }
        return {k: v for k, v in payload.items() if v is not None}

    def _parse(self, text: str) -> Any:
        """Duckling's reply, or ``None`` when it did not answer (said once, at WARNING)."""
        connection = self._connection()
        if time.monotonic() < connection.down_until:
            return None
        url = f"{(self.url or '').rstrip('/')}/parse"
        try:
            response = connection.client.post(url, data=self._payload(text))
            response.raise_for_status()
            reply = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            self._down(connection, type(exc).__name__)
            return None
        if connection.warned:
            log.info("%s: Duckling at %s answers again", NAME, self.url)
            connection.warned = False
        return reply

    def _down(self, connection: _Connection, reason: str) -> None:
        with connection.lock:
            connection.down_until = time.monotonic() + self.retry_after
            if connection.warned:
                log.debug("%s: Duckling at %s still does not answer (%s)", NAME, self.url, reason)
                return
            connection.warned = True
        log.warning(
            "%s: no Duckling answers at %s (%s); messages are parsed without its entities "
            "and it is asked again in %gs",
            NAME,
            self.url,
            reason,
            self.retry_after,
        )

    # -- the pipeline ----------------------------------------------------------------
    def warm_up(self) -> None:
        if self.url:
            self._parse("1")

    def process(self, message: Message) -> None:
        if not self.url:
            return
        reply = self._parse(message.text)
        if reply is not None:
            message.entities.extend(duckling_entities(reply, self.dimensions))
