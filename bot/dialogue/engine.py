"""The dialogue engine: one player message in, the bot's messages out.

:meth:`Engine.handle` runs one turn under the conversation's lock:

1. load the conversation from the store and start a session if it has none or the last
   one expired (never while an agent has the conversation);
2. read the message: a button payload (``/intent{...}``) directly, anything else through
   NLU; record it. An answer to a question after a handover (the rating, its comment,
   the follow-up) is recorded as such (:mod:`bot.dialogue.closing_turns`);
   a player who asks for the bot back leaves the queue (or the agent). While an agent
   has the conversation, stop here: the bot is silent. While it waits in the queue, the
   bot answers as usual;
3. a signed player token in the metadata verifies the player (``verified``, ``player_id``);
4. fill slots from the message (Rasa's ``action_extract_slots``);
5. let the policies choose actions until one of them is ``action_listen``, running each:
   responses, forms, built-ins and, over HTTP, custom actions. A custom action that
   refuses (HTTP 400) lets the policies choose again; one that fails or times out gives
   the player an apology and a human;
6. persist the new events, then the handover record, and only then answer;
7. outside the lock, tell the live-agent connector (if any) what the turn did: a new
   handover request, a player message for the humans, or a handover the player left.

Nothing the player said is lost: whatever goes wrong after the message is read, the
message and what happened are stored.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.channels import BotMessage, UserMessage
from bot.dialogue.action_client import ActionClient
from bot.dialogue.action_runner import ACTION_FAILED_TEXT, ActionRunner
from bot.dialogue.closing_turns import closing_step
from bot.dialogue.conversation_state import (
    ACTION_LISTEN,
    HANDOVER_ASSIGNED,
)
from bot.dialogue.domain import Domain
from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    Event,
    Restarted,
    UserUttered,
)
from bot.dialogue.forms import refused_answer
from bot.dialogue.handoff import immediate_handover
from bot.dialogue.handover_events import HandoverClosed, HandoverRequested
from bot.dialogue.handover_turns import live_agent_calls, tell_live_agents, wants_the_bot
from bot.dialogue.identity_token import identity_events, without_tokens
from bot.dialogue.payload import parse_payload
from bot.dialogue.policies import PolicyEnsemble, Prediction
from bot.dialogue.sessions import session_due, session_start
from bot.dialogue.slot_filling import extract_slots
from bot.dialogue.tracker import Tracker
from bot.dialogue.tracker_cache import StoredTracker, TrackerCache
from bot.dialogue.turn import Turn, already_seen, answers_to
from bot.errors import ActionRejected, StoreError
from bot.live_agents import LiveAgentConnector, TurnReplies
from bot.store.base import LockStore, TrackerStore

__all__ = ["ACTION_FAILED_TEXT", "Engine", "EngineConfig", "Parser", "UserMessage"]

log = logging.getLogger(__name__)
ACTION_DEFAULT_FALLBACK = "action_default_fallback"

Parser = Callable[[str], Awaitable[Mapping[str, Any]]]
"""NLU: text → Rasa's parse data (``intent``, ``entities``, ``intent_ranking``)."""

FALLBACK_INTENT = "nlu_fallback"
# Said only where the domain declares them: a Rasa project gets no text it did not write.
BACK_TO_BOT = "utter_handover_cancelled"


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """``player_token_secret``: the HS256 secret of signed player tokens (None: ignore them).
    ``protocol_version`` is the Rasa version sent to the action server."""

    player_token_secret: str | None = None
    max_actions_per_turn: int = 10
    protocol_version: str = "3.6.21"
    seed: int | None = None
    # Trackers of recent conversations kept between turns (0: read each one whole).
    tracker_cache_size: int = 1000
    # The players' language (config.yml's): sent with each handover request, and it
    # decides whether the built-in Turkish apology may be said (see ACTION_FAILED_RESPONSE).
    language: str = "tr"


