"""The tracker: one conversation's events and the state they imply.

A :class:`Tracker` is immutable. :meth:`Tracker.with_events` returns a new tracker with
the events appended (slot values put in their slot type's form where they read as one;
like Rasa, any slot holds any value), and
:meth:`Tracker.as_dict` gives the JSON Rasa sends an action server as ``tracker``, so a
``rasa_sdk`` action reads it unchanged. :meth:`Tracker.from_dict` replays the events of
such a dict; the derived fields in it are recomputed, not trusted.

:func:`applied_events` is Rasa's view of the history without what was reverted
(``rewind``, ``undo``), without what came before the latest ``restart`` or
``session_started``, and with a form's repeated runs folded into one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.dialogue.conversation_state import DialogueState, apply_event, initial_state
from bot.dialogue.domain import Domain
from bot.dialogue.event_reader import event_from_dict
from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from bot.dialogue.slot_definitions import Slot
from bot.dialogue.slot_values import coerce_slot_value, tracker_slots
from bot.errors import DataError
from bot.yaml_io import kind_of

__all__ = ["Tracker", "applied_events"]


@dataclass(frozen=True, slots=True)
class Tracker:
    """A conversation: ``events`` in order and the ``state`` they lead to.

    Build one with :meth:`from_events` or :meth:`from_dict`, not by hand.
    ``slot_definitions`` None means no domain: any slot name is accepted as it comes.
    """

    sender_id: str
    slot_definitions: Mapping[str, Slot] | None
    events: tuple[Event, ...]
    state: DialogueState

    @classmethod
    def from_events(
        cls, sender_id: str, events: Iterable[Event] = (), domain: Domain | None = None
    ) -> Tracker:
        """Replay stored events; their slot values are taken as they were recorded."""
        slots = None if domain is None else tracker_slots(domain)
        return cls._replayed(sender_id, tuple(events), slots)

    @classmethod
    def _replayed(
        cls, sender_id: str, events: tuple[Event, ...], slots: Mapping[str, Slot] | None
    ) -> Tracker:
        empty = cls(sender_id, slots, (), initial_state(slots))
        return empty._appended(events)

    def with_events(self, events: Iterable[Event]) -> Tracker:
        """A new tracker with ``events`` appended.

        Raises:
            DataError: a slot event names a slot the domain lacks. Use
                :meth:`prepare_events` to drop such events instead.
        """
        ready, problems = self.prepare_events(events)
        if problems:
            raise DataError("; ".join(problems))
        return self._appended(ready)

    def extended(self, events: Iterable[Event]) -> Tracker:
        """A new tracker with stored ``events`` replayed after these, as :meth:`from_events`
        would replay them (their slot values taken as recorded)."""
        return self._appended(events)

    def prepare_events(self, events: Iterable[Event]) -> tuple[list[Event], list[str]]:
        """The events with slot values in their slot's form, and a message for each event
        left out (a slot the domain lacks)."""
        ready: list[Event] = []
        problems: list[str] = []
        for event in events:
            if isinstance(event, SlotSet) and self.slot_definitions is not None:
                slot = self.slot_definitions.get(event.name)
                if slot is None:
                    problems.append(f"slot {event.name!r} is not in the domain")
                    continue
                event = replace(event, value=coerce_slot_value(slot, event.value))
            ready.append(event)
        return ready, problems

    def _appended(self, new: Iterable[Event]) -> Tracker:
        history = list(self.events)
        state = self.state
        for event in new:
            history.append(event)
            if isinstance(event, UserUtteranceReverted | ActionReverted):
                state = initial_state(self.slot_definitions)
                for kept in applied_events(history):
                    state = apply_event(state, kept, self.slot_definitions)
            else:
                state = apply_event(state, event, self.slot_definitions)
        return Tracker(self.sender_id, self.slot_definitions, tuple(history), state)

    # ---- what actions and policies read -----------------------------------------------

    @property
    def slots(self) -> Mapping[str, Any]:
        return self.state.slots

    def get_slot(self, name: str) -> Any:
        """The slot's value, or None if it is unset or unknown."""
        return self.state.slots.get(name)

    @property
    def latest_message(self) -> UserUttered:
        """The latest user message (an empty one before the player has said anything)."""
        return self.state.latest_message

    @property
    def latest_action_name(self) -> str | None:
        return self.state.latest_action_name

    @property
    def latest_input_channel(self) -> str | None:
        for event in reversed(self.events):
            if isinstance(event, UserUttered):
                return event.input_channel
        return None

    @property
    def latest_event_time(self) -> float | None:
        return self.events[-1].timestamp if self.events else None

    @property
    def active_loop_name(self) -> str | None:
        loop = self.state.active_loop
        return None if loop is None else loop.name

    @property
    def paused(self) -> bool:
        return self.state.paused

    @property
    def followup_action(self) -> str | None:
        return self.state.followup_action

    @property
    def in_handover(self) -> bool:
        """A handover was requested in this session and is not closed yet (waiting in the
        queue or with an agent)."""
        return self.state.handover is not None

    @property
    def handover_status(self) -> str | None:
        """``waiting`` (the bot still answers), ``assigned`` (an agent has it), or None."""
        return None if self.state.handover is None else self.state.handover.status

    @property
    def handover_agent(self) -> str | None:
        """The agent who holds the conversation, while one does."""
        return None if self.state.handover is None else self.state.handover.agent_id

    def session_events(self) -> tuple[Event, ...]:
        """The events of the current session: from the latest ``session_started`` on."""
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], SessionStarted):
                return self.events[index:]
        return self.events

    def events_after_latest_restart(self) -> tuple[Event, ...]:
        for index in range(len(self.events) - 1, -1, -1):
            if isinstance(self.events[index], Restarted):
                return self.events[index + 1 :]
        return self.events

    def applied_events(self) -> list[Event]:
        return applied_events(self.events)

    # ---- the wire form ----------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        """Rasa's tracker JSON with every event, as the action server receives it."""
        state = self.state
        return {
            "sender_id": self.sender_id,
            "slots": dict(state.slots),
            "latest_message": state.latest_message_data,
            "latest_event_time": self.latest_event_time,
            "followup_action": state.followup_action,
            "paused": state.paused,
            "events": [event.as_dict() for event in self.events],
            "latest_input_channel": self.latest_input_channel,
            "active_loop": {} if state.active_loop is None else state.active_loop.as_dict(),
            "latest_action": dict(state.latest_action),
            "latest_action_name": state.latest_action_name,
        }

    @classmethod
    def from_dict(cls, data: Any, domain: Domain | None = None) -> Tracker:
        """Rebuild a tracker from :meth:`as_dict` output (or Rasa's) by replaying events.

        Without a domain the slots are the names in ``data["slots"]``, of type any.

        Raises:
            DataError: no ``sender_id``, ``events`` not a list, or a malformed event.
        """
        if not isinstance(data, Mapping):
            raise DataError(f"a tracker must be a mapping, found {kind_of(data)}")
        sender_id = data.get("sender_id")
        if not isinstance(sender_id, str):
            raise DataError(f"a tracker needs 'sender_id' (text), found {kind_of(sender_id)}")
        raw_events = data.get("events", [])
        raw_events = [] if raw_events is None else raw_events
        if not isinstance(raw_events, list):
            raise DataError(f"tracker 'events' must be a list, found {kind_of(raw_events)}")
        events = []
        for index, raw in enumerate(raw_events):
            try:
                events.append(event_from_dict(raw))
            except DataError as exc:
                raise DataError(f"tracker {sender_id!r}, events[{index}]: {exc}") from None
        if domain is not None:
            return cls.from_events(sender_id, events, domain)
        names = data.get("slots")
        slots = {n: Slot(n, "any") for n in names} if isinstance(names, Mapping) else {}
        return cls._replayed(sender_id, tuple(events), slots or None)


