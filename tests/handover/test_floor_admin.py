"""The supervisor's floor figures and the admin's rules, on the real queue in memory:
queues by skill, team and language with their SLA counts, agents' loads, the last admin
who must remain, and a supervisor moving a chat."""

from __future__ import annotations

import asyncio

import pytest

from bot.dialogue.domain import Domain
from bot.errors import HandoverError
from bot.handover.admin import AgentAdmin, AgentProfile
from bot.handover.floor_report import floor_report
from bot.handover.passwords import verify_password
from bot.handover.supervision import reassign
from bot.store.memory_queue import InMemoryQueueStore
from bot.store.queue_base import Agent
from tests.handover.conftest import Floor, make_floor

pytestmark = pytest.mark.anyio


def _profile(role: str = "agent", **kwargs: object) -> AgentProfile:
    fields: dict[str, object] = {
        "name": "Zeynep Ak",
        "role": role,
        "skills": ["finance"],
        "languages": ["tr"],
        "teams": [],
        "max_chats": 3,
    }
    fields.update(kwargs)
    return AgentProfile(**fields)  # type: ignore[arg-type]


async def _report(floor: Floor):  # type: ignore[no-untyped-def]
    return floor_report(
        waiting=await floor.store.entries("waiting"),
        assigned=await floor.store.entries("assigned"),
        agents=await floor.store.agents(),
        sla=floor.queue.config.sla,
        handle_times=[],
        default_handle_time=300.0,
        now=floor.clock(),
    )


async def test_the_floor_counts_queues_waits_sla_and_loads(floor: Floor) -> None:
    await floor.ask_for_a_human("p1", skill="finance", priority=0)  # target 180 s
    floor.clock.advance(100)
    await floor.ask_for_a_human("p2", skill="finance", priority=2)  # target 30 s
    await floor.ask_for_a_human("p3", skill="kyc", language="en", priority=0)
    floor.clock.advance(40)
    await floor.agent("ali", skills=("kyc",), languages=("tr",), max_chats=2, status="away")
    report = await _report(floor)

    finance, kyc = report.queues  # longest wait first
    assert (finance.kind, finance.name, finance.language) == ("skill", "finance", "tr")
    assert (finance.waiting, finance.longest_wait, finance.past_sla) == (2, 140.0, 1)
    assert finance.oldest_sender_id == "p1" and finance.expected_wait is None  # nobody online
    assert (kyc.name, kyc.language, kyc.waiting, kyc.past_sla) == ("kyc", "en", 1, 0)
    assert [late.entry.sender_id for late in report.late] == ["p2"]
    assert report.late[0].target == 30.0
    totals = report.totals
    assert (totals.waiting, totals.online_agents, totals.away_agents) == (3, 0, 1)
    assert (totals.free_capacity, totals.past_sla) == (0, 1)

    await floor.agent("veli", skills=("finance",), max_chats=3)  # online: takes both finance
    report = await _report(floor)
    veli = next(load for load in report.agents if load.agent.id == "veli")
    assert (veli.chats, round(veli.load, 2)) == (2, 0.67)
    assert report.agents[0].agent.id == "veli"  # online first
    assert (report.totals.in_chats, report.totals.free_capacity) == (2, 1)
    assert [q.name for q in report.queues] == ["kyc"]


async def test_an_admin_adds_edits_and_disables_agents_but_one_admin_remains(
    floor: Floor,
) -> None:
    admin = AgentAdmin(floor.agents, floor.clock)
    boss = await admin.create("patron", "parola-1234", _profile("admin", name="Patron"))
    assert verify_password(boss.password_hash, "parola-1234")
    zeynep = await admin.create("zeynep", "parola-5678", _profile(teams=["vip"]))
    assert (zeynep.status, zeynep.skills, zeynep.teams) == ("offline", ("finance",), ("vip",))
    with pytest.raises(HandoverError) as taken:
        await admin.create("zeynep", "parola-5678", _profile())
    assert taken.value.code == "login_taken"

    for bad, field in [
        (lambda: admin.create("z", "parola-1234", _profile()), "login"),
        (lambda: admin.create("yeni", "kisa", _profile()), "password"),
    ]:
        with pytest.raises(HandoverError) as refused:
            await bad()
        assert (refused.value.code, refused.value.details["field"]) == ("bad_field", field)
    for kwargs, field in [
        ({"role": "boss"}, "role"),
        ({"max_chats": 0}, "max_chats"),
        ({"skills": ["Finans Ekibi"]}, "skills"),
        ({"name": "  "}, "name"),
    ]:
        with pytest.raises(HandoverError) as refused:
            _profile(**kwargs)
        assert refused.value.details["field"] == field

    edited = await admin.edit(boss, zeynep.id, _profile("supervisor", max_chats=5))
    assert (await floor.store.agent(zeynep.id)) == edited
    assert (edited.role, edited.max_chats, edited.password_hash) == (
        "supervisor", 5, zeynep.password_hash,
    )  # fmt: skip

    for step, code in [
        (admin.edit(boss, boss.id, _profile("agent")), "self_demote"),
        (admin.set_disabled(boss, boss.id, True), "self_disable"),
        (admin.edit(edited, boss.id, _profile("agent")), "last_admin"),
        (admin.set_disabled(edited, boss.id, True), "last_admin"),
        (admin.set_disabled(boss, "yok", True), "unknown_agent"),
    ]:
        with pytest.raises(HandoverError) as refused:
            await step
        assert refused.value.code == code
    second = await admin.create("ikinci", "parola-1234", _profile("admin"))
    assert (await admin.edit(second, boss.id, _profile("agent"))).role == "agent"

    await floor.agents.set_status(zeynep.id, "online")
    disabled = await admin.set_disabled(boss, zeynep.id, True)
    assert (disabled.disabled, disabled.status) == (True, "offline")
    assert not (await admin.set_disabled(boss, zeynep.id, False)).disabled
    await admin.reset_password(zeynep.id, "yepyeni-parola")
    fresh = await floor.store.agent(zeynep.id)
    assert fresh is not None and verify_password(fresh.password_hash, "yepyeni-parola")
    assert (await admin.add_team(" VIP ", "Büyük oyuncular")).name == "vip"