class Engine:
    def __init__(
        self,
        domain: Domain,
        policies: PolicyEnsemble,
        parse: Parser,
        store: TrackerStore,
        locks: LockStore,
        action_client: ActionClient | None = None,
        config: EngineConfig | None = None,
        clock: Callable[[], float] = time.time,
        live_agents: LiveAgentConnector | None = None,
    ) -> None:
        self.domain = domain
        self.live_agents = live_agents
        self.policies = policies
        self.parse = parse
        self.store = store
        self.locks = locks
        self.config = config or EngineConfig()
        self.clock = clock
        self.actions = ActionRunner(
            domain,
            action_client,
            self.config.protocol_version,
            random.Random(self.config.seed),
            self.config.language,
        )
        self.intents = frozenset(domain.intent_names) | {FALLBACK_INTENT}
        self._trackers = TrackerCache(self.config.tracker_cache_size)

    # ---- the conversation ---------------------------------------------------------------

    async def tracker(self, sender_id: str) -> Tracker:
        return (await self._load(sender_id)).tracker

    async def _load(self, sender_id: str) -> StoredTracker:
        """The conversation as stored; a tracker this worker holds is brought up to date
        with what was added since (by any worker) instead of being read whole."""
        cached = self._trackers.get(sender_id)
        if cached is not None:
            raw = await self.store.load_since(sender_id, cached.count, cached.last_timestamp)
            if raw is not None:
                loaded = cached.extended(sender_id, raw) if raw else cached
                return self._trackers.keep(sender_id, loaded)
        raw = await self.store.load(sender_id)
        empty = StoredTracker(Tracker.from_events(sender_id, (), self.domain), 0, None)
        return self._trackers.keep(sender_id, empty.extended(sender_id, raw))

    async def handle(self, message: UserMessage) -> list[BotMessage]:
        """Run one turn; returns the bot's messages (Rasa's REST channel shape)."""
        sender_id = message.sender_id
        async with self.locks.lock(sender_id):
            stored = await self._load(sender_id)
            turn = Turn(stored.tracker)
            if already_seen(turn.tracker, message.message_id):
                log.info(
                    "conversation %s: message %s was already handled; a retried delivery",
                    sender_id, message.message_id,
                )  # fmt: skip
                if message.replay and message.message_id is not None:
                    return answers_to(turn.tracker, message.message_id)
                return []
            try:
                await self._run_turn(turn, message)
            finally:
                self._trackers.forget(sender_id)
                await self._persist(turn)
                if turn.new:
                    stored = StoredTracker(
                        turn.tracker, stored.count + len(turn.new), turn.new[-1].timestamp
                    )
                self._trackers.keep(sender_id, stored)
        # The connector may record what humans do at once (an agent takes the chat), which
        # needs the conversation's lock: so it is called after the lock is released.
        if self.live_agents is None or not turn.new:
            return turn.messages()
        calls = live_agent_calls(turn.before, turn.tracker, turn.new, self.config.language)
        # What the humans' side says at once (the place in the queue) follows the turn's
        # own replies, in the same answer.
        with TurnReplies.collect(sender_id) as replies:
            await tell_live_agents(self.live_agents, sender_id, calls)
        return [*turn.messages(), *replies.messages]

    async def _run_turn(self, turn: Turn, message: UserMessage) -> None:
        before = turn.tracker.state  # a question asked a day ago outlives its session
        if session_due(turn.tracker, self.domain, self.clock()):
            turn.add(session_start(turn.tracker, self.domain))
        status = turn.tracker.handover_status
        user = await self._read(message)
        turn.add([user])
        step = closing_step(before, user, tuple(self.domain.responses))
        if step is not None:  # the rating, its comment, the follow-up's answer
            turn.add(list(step.events))
            if step.handover is not None:
                turn.add(immediate_handover(turn.tracker, self.domain, step.handover))
            said = next((name for name in step.say if name in self.domain.responses), None)
            await self._say_declared(turn, said, message.input_channel, step.then)
            return
        if wants_the_bot(message.text, status):
            turn.add([HandoverClosed(by="player")])
            await self._say_declared(turn, BACK_TO_BOT, message.input_channel)
            return
        if status == HANDOVER_ASSIGNED or turn.tracker.paused:
            return  # a human has the conversation: record and stay silent
        if not (message.text or "").strip():  # a sticker, a photo: nothing to understand
            turn.add([ActionExecuted(ACTION_DEFAULT_FALLBACK)])
            turn.add(self.actions.non_text(turn.tracker, message.input_channel))
            turn.add([ActionExecuted(ACTION_LISTEN)])
            return
        turn.add(identity_events(turn.tracker, message.metadata, self.config.player_token_secret))
        turn.add(list(extract_slots(turn.tracker, self.domain, user).events))
        try:
            await self._act(turn, message.input_channel)
        except Exception:  # the player gets an apology and a human, never silence
            log.exception("conversation %s: the turn failed", message.sender_id)
            turn.add(self.actions.apology(turn.tracker, message.input_channel))
            if turn.add(immediate_handover(turn.tracker, self.domain, "engine_error")):
                turn.add([ActionExecuted(ACTION_LISTEN, policy="engine")])

    # ---- reading the message --------------------------------------------------------------

    async def _read(self, message: UserMessage) -> UserUttered:
        text = message.text or ""
        parse_data = parse_payload(text, self.intents)
        if parse_data is None and text.strip():
            try:
                parse_data = dict(await self.parse(text))
            except Exception:
                log.exception("NLU failed on a message of conversation %s", message.sender_id)
        if parse_data is None:
            parse_data = {
                "text": text,
                "intent": {"name": FALLBACK_INTENT, "confidence": 0.0},
                "intent_ranking": [],
                "entities": [],
            }
        return UserUttered(
            text=text,
            parse_data=parse_data,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=without_tokens(message.metadata),  # a token is a credential
        )

    # ---- choosing and running actions ----------------------------------------------------

    def predict(self, tracker: Tracker, excluded: frozenset[str] = frozenset()) -> Prediction:
        return self.policies.predict_for(tracker, self.domain, excluded)

    async def _act(self, turn: Turn, channel: str | None) -> None:
        excluded: set[str] = set()
        followup: str | None = None
        for _ in range(self.config.max_actions_per_turn):
            if followup is not None:
                prediction = Prediction(followup, 1.0, "followup", 0)
                followup = None
            else:
                prediction = self.predict(turn.tracker, frozenset(excluded))
            name = prediction.action
            if name == ACTION_LISTEN:
                turn.add([ActionExecuted(ACTION_LISTEN, policy=prediction.policy,
                                         confidence=prediction.confidence)])  # fmt: skip
                return
            try:
                events = await self.actions.execute(name, turn.tracker, channel)
            except ActionRejected as rejection:
                log.info(
                    "conversation %s: %s refused to run: %s",
                    turn.tracker.sender_id,
                    name,
                    rejection,
                )
                turn.add([ActionExecutionRejected(name, prediction.policy, prediction.confidence)])
                if name in self.domain.forms:
                    turn.add(refused_answer(turn.tracker))
                excluded.add(name)
                continue
            excluded.clear()
            turn.add(
                [ActionExecuted(name, policy=prediction.policy, confidence=prediction.confidence)]
            )
            added = turn.add(events)
            if any(isinstance(e, HandoverRequested) for e in added):
                # the queue takes it from here; the bot answers while it waits
                turn.add([ActionExecuted(ACTION_LISTEN, policy="engine")])
                return
            if any(isinstance(e, Restarted) for e in added):
                turn.add(session_start(turn.tracker, self.domain))
                return
            followup = self.actions.followup(added)
        log.warning(
            "conversation %s: stopped after %d actions in one turn",
            turn.tracker.sender_id, self.config.max_actions_per_turn,
        )  # fmt: skip
        turn.add([ActionExecuted(ACTION_LISTEN)])

    async def _say_declared(
        self, turn: Turn, response: str | None, channel: str | None, then: Sequence[Event] = ()
    ) -> None:
        """Say a response the domain declares (nothing otherwise), record ``then``, listen."""
        if response is not None and response in self.domain.responses:
            turn.add([ActionExecuted(response, policy="engine")])
            turn.add(await self.actions.execute(response, turn.tracker, channel))
        turn.add([*then, ActionExecuted(ACTION_LISTEN, policy="engine")])

    # ---- persisting and answering ---------------------------------------------------------

    async def _persist(self, turn: Turn) -> None:
        if not turn.new:
            return
        sender_id = turn.tracker.sender_id
        await self.store.append(sender_id, [event.as_dict() for event in turn.new])
        for record in turn.handover_records():
            try:
                await self.store.record_handover(sender_id, record)
            except StoreError:  # the turn is stored: an error now would say it was not
                log.exception("conversation %s: the handover record was not stored", sender_id)
