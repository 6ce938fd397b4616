"""The state of a conversation, and how one event changes it.

:func:`apply_event` is a pure function: ``(state, event) -> new state``. It follows how
Rasa's tracker applies events, so that a custom action sees the same slots, latest
message, active loop and pause flag as it would under Rasa. Reverting events (``rewind``,
``undo``) need the whole history and are replayed by :class:`bot.dialogue.tracker.Tracker`.

Handover: ``handover_requested`` puts the conversation in the queue (the bot still
answers), ``handover_assigned`` pauses the bot until ``handover_closed`` (or ``resume``)
or until ``handover_waiting`` puts it back in the queue;
``restart`` and ``session_started`` reset everything, the handover included, so the
engine must not start a new session while the conversation is with the humans. After
``csat_asked`` the player's next message may be their rating; after
``csat_comment_asked`` a comment on it; after ``follow_up_asked`` whether the problem
is solved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommentAsked,
    CsatRated,
    FollowUpAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    HandoverWaiting,
)
from bot.dialogue.slot_definitions import Slot
from bot.dialogue.slot_values import initial_slot_values

__all__ = [
    "ACTION_LISTEN",
    "ACTION_SESSION_START",
    "HANDOVER_ASSIGNED",
    "HANDOVER_WAITING",
    "ActiveLoopState",
    "DialogueState",
    "HandoverState",
    "apply_event",
    "initial_state",
]

ACTION_LISTEN = "action_listen"
ACTION_SESSION_START = "action_session_start"
HANDOVER_WAITING = "waiting"
HANDOVER_ASSIGNED = "assigned"


@dataclass(frozen=True, slots=True)
class ActiveLoopState:
    """The active form: interrupted by an unhappy path, or rejected by its action."""

    name: str
    is_interrupted: bool = False
    rejected: bool = False
    trigger_message: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        trigger = None if self.trigger_message is None else dict(self.trigger_message)
        return {
            "name": self.name,
            "is_interrupted": self.is_interrupted,
            "rejected": self.rejected,
            "trigger_message": trigger,
        }


@dataclass(frozen=True, slots=True)
class HandoverState:
    """A conversation with (or waiting for) a human agent."""

    request: HandoverRequested
    agent_id: str | None = None

    @property
    def status(self) -> str:
        """``waiting`` in the queue (the bot answers), or ``assigned`` to an agent (silent)."""
        return HANDOVER_WAITING if self.agent_id is None else HANDOVER_ASSIGNED


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Everything the events so far imply; ``slots`` None-valued when unset."""

    slots: Mapping[str, Any]
    latest_message: UserUttered = field(default_factory=lambda: UserUttered(timestamp=0.0))
    latest_entities: tuple[Mapping[str, Any], ...] = ()
    use_text_for_featurization: bool | None = None
    latest_action: Mapping[str, str] = field(default_factory=dict)
    latest_bot_utterance: BotUttered | None = None
    followup_action: str | None = ACTION_LISTEN
    paused: bool = False
    active_loop: ActiveLoopState | None = None
    handover: HandoverState | None = None
    awaiting_csat: bool = False
    awaiting_csat_comment: bool = False
    awaiting_follow_up: bool = False

    @property
    def latest_action_name(self) -> str | None:
        """The latest action's name, or its text for an end-to-end bot turn."""
        return self.latest_action.get("action_name") or self.latest_action.get("action_text")

    @property
    def latest_message_data(self) -> dict[str, Any]:
        """The latest parse data with entities added after NLU: Rasa's ``latest_message``."""
        return {**self.latest_message.parse_data, "entities": list(self.latest_entities)}


def initial_state(slots: Mapping[str, Slot] | None) -> DialogueState:
    """The state before any event; ``slots`` None means any slot name is accepted."""
    return DialogueState(slots=initial_slot_values(slots or {}))


