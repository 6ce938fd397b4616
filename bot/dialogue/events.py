"""What happens in a conversation, as frozen events in Rasa's JSON vocabulary.

Every event serialises with :meth:`Event.as_dict` to the dict Rasa and ``rasa_sdk`` use
(``{"event": "slot", "timestamp": ..., "name": ..., "value": ...}``); a field's name is
always its key on the wire. :mod:`bot.dialogue.event_reader` reads them back, and
:mod:`bot.dialogue.handover_events` adds Destek's handover events.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar

from bot.errors import DataError
from bot.yaml_io import kind_of

__all__ = [
    "RASA_EVENTS",
    "ActionExecuted",
    "ActionExecutionRejected",
    "ActionReverted",
    "ActiveLoop",
    "AgentUttered",
    "AllSlotsReset",
    "BotUttered",
    "ConversationPaused",
    "ConversationResumed",
    "DefinePrevUserUtteredFeaturization",
    "EntitiesAdded",
    "Event",
    "FollowupAction",
    "LoopInterrupted",
    "ReminderCancelled",
    "ReminderScheduled",
    "Restarted",
    "SessionEnded",
    "SessionStarted",
    "SlotSet",
    "StoryExported",
    "UserUtteranceReverted",
    "UserUttered",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events. ``timestamp`` is epoch seconds and is left out of ``==``."""

    type_name: ClassVar[str] = ""
    always_metadata: ClassVar[bool] = False  # Rasa writes user/bot metadata even if empty
    timestamp: float = field(default_factory=time.time, compare=False)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problem = self._problem()
        if problem:
            raise DataError(f"event {self.type_name!r}: {problem}")

    def _problem(self) -> str | None:
        """What makes this event impossible, if anything."""
        return None

    def as_dict(self) -> dict[str, Any]:
        """The event in Rasa's JSON shape; nested values are shared, not copied."""
        out: dict[str, Any] = {"event": self.type_name, "timestamp": self.timestamp}
        if self.metadata or self.always_metadata:
            out["metadata"] = dict(self.metadata)
        for f in fields(self)[2:]:
            value = getattr(self, f.name)
            if value is None and f.metadata.get("omit_none"):
                continue
            out[f.name] = _to_json(value)
        return out


def _to_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    return value


# ---- Rasa's events -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserUttered(Event):
    """The player said something; ``parse_data`` is the NLU result (intent, entities...)."""

    type_name: ClassVar[str] = "user"
    always_metadata: ClassVar[bool] = True
    text: str | None = None
    parse_data: Mapping[str, Any] = field(default_factory=dict)
    input_channel: str | None = None
    message_id: str | None = None

    def __post_init__(self) -> None:
        base = {"text": self.text, "message_id": self.message_id, "metadata": self.metadata}
        full = {**base, **self.parse_data}
        full["intent"] = full.get("intent") or {}  # Rasa's defaults for a bare message
        full["entities"] = full.get("entities") or []
        object.__setattr__(self, "parse_data", full)
        Event.__post_init__(self)

    def _problem(self) -> str | None:
        return _parse_data_problem(self.parse_data)

    @property
    def intent_name(self) -> str | None:
        name = self.parse_data["intent"].get("name")
        return name if isinstance(name, str) else None

    @property
    def entities(self) -> list[Mapping[str, Any]]:
        return list(self.parse_data["entities"])


@dataclass(frozen=True, slots=True)
class BotUttered(Event):
    """The bot said something; ``data`` holds buttons, image, custom payload..."""

    type_name: ClassVar[str] = "bot"
    always_metadata: ClassVar[bool] = True
    text: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionExecuted(Event):
    """An action ran; ``action_text`` instead of ``name`` for end-to-end bot text."""

    type_name: ClassVar[str] = "action"
    name: str | None = None
    policy: str | None = None
    confidence: float | None = None
    action_text: str | None = None
    hide_rule_turn: bool = False

    def _problem(self) -> str | None:
        if self.name is None and self.action_text is None:
            return "needs a 'name' or an 'action_text'"
        return None


@dataclass(frozen=True, slots=True)
class SlotSet(Event):
    """A slot takes a value; ``None`` unsets it."""

    type_name: ClassVar[str] = "slot"
    name: str
    value: Any = None


@dataclass(frozen=True, slots=True)
class EntitiesAdded(Event):
    """Entities added to the latest user message after NLU (by a policy)."""

    type_name: ClassVar[str] = "entities"
    entities: tuple[Mapping[str, Any], ...]

    def _problem(self) -> str | None:
        return _entities_problem(self.entities)


@dataclass(frozen=True, slots=True)
class DefinePrevUserUtteredFeaturization(Event):
    """Whether the latest user message was featurised by its text (or by its intent)."""

    type_name: ClassVar[str] = "user_featurization"
    use_text_for_featurization: bool = False


@dataclass(frozen=True, slots=True)
class ActiveLoop(Event):
    """A form (loop) becomes active; ``name`` None deactivates the active one."""

    type_name: ClassVar[str] = "active_loop"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class LoopInterrupted(Event):
    """The active loop was interrupted (an unhappy path) or resumed normally."""

    type_name: ClassVar[str] = "loop_interrupted"
    is_interrupted: bool = False