async def test_disabling_an_agent_gives_their_chats_back_to_the_queue(floor: Floor) -> None:
    admin = AgentAdmin(floor.agents, floor.clock)
    boss = await floor.agent("boss", role="admin", status="offline")
    await floor.agent("ali")
    await floor.ask_for_a_human("p1")
    assert (await floor.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]
    await admin.set_disabled(boss, "ali", True)
    entry = await floor.store.entry("p1")
    assert entry is not None and (entry.status, entry.agent_id) == ("waiting", None)


async def test_an_agent_made_a_content_editor_gives_their_chats_back(floor: Floor) -> None:
    admin = AgentAdmin(floor.agents, floor.clock)
    boss = await floor.agent("boss", role="admin", status="offline")
    await floor.agent("ali")
    await floor.ask_for_a_human("p1")
    assert (await floor.store.entry("p1")).agent_id == "ali"  # type: ignore[union-attr]
    edited = await admin.edit(boss, "ali", _profile("editor"))
    assert (edited.role, edited.status) == ("editor", "offline")
    entry = await floor.store.entry("p1")
    assert entry is not None and (entry.status, entry.agent_id) == ("waiting", None)
    stored = await floor.store.agent("ali")
    assert stored is not None and stored.status == "offline"


async def test_a_supervisor_moves_waiting_and_held_chats(floor: Floor) -> None:
    sup = await floor.agent("sup", role="supervisor", status="offline")
    await floor.agent("ali", max_chats=1)
    await floor.agent("veli", status="away")
    await floor.agent("can", languages=("en",))  # never given a Turkish chat by routing
    await floor.ask_for_a_human("p1")  # goes to ali at once
    await floor.ask_for_a_human("p2")  # waits: ali is full, veli away, can speaks English
    for target, code in [
        ({"to_agent": "veli"}, "agent_offline"),
        ({"to_agent": "yok"}, "unknown_agent"),
        ({"team": "vip"}, "bad_transfer"),  # a waiting chat goes to an agent
        ({}, "bad_transfer"),
    ]:
        with pytest.raises(HandoverError) as refused:
            await reassign(floor.agents, "p2", sup.id, **target)  # type: ignore[arg-type]
        assert refused.value.code == code
    with pytest.raises(HandoverError) as refused:
        await reassign(floor.agents, "p1", sup.id, to_agent="ali")
    assert refused.value.code == "same_agent"

    await reassign(floor.agents, "p2", sup.id, to_agent="can", note="İngilizce de konuşuyor")
    entry = await floor.store.entry("p2")
    assert entry is not None and (entry.status, entry.agent_id) == ("assigned", "can")
    [note] = await floor.store.notes("p2")
    assert (note.agent_id, note.text) == ("sup", "İngilizce de konuşuyor")
    assert "handover_assigned" in await floor.events("p2")

    await reassign(floor.agents, "p1", sup.id, to_agent="can")  # held by ali: transferred
    entry = await floor.store.entry("p1")
    assert entry is not None and entry.agent_id == "can"
    with pytest.raises(HandoverError) as refused:
        await reassign(floor.agents, "nobody", sup.id, to_agent="can")
    assert refused.value.code == "not_active"


class _SlowRoster(InMemoryQueueStore):
    """A store whose roster answers a moment after it was read, as a database's would
    under load: two requests may both read it before either writes."""

    async def agents(self) -> list[Agent]:
        roster = await super().agents()
        await asyncio.sleep(0)
        return roster


@pytest.mark.anyio
@pytest.mark.parametrize("step", ["demote", "disable"])
async def test_two_admins_removing_each_other_at_once_leave_one(
    handover_domain: Domain, step: str
) -> None:
    floor = make_floor(_SlowRoster(), handover_domain)
    admin = AgentAdmin(floor.agents, floor.clock)
    ayse = await admin.create("ayse", "parola-1234", _profile("admin", name="Ayşe"))
    veli = await admin.create("veli", "parola-5678", _profile("admin", name="Veli"))

    def remove(actor: Agent, target: Agent):  # type: ignore[no-untyped-def]
        if step == "demote":
            return admin.edit(actor, target.id, _profile("agent"))
        return admin.set_disabled(actor, target.id, True)

    results = await asyncio.gather(remove(ayse, veli), remove(veli, ayse), return_exceptions=True)
    refused = [r for r in results if isinstance(r, HandoverError)]
    assert [r.code for r in refused] == ["last_admin"]  # one wins, the other is undone
    admins = [a for a in await floor.store.agents() if a.role == "admin" and not a.disabled]
    assert len(admins) == 1
