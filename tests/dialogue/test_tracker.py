from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from bot.dialogue.domain import Domain, Form, Slot
from bot.dialogue.event_reader import parse_events
from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
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
    UserUtteranceReverted,
    UserUttered,
)
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatRated,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    HandoverWaiting,
    LiveAgentUttered,
)
from bot.dialogue.tracker import Tracker, applied_events
from bot.errors import DataError

AMOUNT = {"entity": "amount", "start": 0, "end": 6, "value": 500, "extractor": "Regex"}
PARSE = {
    "text": "500 TL yatırdım gelmedi",
    "intent": {"name": "deposit_missing", "confidence": 0.93},
    "entities": [AMOUNT],
    "intent_ranking": [{"name": "deposit_missing", "confidence": 0.93}],
}
BUTTONS = {"buttons": [{"title": "Papara", "payload": '/inform{"payment_method":"papara"}'}]}


@pytest.fixture
def domain() -> Domain:
    slots = [
        Slot("amount", "float", max_value=100000.0),
        Slot("payment_method", "categorical", values=("havale", "papara", "kredi kartı")),
        Slot("verified", "bool", initial_value=False),
        Slot("username", "text"),
        Slot("documents", "list"),
    ]
    return Domain(
        slots={slot.name: slot for slot in slots},
        forms={"deposit_form": Form("deposit_form", ("amount", "payment_method"))},
    )


def user(text: str, intent: str, ts: float, *entities: dict[str, Any]) -> UserUttered:
    scored = {"name": intent, "confidence": 0.9}
    parse = {"intent": scored, "entities": list(entities), "intent_ranking": [scored]}
    return UserUttered(text, parse, input_channel="webchat", timestamp=ts)


def listen(ts: float) -> ActionExecuted:
    return ActionExecuted("action_listen", timestamp=ts)


def deposit_conversation() -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=2.0),
        listen(3.0),
        UserUttered("500 TL", PARSE, input_channel="webchat", message_id="m1", timestamp=4.0),
        ActionExecuted("deposit_form", policy="RulePolicy", confidence=1.0, timestamp=5.0),
        ActiveLoop("deposit_form", timestamp=6.0),
        SlotSet("amount", 500, timestamp=7.0),
        SlotSet("requested_slot", "payment_method", timestamp=8.0),
        BotUttered("Hangi yöntemle yatırdınız?", BUTTONS, timestamp=9.0),
        listen(10.0),
    ]


def test_as_dict_is_the_tracker_rasa_sends_to_the_action_server(domain: Domain) -> None:
    tracker = Tracker.from_events("oyuncu-42", [], domain).with_events(deposit_conversation())
    parse = {**PARSE, "message_id": "m1", "metadata": {}}
    assert tracker.as_dict() == {
        "sender_id": "oyuncu-42",
        "slots": {
            "amount": 500.0,
            "payment_method": None,
            "verified": False,
            "username": None,
            "documents": None,
            "requested_slot": "payment_method",
            "session_started_metadata": None,
        },
        "latest_message": parse,
        "latest_event_time": 10.0,
        "followup_action": None,
        "paused": False,
        "events": [
            {
                "event": "action",
                "timestamp": 1.0,
                "name": "action_session_start",
                "policy": None,
                "confidence": None,
                "action_text": None,
                "hide_rule_turn": False,
            },
            {"event": "session_started", "timestamp": 2.0},
            {
                "event": "action",
                "timestamp": 3.0,
                "name": "action_listen",
                "policy": None,
                "confidence": None,
                "action_text": None,
                "hide_rule_turn": False,
            },
            {
                "event": "user",
                "timestamp": 4.0,
                "text": "500 TL",
                "parse_data": parse,
                "input_channel": "webchat",
                "message_id": "m1",
                "metadata": {},
            },
            {
                "event": "action",
                "timestamp": 5.0,
                "name": "deposit_form",
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            },
            {"event": "active_loop", "timestamp": 6.0, "name": "deposit_form"},
            {"event": "slot", "timestamp": 7.0, "name": "amount", "value": 500.0},
            {
                "event": "slot",
                "timestamp": 8.0,
                "name": "requested_slot",
                "value": "payment_method",
            },
            {
                "event": "bot",
                "timestamp": 9.0,
                "text": "Hangi yöntemle yatırdınız?",
                "data": BUTTONS,
                "metadata": {},
            },
            {
                "event": "action",
                "timestamp": 10.0,
                "name": "action_listen",
                "policy": None,
                "confidence": None,
                "action_text": None,
                "hide_rule_turn": False,
            },
        ],
        "latest_input_channel": "webchat",
        "active_loop": {
            "name": "deposit_form",
            "is_interrupted": False,
            "rejected": False,
            "trigger_message": parse,
        },
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }


