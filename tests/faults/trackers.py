"""Every tracker the rig stored, read straight from PostgreSQL, held against the ledger.

The promises, per conversation:
- lost: an acknowledged message (a 200) that is not in its tracker;
- duplicated: a message stored more than once, or any event stored twice;
- out of order: the player's messages not in the order they were sent;
- silent: a player message followed by no bot message and no handover before the next
  one (or the end);
- stored but refused: a message stored by an attempt the server answered with an HTTP
  error (found by the stored event's timestamp, which falls within the attempt that
  stored it). A reset connection is no answer: a worker killed after storing is the
  retry's business, and the retry must not store it again.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from tests.faults.players import Attempt, Ledger, Sent

__all__ = ["Verdict", "judge", "read_trackers"]

ANSWERS = frozenset({"bot", "handover_requested", "agent_uttered"})


@dataclass
class Verdict:
    sent: int = 0
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    silent: list[str] = field(default_factory=list)
    stored_but_refused: list[str] = field(default_factory=list)
    unacknowledged: list[str] = field(default_factory=list)
    retried: int = 0

    @property
    def failures(self) -> list[str]:
        return [
            *(f"lost: {x}" for x in self.lost),
            *(f"duplicated: {x}" for x in self.duplicated),
            *(f"out of order: {x}" for x in self.out_of_order),
            *(f"silent: {x}" for x in self.silent),
            *(f"stored but refused: {x}" for x in self.stored_but_refused),
            *(f"never acknowledged: {x}" for x in self.unacknowledged),
        ]


def read_trackers(postgres_url: str, schema: str) -> dict[str, list[dict[str, Any]]]:
    """Every conversation's events, in order, as stored (whatever id the server gave it)."""
    query = sql.SQL("SELECT sender_id, data FROM {}.events ORDER BY sender_id, seq").format(
        sql.Identifier(schema)
    )
    trackers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with psycopg.connect(postgres_url) as connection:
        for sender_id, data in connection.execute(query):
            trackers[sender_id].append(json.loads(data))
    return dict(trackers)


def judge(ledger: Ledger, trackers: dict[str, list[dict[str, Any]]]) -> Verdict:
    verdict = Verdict(sent=len(ledger.sent))
    verdict.acknowledged = sum(1 for s in ledger.sent if s.acknowledged)
    verdict.retried = sum(1 for s in ledger.sent if len(s.attempts) > 1)
    by_sender: dict[str, list[Sent]] = defaultdict(list)
    for sent in ledger.sent:
        by_sender[sent.sender].append(sent)
    stored = _by_message_id(trackers)
    for sender, messages in by_sender.items():
        found = [stored.get(m.message_id) for m in messages]
        conversation = next((f for f in found if f is not None), None)
        events = trackers.get(conversation, []) if conversation else []
        _judge_conversation(verdict, sender, messages, events)
    return verdict


def _by_message_id(trackers: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """message_id -> the stored conversation it is in."""
    return {
        event["message_id"]: conversation
        for conversation, events in trackers.items()
        for event in events
        if event.get("event") == "user" and event.get("message_id")
    }


def _judge_conversation(
    verdict: Verdict, sender: str, messages: list[Sent], events: list[dict[str, Any]]
) -> None:
    user_events = [e for e in events if e.get("event") == "user"]
    users = [e.get("message_id") for e in user_events]
    stamps = {e.get("message_id"): float(e.get("timestamp") or 0) for e in user_events}
    counts = Counter(users)
    for sent in messages:
        where = f"{sender} {sent.text!r} {sent.outcomes}"
        times = counts.get(sent.message_id, 0)
        if not sent.acknowledged:
            verdict.unacknowledged.append(where)
        elif times == 0:
            verdict.lost.append(where)
        if times > 1:
            verdict.duplicated.append(f"{where} stored {times} times")
        storing = _storing_attempt(sent, stamps.get(sent.message_id))
        if storing is not None and storing.outcome.isdigit() and storing.outcome != "200":
            verdict.stored_but_refused.append(f"{where} stored by the {storing.outcome}")
    order = {m.message_id: i for i, m in enumerate(messages)}
    ours = [order[u] for u in dict.fromkeys(users) if u in order]
    if ours != sorted(ours):
        verdict.out_of_order.append(f"{sender}: stored in the order {ours}")
    twice = _stored_twice(events)
    if twice:
        verdict.duplicated.append(f"{sender}: stored twice: {twice}")
    _judge_answers(verdict, sender, events)


def _stored_twice(events: list[dict[str, Any]]) -> str | None:
    """An event stored again by a repeated append, if any.

    One turn may rightly hold two equal events (a slot reset twice in the same instant),
    so equal events count only across turns (their timestamps differ), or, within a
    turn, as a repeated run of two or more events: what appending a batch twice leaves.
    """
    seen: dict[str, int] = {}
    turn = 0
    for event in events:
        turn += event.get("event") == "user"
        key = json.dumps(event, sort_keys=True)
        if seen.setdefault(key, turn) != turn:
            return key
    keys = [json.dumps(event, sort_keys=True) for event in events]
    for size in range(2, len(keys) // 2 + 1):
        for start in range(len(keys) - 2 * size + 1):
            if keys[start : start + size] == keys[start + size : start + 2 * size]:
                return " | ".join(keys[start : start + size])
    return None


def _storing_attempt(sent: Sent, stamp: float | None) -> Attempt | None:
    """The attempt during which the message was stored (its event's timestamp)."""
    if stamp is None:
        return None
    slack = 0.05  # the server's clock read and the client's are microseconds apart
    for attempt in sent.attempts:
        if attempt.began - slack <= stamp <= attempt.ended + slack:
            return attempt
    return None


def _judge_answers(verdict: Verdict, sender: str, events: list[dict[str, Any]]) -> None:
    """Each player message is followed by a bot message or a handover before the next."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "user"]
    for begin, end in zip(starts, [*starts[1:], len(events)], strict=True):
        if not any(e.get("event") in ANSWERS for e in events[begin + 1 : end]):
            verdict.silent.append(f"{sender}: {events[begin].get('text')!r} got no answer")
