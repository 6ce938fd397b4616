from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.dialogue.event_reader import EVENT_TYPES, event_from_dict, parse_events
from bot.dialogue.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AgentUttered,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    ReminderCancelled,
    ReminderScheduled,
    Restarted,
    SessionEnded,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from bot.dialogue.handover_events import (
    CsatAsked,
    CsatCommentAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
    FollowUpAsked,
    HandoverAssigned,
    HandoverClosed,
    HandoverRequested,
    HandoverWaiting,
    LiveAgentUttered,
)
from bot.errors import DataError

AMOUNT = {"entity": "amount", "start": 0, "end": 6, "value": 500, "extractor": "Regex"}
PARSE = {
    "text": "500 TL yatırdım gelmedi",
    "intent": {"name": "deposit_missing", "confidence": 0.93},
    "entities": [AMOUNT],
    "intent_ranking": [
        {"name": "deposit_missing", "confidence": 0.93},
        {"name": "deposit_methods", "confidence": 0.04},
    ],
}

SAMPLES: list[Event] = [
    UserUttered("500 TL yatırdım gelmedi", PARSE, input_channel="rest", message_id="m1"),
    UserUttered("sifremi unuttum", metadata={"lang": "tr"}),
    BotUttered("Hangi yöntemle yatırdınız?", {"buttons": [{"title": "Papara", "payload": "/x"}]}),
    BotUttered("Merhaba!", metadata={"utter_action": "utter_greet"}),
    ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0),
    ActionExecuted(action_text="Merhaba, nasıl yardımcı olabilirim?", hide_rule_turn=True),
    SlotSet("amount", 500.0),
    SlotSet("documents", ["kimlik", "fatura"]),
    SlotSet("amount", None),
    EntitiesAdded(({"entity": "payment_method", "value": "papara"},)),
    DefinePrevUserUtteredFeaturization(True),
    ActiveLoop("deposit_form"),
    ActiveLoop(None),
    LoopInterrupted(True),
    ActionExecutionRejected("deposit_form", policy="RulePolicy", confidence=0.8),
    FollowupAction("action_handoff"),
    AllSlotsReset(),
    Restarted(),
    UserUtteranceReverted(),
    ActionReverted(),
    ConversationPaused(),
    ConversationResumed(),
    SessionStarted(metadata={"channel": "telegram"}),
    SessionEnded(),
    ReminderScheduled("remind_kyc", "2026-11-23T10:00:00+03:00", [AMOUNT], "kyc1", False),
    ReminderCancelled(name="kyc1"),
    AgentUttered("legacy", {"x": 1}),
    StoryExported("stories.yml"),
    StoryExported(),
    HandoverRequested("complaint", skill="finance", priority=2, summary="Yatırım 2 gündür yok"),
    HandoverWaiting(3, wait_seconds=120.0, agents_online=2),
    HandoverWaiting(1),
    HandoverAssigned("agent-7"),
    LiveAgentUttered("agent-7", "Merhaba, ben Ayşe. Hemen bakıyorum."),
    HandoverClosed("agent", resolution="resolved"),
    CsatAsked(),
    CsatRated(5, comment="çok hızlıydı"),
    CsatRated(1),
    CsatCommentAsked(),
    CsatCommented("temsilci çok ilgiliydi"),
    FollowUpAsked("follow_up"),
    FollowUpAnswered(solved=False),
]


def test_samples_cover_every_event_type() -> None:
    assert {e.type_name for e in SAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: e.type_name)
def test_every_event_round_trips_through_json(event: Event) -> None:
    data = json.loads(json.dumps(event.as_dict()))
    back = event_from_dict(data)
    assert back == event
    assert back.timestamp == event.timestamp
    assert back.as_dict() == event.as_dict()
    assert data["event"] == event.type_name


def test_user_event_has_rasas_shape() -> None:
    event = UserUttered("500 TL", PARSE, input_channel="rest", message_id="m1", timestamp=10.0)
    assert event.as_dict() == {
        "event": "user",
        "timestamp": 10.0,
        "text": "500 TL",
        "parse_data": {
            "text": "500 TL yatırdım gelmedi",
            "intent": {"name": "deposit_missing", "confidence": 0.93},
            "entities": [AMOUNT],
            "intent_ranking": PARSE["intent_ranking"],
            "message_id": "m1",
            "metadata": {},
        },
        "input_channel": "rest",
        "message_id": "m1",
        "metadata": {},
    }
    assert event.intent_name == "deposit_missing"
    assert event.entities == [AMOUNT]