@dataclass(frozen=True, slots=True)
class ActionExecutionRejected(Event):
    """An action refused to run (a form that cannot use the message); policies try again."""

    type_name: ClassVar[str] = "action_execution_rejected"
    name: str
    policy: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class FollowupAction(Event):
    """Run this action next, whatever the policies would predict."""

    type_name: ClassVar[str] = "followup"
    name: str


@dataclass(frozen=True, slots=True)
class AllSlotsReset(Event):
    """Every slot returns to its initial value."""

    type_name: ClassVar[str] = "reset_slots"


@dataclass(frozen=True, slots=True)
class Restarted(Event):
    """The conversation starts over: state is reset, past events stay in the record."""

    type_name: ClassVar[str] = "restart"


@dataclass(frozen=True, slots=True)
class UserUtteranceReverted(Event):
    """Undo everything since (and including) the latest user message."""

    type_name: ClassVar[str] = "rewind"


@dataclass(frozen=True, slots=True)
class ActionReverted(Event):
    """Undo the latest action and the events it caused."""

    type_name: ClassVar[str] = "undo"


@dataclass(frozen=True, slots=True)
class ConversationPaused(Event):
    """The bot stops acting on messages (a human has it)."""

    type_name: ClassVar[str] = "pause"


@dataclass(frozen=True, slots=True)
class ConversationResumed(Event):
    """The bot acts on messages again."""

    type_name: ClassVar[str] = "resume"


@dataclass(frozen=True, slots=True)
class SessionStarted(Event):
    """A new session begins; the state is reset (carried-over slots follow as SlotSet)."""

    type_name: ClassVar[str] = "session_started"


@dataclass(frozen=True, slots=True)
class SessionEnded(Event):
    """A custom action ended the session (newer rasa_sdk); recorded, no state change."""

    type_name: ClassVar[str] = "session_ended"


@dataclass(frozen=True, slots=True)
class ReminderScheduled(Event):
    """Trigger ``intent`` at ``date_time`` (ISO 8601); stored, scheduling is the engine's."""

    type_name: ClassVar[str] = "reminder"
    intent: str
    date_time: str
    entities: Any = None
    name: str | None = None
    kill_on_user_msg: bool = True

    def _problem(self) -> str | None:
        try:
            datetime.fromisoformat(self.date_time)
        except ValueError:
            return f"'date_time' must be an ISO 8601 date and time, found {self.date_time!r}"
        return None

    @property
    def trigger_date_time(self) -> datetime:
        return datetime.fromisoformat(self.date_time)


@dataclass(frozen=True, slots=True)
class ReminderCancelled(Event):
    """Cancel reminders matching name, intent and entities (all of them if none given)."""

    type_name: ClassVar[str] = "cancel_reminder"
    name: str | None = None
    intent: str | None = None
    entities: Any = None


@dataclass(frozen=True, slots=True)
class AgentUttered(Event):
    """Rasa's legacy ``agent`` event; recorded, no state change."""

    type_name: ClassVar[str] = "agent"
    text: str | None = None
    data: Any = None


@dataclass(frozen=True, slots=True)
class StoryExported(Event):
    """Rasa's interactive-learning export marker; recorded, no state change."""

    type_name: ClassVar[str] = "export"
    path: str | None = field(default=None, metadata={"omit_none": True})


RASA_EVENTS: tuple[type[Event], ...] = (
    UserUttered, BotUttered, ActionExecuted, SlotSet, EntitiesAdded,
    DefinePrevUserUtteredFeaturization, ActiveLoop, LoopInterrupted, ActionExecutionRejected,
    FollowupAction, AllSlotsReset, Restarted, UserUtteranceReverted, ActionReverted,
    ConversationPaused, ConversationResumed, SessionStarted, SessionEnded,
    ReminderScheduled, ReminderCancelled, AgentUttered, StoryExported,
)  # fmt: skip


# ---- checks of NLU data ----------------------------------------------------------------


def _entities_problem(entities: Any) -> str | None:
    if not isinstance(entities, Sequence) or isinstance(entities, str):
        return f"'entities' must be a list, found {kind_of(entities)}"
    for i, entity in enumerate(entities):
        if not isinstance(entity, Mapping):
            return f"entity {i} must be a mapping, found {kind_of(entity)}"
        if not isinstance(entity.get("entity"), str) or "value" not in entity:
            return f"entity {i} needs 'entity' (a name) and 'value'"
    return None


def _parse_data_problem(data: Mapping[str, Any]) -> str | None:
    intent = data["intent"]
    if not isinstance(intent, Mapping):
        return f"'parse_data.intent' must be a mapping, found {kind_of(intent)}"
    if intent.get("name") is not None and not isinstance(intent["name"], str):
        return f"the intent name must be a string, found {kind_of(intent['name'])}"
    ranking = data.get("intent_ranking", [])
    if not isinstance(ranking, list) or not all(isinstance(r, Mapping) for r in ranking):
        return "'parse_data.intent_ranking' must be a list of mappings"
    return _entities_problem(data["entities"])