def applied_events(events: Sequence[Event], *, fold_loops: bool = True) -> list[Event]:
    """The events that still count: Rasa's ``applied_events``.

    ``fold_loops=False`` keeps every run of a form, for matching rules turn by turn.
    """
    loops = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
    applied: list[Event] = []
    for event in events:
        if isinstance(event, Restarted | SessionStarted):
            applied = []
        elif isinstance(event, ActionReverted):
            _undo_till(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            _undo_till(UserUttered, applied)
            _undo_till(ActionExecuted, applied)  # the action_listen before the message
        elif (
            fold_loops
            and isinstance(event, ActionExecuted)
            and event.name in loops
            and not _first_run_or_unhappy_path(event.name, applied)
        ):
            _undo_till_previous_run(event.name, applied)
        else:
            applied.append(event)
    return applied


def _undo_till(kind: type[Event], applied: list[Event]) -> None:
    while applied:
        if isinstance(applied.pop(), kind):
            return


def _first_run_or_unhappy_path(loop: str | None, applied: list[Event]) -> bool:
    next_action: str | None = None
    for event in reversed(applied):
        if isinstance(event, ActiveLoop) and event.name is None:
            return True  # a deactivation: earlier runs belong to another activation
        if isinstance(event, ActionExecutionRejected) and event.name == loop:
            return True
        if isinstance(event, UserUttered) and next_action not in (None, loop):
            return True  # something else answered the user: an unhappy path
        if isinstance(event, ActionExecuted):
            if event.name == loop:
                return False
            next_action = event.name
    return True


def _undo_till_previous_run(loop: str | None, applied: list[Event]) -> None:
    """Drop the user turns and listens since the loop's previous run, keep the rest."""
    kept_after: list[Event] = []
    while applied:
        event = applied[-1]
        if isinstance(event, ActionExecuted) and event.name == loop:
            break
        applied.pop()
        if not isinstance(event, ActionExecuted | UserUttered | DefinePrevUserUtteredFeaturization):
            kept_after.append(event)
    applied.extend(reversed(kept_after))
