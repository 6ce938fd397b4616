"""The fault suite's judge finds each broken promise in a made-up ledger and trackers."""

from __future__ import annotations

from typing import Any

from tests.faults.players import Attempt, Ledger, Sent
from tests.faults.trackers import judge


def _sent(sender: str, number: int, *outcomes: str) -> Sent:
    """Message ``number`` of ``sender``, its attempts a second apart from t=100*number."""
    start = 100.0 * number
    attempts = [Attempt(o, start + i, start + i + 0.5) for i, o in enumerate(outcomes)]
    return Sent(sender, f"{sender}-m{number}", f"mesaj {number}", start, attempts, ["Tamam."])


def _user(sent: Sent, at: float | None = None) -> dict[str, Any]:
    stamp = sent.attempts[-1].began + 0.1 if at is None else at
    return {"event": "user", "text": sent.text, "message_id": sent.message_id, "timestamp": stamp}


def _bot(at: float) -> dict[str, Any]:
    return {"event": "bot", "text": "Tamam.", "timestamp": at}


def test_a_whole_conversation_passes() -> None:
    one, two = _sent("p", 1, "200"), _sent("p", 2, "ConnectError", "200")
    events = [_user(one), _bot(101), _user(two), _bot(202)]
    verdict = judge(Ledger([one, two]), {"p": events})
    assert verdict.failures == []
    assert (verdict.sent, verdict.acknowledged, verdict.retried) == (2, 2, 1)


def test_each_broken_promise_is_named() -> None:
    lost, twice = _sent("a", 1, "200"), _sent("a", 2, "200")
    first, second = _sent("b", 1, "200"), _sent("b", 2, "200")
    unanswered = _sent("c", 1, "200")
    refused = _sent("d", 1, "503", "200")  # stored by the attempt answered 503
    trackers = {
        "a": [_user(twice), _bot(201), _user(twice), _bot(202)],
        "b": [_user(second), _bot(201), _user(first, at=202), _bot(203)],
        "c": [_user(unanswered), {"event": "action", "name": "action_listen", "timestamp": 101}],
        "d": [_user(refused, at=100.2), _bot(102)],
    }
    verdict = judge(Ledger([lost, twice, first, second, unanswered, refused]), trackers)
    # "a" has message 2 twice: as a message, and as an event stored twice
    assert [f.split(":")[0] for f in verdict.failures] == [
        "lost",
        "duplicated",
        "duplicated",
        "out of order",
        "silent",
        "stored but refused",
    ]


def test_a_batch_appended_twice_is_a_duplicate_but_equal_events_of_one_turn_are_not() -> None:
    sent = _sent("p", 1, "200")
    reset = {"event": "slot", "name": "requested_slot", "value": None, "timestamp": 100.1}
    one_turn = [_user(sent), reset, _bot(100.1), reset, {**_bot(100.1), "text": "Başka?"}]
    assert judge(Ledger([sent]), {"p": one_turn}).failures == []
    agent = {"event": "agent_uttered", "text": "Merhaba", "timestamp": 150.0}
    listen = {"event": "action", "name": "action_listen", "timestamp": 150.0}
    twice = [_user(sent), _bot(100.2), agent, listen, agent, listen]
    assert judge(Ledger([sent]), {"p": twice}).duplicated