def test_a_new_tracker_looks_like_rasas(domain: Domain) -> None:
    assert Tracker.from_events("yeni").as_dict() == {
        "sender_id": "yeni",
        "slots": {},
        "latest_message": {
            "intent": {},
            "entities": [],
            "text": None,
            "message_id": None,
            "metadata": {},
        },
        "latest_event_time": None,
        "followup_action": "action_listen",
        "paused": False,
        "events": [],
        "latest_input_channel": None,
        "active_loop": {},
        "latest_action": {},
        "latest_action_name": None,
    }
    fresh = Tracker.from_events("yeni", domain=domain)
    assert fresh.slots["verified"] is False
    assert "requested_slot" in fresh.slots  # the domain has a form


def test_with_events_returns_a_new_tracker(domain: Domain) -> None:
    empty = Tracker.from_events("a", domain=domain)
    later = empty.with_events([SlotSet("username", "ayse34")])
    assert empty.events == () and empty.get_slot("username") is None
    assert later.get_slot("username") == "ayse34"
    assert later.events == (SlotSet("username", "ayse34"),)


def test_incremental_state_equals_replayed_state(domain: Domain) -> None:
    events = [
        *deposit_conversation(),
        user("papara", "inform", 11.0, {"entity": "payment_method", "value": "Papara"}),
        UserUtteranceReverted(timestamp=12.0),
        ConversationPaused(timestamp=13.0),
    ]
    step_by_step = Tracker.from_events("a", domain=domain)
    for event in events:
        step_by_step = step_by_step.with_events([event])
    assert step_by_step == Tracker.from_events("a", events, domain)