def apply_event(
    state: DialogueState, event: Event, slots: Mapping[str, Slot] | None
) -> DialogueState:
    """The state after ``event``; reverting events must be replayed by the caller."""
    match event:
        case UserUttered():
            return _user(state, event)
        case ActionExecuted():
            return _action(state, event)
        case SlotSet():
            if slots is not None and event.name not in slots:
                return state  # Rasa ignores a slot the domain does not know
            return replace(state, slots={**state.slots, event.name: event.value})
        case ActiveLoop():
            loop = None
            if event.name is not None:
                loop = ActiveLoopState(event.name, trigger_message=state.latest_message.parse_data)
            return replace(state, active_loop=loop)
        case LoopInterrupted() if state.active_loop is not None:
            loop = replace(state.active_loop, is_interrupted=event.is_interrupted)
            return replace(state, active_loop=loop)
        case ActionExecutionRejected() if _is_active_loop(state, event.name):
            assert state.active_loop is not None
            return replace(state, active_loop=replace(state.active_loop, rejected=True))
        case EntitiesAdded() if state.latest_action_name == ACTION_LISTEN:
            added = [e for e in event.entities if e not in state.latest_entities]
            return replace(state, latest_entities=(*state.latest_entities, *added))
        case DefinePrevUserUtteredFeaturization() if state.latest_action_name == ACTION_LISTEN:
            return replace(state, use_text_for_featurization=event.use_text_for_featurization)
        case BotUttered():
            return replace(state, latest_bot_utterance=event)
        case FollowupAction():
            return replace(state, followup_action=event.name)
        case AllSlotsReset():
            return replace(state, slots=initial_slot_values(slots or {}))
        case Restarted():
            return replace(initial_state(slots), followup_action=ACTION_SESSION_START)
        case SessionStarted():
            return initial_state(slots)
        case ConversationPaused():
            return replace(state, paused=True)
        case ConversationResumed():
            return replace(state, paused=False)
        case HandoverRequested():
            return replace(_asking(state, None), handover=HandoverState(event))
        case HandoverAssigned() if state.handover is not None:
            handover = replace(state.handover, agent_id=event.agent_id)
            return replace(state, handover=handover, paused=True)
        case HandoverWaiting() if state.handover is not None:
            # back in the queue (a transfer to a team, an agent gone): the bot answers again
            return replace(state, handover=replace(state.handover, agent_id=None), paused=False)
        case HandoverClosed():
            return replace(state, handover=None, paused=False)
        case CsatAsked():
            return _asking(state, "csat")
        case CsatRated():
            return replace(state, awaiting_csat=False)
        case CsatCommentAsked():
            return _asking(state, "csat_comment")
        case FollowUpAsked():
            return _asking(state, "follow_up")
    return state  # recorded only: reminders, agent messages, CSAT, exports...


def _asking(state: DialogueState, question: str | None) -> DialogueState:
    """The state awaiting an answer to ``question`` only (None: to none). A question
    after a handover is answered by the next message or not at all, and the latest
    question asked is the one an answer is for."""
    return replace(
        state,
        awaiting_csat=question == "csat",
        awaiting_csat_comment=question == "csat_comment",
        awaiting_follow_up=question == "follow_up",
    )


def _is_active_loop(state: DialogueState, name: str | None) -> bool:
    return state.active_loop is not None and state.active_loop.name == name


def _user(state: DialogueState, event: UserUttered) -> DialogueState:
    use_text = None
    if event.text and not event.intent_name:
        use_text = True
    elif event.intent_name and not event.text:
        use_text = False
    return replace(
        _asking(state, None),
        latest_message=event,
        latest_entities=tuple(event.entities),
        use_text_for_featurization=use_text,
        followup_action=None,
    )


def _action(state: DialogueState, event: ActionExecuted) -> DialogueState:
    # an end-to-end bot turn has action_text instead of a name
    key, value = ("action_name", event.name) if event.name else ("action_text", event.action_text)
    loop = state.active_loop
    if loop is not None:
        rejected = loop.rejected and event.name != loop.name
        loop = replace(loop, is_interrupted=False, rejected=rejected)
    return replace(
        state,
        latest_action={key: value or ""},
        followup_action=None,
        active_loop=loop,
    )