def test_bare_user_event_gets_rasas_default_parse_data() -> None:
    event = event_from_dict({"event": "user", "timestamp": 1, "text": "selam", "parse_data": None})
    assert isinstance(event, UserUttered)
    assert event.parse_data == {
        "text": "selam",
        "intent": {},
        "entities": [],
        "message_id": None,
        "metadata": {},
    }
    assert event.intent_name is None
    assert event.timestamp == 1.0 and isinstance(event.timestamp, float)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            BotUttered("Selam", {"buttons": []}, timestamp=1.0),
            {"text": "Selam", "data": {"buttons": []}, "metadata": {}},
        ),
        (
            ActionExecuted("utter_greet", "RulePolicy", 1.0, timestamp=1.0),
            {
                "name": "utter_greet",
                "policy": "RulePolicy",
                "confidence": 1.0,
                "action_text": None,
                "hide_rule_turn": False,
            },
        ),
        (SlotSet("amount", 1500.0, timestamp=1.0), {"name": "amount", "value": 1500.0}),
        (ActiveLoop(None, timestamp=1.0), {"name": None}),
        (FollowupAction("action_handoff", timestamp=1.0), {"name": "action_handoff"}),
        (LoopInterrupted(True, timestamp=1.0), {"is_interrupted": True}),
        (Restarted(timestamp=1.0), {}),
        (SessionStarted(timestamp=1.0, metadata={"a": 1}), {"metadata": {"a": 1}}),
        (StoryExported(timestamp=1.0), {}),
        (
            ActionExecutionRejected("deposit_form", timestamp=1.0),
            {"name": "deposit_form", "policy": None, "confidence": None},
        ),
        (
            ReminderScheduled("remind", "2026-11-23T10:00:00", timestamp=1.0),
            {
                "intent": "remind",
                "date_time": "2026-11-23T10:00:00",
                "entities": None,
                "name": None,
                "kill_on_user_msg": True,
            },
        ),
        (
            HandoverRequested("player_asked", timestamp=1.0),
            {"reason": "player_asked", "skill": "general", "priority": 0, "summary": ""},
        ),
        (CsatRated(4, timestamp=1.0), {"score": 4, "comment": None}),
    ],
    ids=lambda v: getattr(v, "type_name", ""),
)
def test_event_shapes(event: Event, expected: dict[str, Any]) -> None:
    assert event.as_dict() == {"event": event.type_name, "timestamp": 1.0, **expected}


def test_equality_ignores_the_timestamp_like_rasa() -> None:
    assert SlotSet("a", 1, timestamp=1.0) == SlotSet("a", 1, timestamp=2.0)
    assert SlotSet("a", 1) != SlotSet("a", 2)


def test_missing_timestamp_is_now() -> None:
    event = event_from_dict({"event": "pause"}, now=123.5)
    assert event == ConversationPaused() and event.timestamp == 123.5
    assert event_from_dict({"event": "resume", "timestamp": None}, now=7).timestamp == 7.0


def test_legacy_form_events_read_as_loops() -> None:
    loop = event_from_dict({"event": "form", "name": "deposit_form", "timestamp": 1})
    assert loop == ActiveLoop("deposit_form")
    assert loop.as_dict()["event"] == "active_loop"
    checked = event_from_dict({"event": "form_validation", "validate": False, "timestamp": 1})
    assert checked == LoopInterrupted(True)
    assert event_from_dict({"event": "form_validation", "validate": True}) == LoopInterrupted(False)


def test_reminder_time_is_read() -> None:
    event = ReminderScheduled("remind", "2026-11-23T10:00:00+03:00")
    assert event.trigger_date_time == datetime(2026, 11, 23, 7, tzinfo=UTC)
    assert event.trigger_date_time.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["event", "slot"], "an event must be a mapping, found a list"),
        ({"name": "x"}, "an event needs 'event' naming its type, found nothing"),
        ({"event": "flow_started"}, "unknown event 'flow_started' (known: user, bot,"),
        ({"event": "slot", "value": 1}, "event 'slot': 'name' is missing"),
        ({"event": "slot", "name": 3}, "event 'slot': 'name' must be a string, found the number 3"),
        ({"event": "slot", "name": None}, "'name' must be a string, found nothing"),
        ({"event": "pause", "timestamp": "dün"}, "'timestamp' must be a number"),
        ({"event": "pause", "timestamp": True}, "'timestamp' must be a number, found true"),
        ({"event": "pause", "metadata": [1]}, "'metadata' must be a mapping, found a list"),
        ({"event": "action"}, "event 'action': needs a 'name' or an 'action_text'"),
        ({"event": "action", "name": "x", "hide_rule_turn": "yes"}, "must be true or false"),
        ({"event": "action", "name": "x", "confidence": "high"}, "'confidence' must be a number"),
        ({"event": "followup"}, "event 'followup': 'name' is missing"),
        ({"event": "csat", "score": 6}, "event 'csat': 'score' must be 1 to 5, found 6"),
        ({"event": "csat", "score": 4.5}, "'score' must be a whole number, found the number 4.5"),
        ({"event": "csat", "score": True}, "'score' must be a whole number, found true"),
        ({"event": "handover_assigned"}, "event 'handover_assigned': 'agent_id' is missing"),
        ({"event": "reminder", "intent": "x", "date_time": "yarın"}, "'date_time' must be an ISO"),
        ({"event": "entities", "entities": [{"value": 1}]}, "entity 0 needs 'entity'"),
        ({"event": "entities", "entities": "amount"}, "'entities' must be a list"),
        ({"event": "user", "parse_data": "greet"}, "'parse_data' must be a mapping"),
        ({"event": "user", "parse_data": {"intent": "greet"}}, "'parse_data.intent' must be a"),
        ({"event": "user", "parse_data": {"intent": {"name": 1}}}, "intent name must be a string"),
        ({"event": "user", "parse_data": {"entities": [{"entity": "amount"}]}}, "entity 0 needs"),
        ({"event": "user", "parse_data": {"entities": [3]}}, "entity 0 must be a mapping"),
        ({"event": "user", "parse_data": {"intent_ranking": {}}}, "intent_ranking' must be a list"),
    ],
)
def test_malformed_events_say_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(DataError) as info:
        event_from_dict(data)
    assert message in str(info.value)