def test_slot_values_are_coerced_to_their_type(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events(
        [
            SlotSet("amount", "12,5"),
            SlotSet("payment_method", "KREDİ KARTI"),
            SlotSet("verified", "true"),
            SlotSet("username", 12345),
            SlotSet("documents", "kimlik"),
        ]
    )
    assert tracker.slots["amount"] == 12.5
    assert tracker.slots["payment_method"] == "kredi kartı"
    assert tracker.slots["verified"] is True
    assert tracker.slots["username"] == 12345
    assert tracker.slots["documents"] == ["kimlik"]
    assert tracker.events[0] == SlotSet("amount", 12.5)  # the record holds the coerced value


def test_a_value_of_another_type_is_kept_and_an_unknown_slot_is_an_error(
    domain: Domain,
) -> None:
    tracker = Tracker.from_events("a", domain=domain)
    assert tracker.with_events([SlotSet("amount", "abc")]).get_slot("amount") == "abc"
    assert tracker.with_events([SlotSet("username", True)]).get_slot("username") is True
    with pytest.raises(DataError, match="slot 'bonus_code' is not in the domain"):
        tracker.with_events([SlotSet("bonus_code", "HOSGELDIN")])


def test_prepare_events_drops_only_slots_the_domain_lacks(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain)
    ready, problems = tracker.prepare_events(
        [SlotSet("verified", "belki"), SlotSet("amount", 3), SlotSet("nope", 1), Restarted()]
    )
    assert ready == [SlotSet("verified", "belki"), SlotSet("amount", 3.0), Restarted()]
    assert problems == ["slot 'nope' is not in the domain"]


def test_without_a_domain_any_slot_is_kept_as_given() -> None:
    tracker = Tracker.from_events("a").with_events([SlotSet("whatever", "abc")])
    assert tracker.slots == {"whatever": "abc"}


def test_replayed_history_is_not_re_validated(domain: Domain) -> None:
    tracker = Tracker.from_events("a", [SlotSet("amount", "abc"), SlotSet("nope", 1)], domain)
    assert tracker.get_slot("amount") == "abc"  # stored as recorded
    assert "nope" not in tracker.slots  # Rasa ignores slots the domain lacks


def test_restart_resets_everything_and_asks_for_a_session_start(domain: Domain) -> None:
    tracker = Tracker.from_events("a", deposit_conversation(), domain).with_events(
        [ConversationPaused(), Restarted(timestamp=20.0)]
    )
    assert tracker.get_slot("amount") is None
    assert tracker.get_slot("verified") is False
    assert tracker.active_loop_name is None
    assert tracker.paused is False
    assert tracker.followup_action == "action_session_start"
    assert tracker.latest_message.text is None
    assert tracker.events_after_latest_restart() == ()
    assert tracker.latest_input_channel == "webchat"  # like Rasa: from the whole record


def test_session_started_resets_state_and_marks_the_session(domain: Domain) -> None:
    events = [*deposit_conversation(), ActionExecuted("action_session_start", timestamp=30.0)]
    carried = [SessionStarted(timestamp=31.0), SlotSet("username", "ayse34", timestamp=32.0)]
    tracker = Tracker.from_events("a", events + carried, domain)
    assert tracker.get_slot("amount") is None
    assert tracker.get_slot("username") == "ayse34"
    assert tracker.followup_action == "action_listen"
    assert tracker.session_events() == tuple(carried)


def test_reset_slots_restores_initial_values(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events(
        [SlotSet("verified", True), SlotSet("amount", 5), AllSlotsReset()]
    )
    assert tracker.get_slot("verified") is False
    assert tracker.get_slot("amount") is None


def test_rewind_drops_back_to_before_the_latest_user_message(domain: Domain) -> None:
    before = Tracker.from_events("a", deposit_conversation(), domain)
    after = before.with_events(
        [
            user("papara ile", "inform", 11.0, {"entity": "payment_method", "value": "papara"}),
            SlotSet("payment_method", "papara", timestamp=12.0),
            UserUtteranceReverted(timestamp=13.0),
        ]
    )
    assert after.slots == before.slots
    assert after.latest_message == before.latest_message
    assert after.latest_action_name == "deposit_form"  # as in Rasa, the listen goes too
    assert len(after.events) == len(before.events) + 3


def test_undo_reverts_the_latest_action_and_its_events(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events(
        [
            ActionExecuted("action_check_deposit", timestamp=1.0),
            SlotSet("amount", 100, timestamp=2.0),
            ActionReverted(timestamp=3.0),
        ]
    )
    assert tracker.get_slot("amount") is None
    assert tracker.latest_action_name is None


def test_the_active_loop_follows_its_events(domain: Domain) -> None:
    tracker = Tracker.from_events("a", deposit_conversation(), domain)
    interrupted = tracker.with_events([LoopInterrupted(True)])
    assert interrupted.as_dict()["active_loop"]["is_interrupted"] is True
    rejected = interrupted.with_events([ActionExecutionRejected("deposit_form")])
    assert rejected.state.active_loop is not None and rejected.state.active_loop.rejected
    again = rejected.with_events([ActionExecuted("deposit_form")])
    assert again.as_dict()["active_loop"]["rejected"] is False
    assert again.as_dict()["active_loop"]["is_interrupted"] is False
    done = again.with_events([ActiveLoop(None)])
    assert done.active_loop_name is None
    assert done.as_dict()["active_loop"] == {}


def test_followup_is_cleared_by_the_next_action_or_message(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events(
        [FollowupAction("action_handoff")]
    )
    assert tracker.followup_action == "action_handoff"
    assert tracker.with_events([listen(1.0)]).followup_action is None
    assert tracker.with_events([user("selam", "greet", 1.0)]).followup_action is None


def test_added_entities_join_the_latest_message(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events(
        [listen(1.0), user("500 TL", "deposit_missing", 2.0, AMOUNT)]
    )
    method = {"entity": "payment_method", "value": "papara"}
    more = tracker.with_events(
        [EntitiesAdded((method, AMOUNT)), DefinePrevUserUtteredFeaturization(True)]
    )
    assert more.as_dict()["latest_message"]["entities"] == [AMOUNT, method]
    assert more.latest_message.entities == [AMOUNT]  # the event itself is unchanged
    assert more.state.use_text_for_featurization is True


def test_pause_and_resume(domain: Domain) -> None:
    tracker = Tracker.from_events("a", domain=domain).with_events([ConversationPaused()])
    assert tracker.paused and tracker.as_dict()["paused"] is True
    assert not tracker.with_events([ConversationResumed()]).paused


def test_handover_pauses_the_bot_from_assignment_until_it_is_closed(domain: Domain) -> None:
    tracker = Tracker.from_events("a", deposit_conversation(), domain)
    asked = tracker.with_events([HandoverRequested("player_asked", skill="finance")])
    assert asked.in_handover and not asked.paused and asked.handover_agent is None
    assert asked.handover_status == "waiting"
    taken = asked.with_events([HandoverAssigned("agent-7"), LiveAgentUttered("agent-7", "Merhaba")])
    assert taken.handover_agent == "agent-7" and taken.paused
    assert taken.handover_status == "assigned"
    moved = taken.with_events([HandoverAssigned("agent-9")])
    assert moved.handover_agent == "agent-9"
    requeued = moved.with_events([HandoverWaiting(1)])  # a transfer to a team, say
    assert requeued.handover_status == "waiting" and not requeued.paused
    closed = moved.with_events([HandoverClosed("agent", "resolved")])
    assert not closed.in_handover and not closed.paused and closed.handover_agent is None
    assert closed.handover_status is None
    assert closed.get_slot("amount") == 500.0  # the conversation itself goes on


def test_a_rating_is_awaited_from_the_question_to_the_next_message(domain: Domain) -> None:
    tracker = Tracker.from_events("a", [HandoverRequested("player_asked")], domain)
    asked = tracker.with_events([HandoverAssigned("ali"), HandoverClosed("agent"), CsatAsked()])
    assert asked.state.awaiting_csat
    assert not asked.with_events([CsatRated(4)]).state.awaiting_csat
    assert not asked.with_events([UserUttered("başka bir sorum var")]).state.awaiting_csat


def test_an_assignment_without_a_request_changes_nothing(domain: Domain) -> None:
    tracker = Tracker.from_events("a", [HandoverAssigned("agent-7")], domain)
    assert not tracker.in_handover and tracker.handover_agent is None


def test_from_dict_round_trips(domain: Domain) -> None:
    events = [*deposit_conversation(), HandoverRequested("complaint", priority=2)]
    tracker = Tracker.from_events("oyuncu-42", events, domain)
    data = json.loads(json.dumps(tracker.as_dict()))
    assert Tracker.from_dict(data, domain) == tracker
    without_domain = Tracker.from_dict(data)
    assert without_domain.events == tracker.events
    assert without_domain.slots == {**tracker.slots, "verified": None}  # no initial values
    assert without_domain.as_dict()["latest_message"] == data["latest_message"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a tracker must be a mapping, found a list"),
        ({"events": []}, "a tracker needs 'sender_id' (text), found nothing"),
        ({"sender_id": "a", "events": {}}, "tracker 'events' must be a list, found a mapping"),
        (
            {"sender_id": "a", "events": [{"event": "pause"}, {"event": "nope"}]},
            "tracker 'a', events[1]: unknown event 'nope'",
        ),
    ],
)
def test_from_dict_errors(data: Any, message: str) -> None:
    with pytest.raises(DataError) as info:
        Tracker.from_dict(data)
    assert message in str(info.value)


def test_applied_events_fold_a_forms_happy_path() -> None:
    events: list[Event] = [
        listen(1.0),
        user("para yatırdım gelmedi", "deposit_missing", 2.0),
        ActionExecuted("deposit_form", timestamp=3.0),
        ActiveLoop("deposit_form", timestamp=4.0),
        listen(5.0),
        user("500", "inform", 6.0),
        ActionExecuted("deposit_form", timestamp=7.0),
        SlotSet("amount", 500.0, timestamp=8.0),
    ]
    assert applied_events(events) == [*events[:4], events[7]]


def test_applied_events_keep_an_unhappy_path() -> None:
    events: list[Event] = [
        ActionExecuted("deposit_form", timestamp=1.0),
        ActiveLoop("deposit_form", timestamp=2.0),
        listen(3.0),
        user("bonus nedir", "bonus_info", 4.0),
        ActionExecutionRejected("deposit_form", timestamp=5.0),
        ActionExecuted("utter_bonus_info", timestamp=6.0),
        ActionExecuted("deposit_form", timestamp=7.0),
    ]
    assert applied_events(events) == events


def test_applied_events_start_after_restart_and_session_start() -> None:
    events: list[Event] = [listen(1.0), Restarted(timestamp=2.0), listen(3.0)]
    assert applied_events(events) == [listen(3.0)]
    assert applied_events([listen(1.0), SessionStarted(timestamp=2.0)]) == []


def test_rasa_sdk_reads_our_tracker(domain: Domain) -> None:
    import rasa_sdk as sdk

    events = [
        listen(0.5),
        user("selam", "greet", 0.6),
        Restarted(timestamp=0.7),
        *deposit_conversation(),
        user("papara ile", "inform", 12.0, {"entity": "payment_method", "value": "papara"}),
        ActionExecuted("deposit_form", timestamp=13.0),
        SlotSet("payment_method", "papara", timestamp=14.0),
    ]
    ours = Tracker.from_events("oyuncu-42", events, domain)
    theirs = sdk.Tracker.from_dict(json.loads(json.dumps(ours.as_dict())))
    assert theirs.sender_id == "oyuncu-42"
    assert theirs.get_slot("amount") == 500.0
    assert theirs.get_slot("payment_method") == "papara"
    assert theirs.get_slot("verified") is False
    assert theirs.latest_message["intent"]["name"] == "inform"
    assert theirs.latest_message["text"] == "papara ile"
    assert theirs.get_intent_of_latest_message() == "inform"
    assert list(theirs.get_latest_entity_values("payment_method")) == ["papara"]
    assert list(theirs.get_latest_entity_values("amount")) == []
    assert theirs.active_loop_name == "deposit_form"
    assert theirs.active_loop["name"] == "deposit_form"
    assert theirs.latest_action_name == "deposit_form"
    assert theirs.get_latest_input_channel() == "webchat"
    assert theirs.is_paused() is False
    assert theirs.followup_action is None
    assert theirs.slots_to_validate() == {"payment_method": "papara"}
    assert theirs.last_executed_action_has("deposit_form")
    after = theirs.events_after_latest_restart()
    assert [e["event"] for e in after] == [e.type_name for e in events[3:]]


def run_remote(action: Any, tracker: Tracker, domain: Domain) -> dict[str, Any]:
    """Run a rasa_sdk action on our tracker the way the action server does."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_action(action)
    call = {
        "next_action": action.name(),
        "sender_id": tracker.sender_id,
        "tracker": tracker.as_dict(),
        "domain": domain.as_dict(),
        "version": "3.6.21",
    }
    result = asyncio.run(executor.run(json.loads(json.dumps(call))))
    assert result is not None
    reply: dict[str, Any] = json.loads(result.model_dump_json(by_alias=True))
    return reply


def deposit_form_validator() -> Any:
    from rasa_sdk import FormValidationAction

    class ValidateDepositForm(FormValidationAction):
        def name(self) -> str:
            return "validate_deposit_form"

        def validate_amount(
            self, value: Any, dispatcher: Any, tracker: Any, domain: Any
        ) -> dict[str, Any]:
            if float(value) < 10:
                dispatcher.utter_message(text="En az 10 TL yatırabilirsiniz.")
                return {"amount": None}
            return {"amount": value}

    return ValidateDepositForm()


@pytest.mark.parametrize(("said", "kept"), [(5, None), (750, 750.0)])
def test_a_rasa_sdk_form_validation_runs_on_our_tracker(
    domain: Domain, said: int, kept: float | None
) -> None:
    entity = {"entity": "amount", "value": said}
    tracker = Tracker.from_events("oyuncu-42", deposit_conversation(), domain).with_events(
        [
            user(f"{said} TL", "inform", 11.0, entity),
            ActionExecuted("deposit_form", timestamp=12.0),
            SlotSet("amount", said, timestamp=13.0),  # the candidate to validate
        ]
    )
    reply = run_remote(deposit_form_validator(), tracker, domain)
    events, problems = parse_events(reply["events"], now=14.0)
    assert problems == []
    assert events == [SlotSet("amount", kept)]
    assert tracker.with_events(events).get_slot("amount") == kept
    texts = [r.get("text") for r in reply["responses"]]
    assert texts == (["En az 10 TL yatırabilirsiniz."] if kept is None else [])


def test_events_from_a_rasa_sdk_action_are_applied_or_dropped(domain: Domain) -> None:
    from rasa_sdk import Action
    from rasa_sdk.events import ActiveLoop as SdkActiveLoop
    from rasa_sdk.events import ConversationPaused as SdkPaused
    from rasa_sdk.events import SlotSet as SdkSlotSet

    class ActionVerify(Action):
        def name(self) -> str:
            return "action_verify"

        async def run(self, dispatcher: Any, tracker: Any, domain: Any) -> list[Any]:
            return [
                SdkSlotSet("verified", "true"),
                SdkSlotSet("amount", "çok"),
                {"event": "slot", "name": 3},
                SdkActiveLoop(None),
                SdkPaused(),
            ]

    tracker = Tracker.from_events("oyuncu-42", deposit_conversation(), domain)
    events, problems = parse_events(run_remote(ActionVerify(), tracker, domain)["events"])
    assert problems == ["events[2]: event 'slot': 'name' must be a string, found the number 3"]
    ready, slot_problems = tracker.prepare_events(events)
    assert slot_problems == []
    after = tracker.with_events(ready)
    assert after.get_slot("verified") is True
    assert after.get_slot("amount") == "çok"  # kept as the action set it, as Rasa does
    assert after.active_loop_name is None
    assert after.paused
