"""What an agent does with the queue: go online, pick a chat, write, note, transfer, close.

Each step is checked against the queue store first (who holds the chat, whether it is
still waiting, the other agent's state and load) and refused with ``HandoverError``
when it does not fit; steps two agents race for are decided by the store's
conditional writes. The desk then records the step in the conversation.
"""

from __future__ import annotations

from bot.errors import HandoverError
from bot.handover.agents import AGENT_STATUSES, CHAT_ROLES, OFFLINE, ONLINE
from bot.handover.canned import unfilled_variables
from bot.handover.queue import LiveQueue
from bot.handover.topics import QUEUE_TOPIC, agent_topic
from bot.store.queue_base import (
    ENTRY_ASSIGNED,
    ENTRY_CLOSED,
    ENTRY_WAITING,
    Agent,
    Note,
    QueueEntry,
)

__all__ = ["SUPERVISOR_ROLES", "AgentActions"]

SUPERVISOR_ROLES = ("supervisor", "admin")


class AgentActions:
    def __init__(self, queue: LiveQueue) -> None:
        self.queue = queue
        self.store = queue.store

    async def set_status(self, agent_id: str, status: str) -> None:
        """Online, away or offline. An agent coming online is given waiting chats; one
        away keeps theirs; one going offline gives theirs back to the queue, so no
        player waits on a silent bot for an agent who left."""
        if status not in AGENT_STATUSES:
            raise HandoverError(f"unknown agent status {status!r}", "bad_status")
        agent = await self._agent(agent_id)
        if status != OFFLINE and agent.role not in CHAT_ROLES:
            raise HandoverError(f"{agent.name} takes no chats (a content editor)", "no_chats")
        # the same status again (accepting a chat while online) keeps its "since"
        since = agent.status_since if agent.status == status else self.queue.clock()
        await self.store.set_agent_status(agent.id, status, since)
        await self.queue.fanout.publish(
            QUEUE_TOPIC, {"type": "agent_status", "agent_id": agent.id, "status": status}
        )
        if status == ONLINE:
            await self.queue.route()
        elif status == OFFLINE:
            for entry in await self.store.entries(ENTRY_ASSIGNED, agent.id):
                await self.queue.requeue(entry.sender_id, agent.id)

    async def accept(self, sender_id: str, agent_id: str) -> None:
        """An agent picks a waiting chat by hand.

        Raises:
            HandoverError: the chat is not waiting (another agent won), the agent is not
                online or has no free slot.
        """
        agent = await self._agent(agent_id)
        if agent.status != ONLINE:
            raise HandoverError("only an online agent can take a chat", "not_online")
        if not await self.store.assign(sender_id, agent.id, self.queue.clock(), agent.max_chats):
            entry = await self.store.entry(sender_id)
            if entry is None or entry.status != ENTRY_WAITING:
                raise HandoverError("the chat is no longer waiting: another agent took it", "taken")
            raise HandoverError(
                f"{agent.name} already has {agent.max_chats} chats",
                "agent_full",
                name=agent.name,
                max_chats=agent.max_chats,
            )
        if not await self.queue.given(sender_id, agent.id):
            raise HandoverError("the player went back to the bot", "player_left")

    async def agent_message(self, sender_id: str, agent_id: str, text: str) -> None:
        """An agent writes to the player of a chat they hold.

        Raises:
            HandoverError: the chat is closed, still waiting, or held by someone else; or
                the text still holds a canned reply's ``{variable}`` to fill in.
        """
        await self._owned(sender_id, agent_id)
        left = unfilled_variables(text)
        if left:
            blanks = ", ".join("{" + name + "}" for name in left)
            raise HandoverError(f"fill in {blanks} first", "unfilled_variable", variables=blanks)
        await self.queue.desk.agent_message(sender_id, agent_id, text)

    async def add_note(self, sender_id: str, agent_id: str, text: str) -> int:
        """A private note on the chat; the player never sees it."""
        await self._agent(agent_id)
        if not text.strip():
            raise HandoverError("a note needs text", "empty_text")
        note_id = await self.store.add_note(Note(sender_id, agent_id, text, self.queue.clock()))
        await self.queue.publish("note", None, sender_id=sender_id, agent_id=agent_id)
        return note_id

    async def transfer(
        self,
        sender_id: str,
        agent_id: str,
        *,
        to_agent: str | None = None,
        team: str | None = None,
        note: str = "",
    ) -> None:
        """Hand a chat to another online agent, or back to the queue for a team; the note
        is kept as a private note.

        Raises:
            HandoverError: the chat is not the agent's, the other agent is unknown,
                disabled, not online or full, or the team is unknown.
        """
        if (to_agent is None) == (team is None):
            raise HandoverError("a transfer goes to an agent or to a team", "bad_transfer")
        await self._owned(sender_id, agent_id)
        target = None if to_agent is None else await self._ready(to_agent)
        if team is not None and team not in await self._team_names():
            raise HandoverError(f"unknown team {team!r}", "unknown_team", team=team)
        now = self.queue.clock()
        if target is None:
            moved = await self.queue.requeue(sender_id, agent_id, team)
        else:
            moved = await self.store.transfer(sender_id, agent_id, target.id, None, now)
        if not moved:
            raise HandoverError("the chat is no longer yours", "not_yours")
        if note.strip():
            await self.store.add_note(Note(sender_id, agent_id, note, now))
        await self.queue.publish(
            "transferred",
            None,
            sender_id=sender_id,
            agent_id=agent_id,
            to_agent=to_agent,
            team=team,
        )
        if target is not None:
            await self.queue.desk.assigned(sender_id, target.id, target.name)
            await self.queue.fanout.publish(
                agent_topic(target.id), {"type": "assigned", "sender_id": sender_id}
            )

    async def close(self, sender_id: str, agent_id: str, resolution: str | None = None) -> None:
        """The agent (or a supervisor) closes the chat: the player is asked for a rating,
        the bot is back, and the freed slot goes to the next in line.

        Raises:
            HandoverError: the chat is not with an agent, or held by another agent.
        """
        agent = await self._agent(agent_id)
        entry = await self.store.entry(sender_id)
        if entry is None or entry.status != ENTRY_ASSIGNED:
            raise HandoverError("the chat is not with an agent", "not_active")
        if entry.agent_id != agent.id and agent.role not in SUPERVISOR_ROLES:
            raise HandoverError("the chat belongs to another agent", "not_yours")
        ended = await self.store.finish(sender_id, ENTRY_CLOSED, self.queue.clock(), resolution)
        if ended is None:
            raise HandoverError("the chat was closed meanwhile", "not_active")
        by = "agent" if entry.agent_id == agent.id else "supervisor"
        await self.queue.desk.closed(sender_id, by, resolution)
        await self.queue.publish("closed", ended, by=by)
        await self.queue.route()

    # ---- checks ------------------------------------------------------------------------

    async def _agent(self, agent_id: str) -> Agent:
        agent = await self.store.agent(agent_id)
        if agent is None or agent.disabled:
            raise HandoverError("unknown or disabled agent", "unknown_agent")
        return agent

    async def _ready(self, agent_id: str) -> Agent:
        """An agent who can take one more chat now."""
        agent = await self._agent(agent_id)
        if agent.status != ONLINE:
            raise HandoverError(f"{agent.name} is not online", "agent_offline", name=agent.name)
        if len(await self.store.entries(ENTRY_ASSIGNED, agent.id)) >= agent.max_chats:
            raise HandoverError(
                f"{agent.name} already has {agent.max_chats} chats",
                "agent_full",
                name=agent.name,
                max_chats=agent.max_chats,
            )
        return agent

    async def _owned(self, sender_id: str, agent_id: str) -> QueueEntry:
        entry = await self.store.entry(sender_id)
        if entry is None or entry.status != ENTRY_ASSIGNED:
            raise HandoverError(
                "the chat is not with an agent (closed, or still waiting)", "not_active"
            )
        if entry.agent_id != agent_id:
            raise HandoverError("the chat belongs to another agent", "not_yours")
        return entry

    async def _team_names(self) -> set[str]:
        names = {team.name for team in await self.store.teams()}
        for agent in await self.store.agents():
            names.update(agent.teams)
        return names