def test_constructing_an_impossible_event_fails() -> None:
    with pytest.raises(DataError, match="'score' must be 1 to 5, found 0"):
        CsatRated(0)
    with pytest.raises(DataError, match="needs a 'name' or an 'action_text'"):
        ActionExecuted()


def test_unknown_keys_are_ignored_like_rasa() -> None:
    event = event_from_dict({"event": "slot", "name": "a", "value": 1, "extra": True})
    assert event == SlotSet("a", 1)


def test_parse_events_keeps_the_good_and_describes_the_bad() -> None:
    events, problems = parse_events(
        [
            {"event": "slot", "name": "amount", "value": 500},
            {"name": "no type"},
            "text",
            {"event": "followup", "name": "action_handoff"},
            {"event": "flow_started", "flow_id": "x"},
        ],
        now=5.0,
    )
    assert events == [SlotSet("amount", 500), FollowupAction("action_handoff")]
    assert all(e.timestamp == 5.0 for e in events)
    assert problems == [
        "events[1]: an event needs 'event' naming its type, found nothing",
        "events[2]: an event must be a mapping, found the text 'text'",
        "events[4]: " + str(_error({"event": "flow_started"})),
    ]


def test_parse_events_needs_a_list() -> None:
    assert parse_events({"event": "pause"}) == ([], ["events must be a list, found a mapping"])


def _error(data: Any) -> DataError:
    try:
        event_from_dict(data)
    except DataError as exc:
        return exc
    raise AssertionError("no error")


def test_rasa_sdk_event_helpers_are_read() -> None:
    import rasa_sdk.events as sdk

    when = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    produced = [
        sdk.SlotSet("amount", 500),
        sdk.FollowupAction("action_handoff"),
        sdk.ActiveLoop("deposit_form"),
        sdk.ActiveLoop(None),
        sdk.Restarted(),
        sdk.AllSlotsReset(),
        sdk.ConversationPaused(),
        sdk.ConversationResumed(),
        sdk.ActionExecutionRejected("deposit_form"),
        sdk.UserUtteranceReverted(),
        sdk.ActionReverted(),
        sdk.BotUttered("Merhaba", {"buttons": []}),
        sdk.BotUttered(),
        sdk.SessionStarted(),
        sdk.ReminderScheduled("remind_kyc", when, name="kyc", kill_on_user_message=False),
        sdk.ReminderCancelled(name="kyc"),
        sdk.UserUttered("selam"),
        sdk.ActionExecuted("action_listen"),
        sdk.LoopInterrupted(True),
        sdk.AgentUttered("merhaba"),
        sdk.StoryExported(),
    ]
    events, problems = parse_events(json.loads(json.dumps(produced)), now=1.0)
    assert problems == []
    assert events == [
        SlotSet("amount", 500),
        FollowupAction("action_handoff"),
        ActiveLoop("deposit_form"),
        ActiveLoop(None),
        Restarted(),
        AllSlotsReset(),
        ConversationPaused(),
        ConversationResumed(),
        ActionExecutionRejected("deposit_form"),
        UserUtteranceReverted(),
        ActionReverted(),
        BotUttered("Merhaba", {"buttons": []}),
        BotUttered(),
        SessionStarted(),
        ReminderScheduled("remind_kyc", when.isoformat(), name="kyc", kill_on_user_msg=False),
        ReminderCancelled(name="kyc"),
        UserUttered("selam"),
        ActionExecuted("action_listen"),
        LoopInterrupted(True),
        AgentUttered("merhaba"),
        StoryExported(),
    ]
    assert event_from_dict(sdk.SessionEnded(metadata={"why": "done"})) == SessionEnded(
        metadata={"why": "done"}
    )
    with pytest.deprecated_call():
        assert event_from_dict(sdk.Form("deposit_form")) == ActiveLoop("deposit_form")
    with pytest.deprecated_call():
        assert event_from_dict(sdk.FormValidation(False)) == LoopInterrupted(True)
