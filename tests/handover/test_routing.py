"""Routing as a pure function: priority then wait, skills, languages, teams, capacity,
deterministic ties; 200 mixed conversations on 10 agents; 10,000 waiting."""

from __future__ import annotations

import random
import time

from bot.handover.routing import Assignment, Candidate, queue_order, route
from bot.store.queue_base import QueueEntry

SKILLS = ("finance", "kyc", "technical", "general")


def waiting(
    sender_id: str,
    skill: str = "general",
    priority: int = 1,
    at: float = 0.0,
    language: str = "tr",
    team: str | None = None,
) -> QueueEntry:
    return QueueEntry(
        sender_id,
        "player_asked",
        skill=skill,
        language=language,
        priority=priority,
        requested_at=at,
        team=team,
    )


def agent(
    agent_id: str,
    skills: tuple[str, ...] = SKILLS,
    capacity: int = 3,
    load: int = 0,
    languages: tuple[str, ...] = ("tr",),
    idle_since: float = 0.0,
    teams: tuple[str, ...] = (),
) -> Candidate:
    return Candidate(
        agent_id,
        frozenset(skills),
        frozenset(languages),
        frozenset(teams),
        capacity,
        load,
        idle_since,
    )


def test_highest_priority_first_then_longest_wait() -> None:
    queue = [waiting("new", at=30), waiting("old", at=10), waiting("rg", priority=3, at=50)]
    assert [a.sender_id for a in route(queue, [agent("ali", capacity=2)])] == ["rg", "old"]


def test_skill_and_language_must_match_and_general_goes_to_anyone() -> None:
    queue = [
        waiting("kyc", "kyc", at=1),
        waiting("en", "finance", at=2, language="en"),
        waiting("genel", at=3),
    ]
    agents = [agent("finans", ("finance",), languages=("tr", "en"))]
    assert route(queue, agents) == [Assignment("en", "finans"), Assignment("genel", "finans")]


def test_a_conversation_nobody_serves_does_not_hold_up_the_rest() -> None:
    queue = [waiting("kyc", "kyc", priority=3), waiting("para", "finance", priority=1)]
    assert route(queue, [agent("ali", ("finance",))]) == [Assignment("para", "ali")]


def test_a_team_transfer_waits_for_that_team() -> None:
    queue = [waiting("p1", team="vip")]
    assert route(queue, [agent("ali")]) == []
    assert route(queue, [agent("ali"), agent("veli", teams=("vip",))]) == [Assignment("p1", "veli")]


def test_ties_go_to_the_least_loaded_then_the_longest_idle_then_by_id() -> None:
    agents = [
        agent("busy", load=2),
        agent("recent", load=0, idle_since=500.0),
        agent("idle", load=0, idle_since=100.0),
        agent("also_idle", load=0, idle_since=100.0),
    ]
    queue = [waiting(f"p{i}", at=i) for i in range(4)]
    assert [a.agent_id for a in route(queue, agents)] == [
        "also_idle",
        "idle",
        "recent",
        "also_idle",
    ]
    assert route(queue, agents) == route(list(reversed(queue)), list(reversed(agents)))


def test_capacity_is_never_exceeded() -> None:
    agents = [agent("ali", capacity=2, load=1), agent("veli", capacity=1, load=1)]
    made = route([waiting(f"p{i}", at=i) for i in range(5)], agents)
    assert made == [Assignment("p0", "ali")]


def _check(queue: list[QueueEntry], agents: list[Candidate], made: list[Assignment]) -> None:
    """Capacity holds, the order is the queue's, and nothing left waiting could have
    been served by an agent with a free slot."""
    by_id = {a.agent_id: a for a in agents}
    entries = {e.sender_id: e for e in queue}
    load = {a.agent_id: a.load for a in agents}
    for assignment in made:
        load[assignment.agent_id] += 1
        assert load[assignment.agent_id] <= by_id[assignment.agent_id].capacity
        assert by_id[assignment.agent_id].serves(entries[assignment.sender_id])
    ranks = {e.sender_id: rank for rank, e in enumerate(queue_order(queue))}
    assert [ranks[a.sender_id] for a in made] == sorted(ranks[a.sender_id] for a in made)
    given = {a.sender_id for a in made}
    for entry in queue:
        if entry.sender_id not in given:
            assert not any(a.serves(entry) and load[a.agent_id] < a.capacity for a in agents), (
                f"{entry.sender_id} was left waiting beside a free agent"
            )
    # every assignment went to a conversation no better-ranked waiting one could have taken
    for assignment in made:
        better = [
            e
            for e in queue
            if ranks[e.sender_id] < ranks[assignment.sender_id]
            and e.sender_id not in given
            and by_id[assignment.agent_id].serves(e)
        ]
        assert not better, f"{better[0].sender_id} should have gone first"


def _floor(
    rng: random.Random, agents: int, conversations: int
) -> tuple[list[QueueEntry], list[Candidate]]:
    team = [
        agent(
            f"a{i:02}",
            tuple(rng.sample(SKILLS[:3], rng.randint(1, 3))),
            capacity=rng.randint(1, 6),
            load=rng.randint(0, 2),
            languages=("tr", "en") if i % 4 == 0 else ("tr",),
            idle_since=rng.uniform(0, 100),
        )
        for i in range(agents)
    ]
    team = [a if a.load <= a.capacity else agent(a.agent_id, capacity=a.load) for a in team]
    queue = [
        waiting(
            f"p{i:05}",
            rng.choice(SKILLS),
            priority=rng.choice((0, 1, 1, 1, 2, 3)),
            at=rng.uniform(0, 1000),
            language="en" if rng.random() < 0.1 else "tr",
        )
        for i in range(conversations)
    ]
    return queue, team


def test_two_hundred_mixed_conversations_on_ten_agents() -> None:
    for seed in range(20):
        queue, agents = _floor(random.Random(seed), 10, 200)
        made = route(queue, agents)
        assert made, "some conversation should be served"
        _check(queue, agents, made)


def test_ten_thousand_waiting_are_routed_fast_and_right() -> None:
    queue, agents = _floor(random.Random(7), 10, 10_000)
    started = time.perf_counter()
    made = route(queue, agents)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"routing 10,000 waiting conversations took {elapsed:.2f} s"
    load = {a.agent_id: a.load for a in agents}
    for assignment in made:
        load[assignment.agent_id] += 1
    assert all(load[a.agent_id] <= a.capacity for a in agents)
    assert sum(a.capacity - a.load for a in agents) == len(made)  # every free slot filled
