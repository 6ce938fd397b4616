"""What a supervisor does on the floor besides watching: move a chat to another agent.

A waiting chat goes straight to an online agent with a free slot; a chat an agent holds
is transferred from them (to an agent, or back to the queue for a team) as if they had
done it. The supervisor's note is kept as a private note, in their name.
"""

from __future__ import annotations

from bot.errors import HandoverError
from bot.handover.agent_actions import AgentActions
from bot.handover.agents import ONLINE
from bot.store.queue_base import ENTRY_ASSIGNED, ENTRY_WAITING

__all__ = ["reassign"]


async def reassign(
    actions: AgentActions,
    sender_id: str,
    by: str,
    *,
    to_agent: str | None = None,
    team: str | None = None,
    note: str = "",
) -> None:
    """``by`` (a supervisor) gives the chat to ``to_agent``, or (a held chat only) back
    to the queue for ``team``.

    Raises:
        HandoverError: ``bad_transfer`` (neither or both targets, a waiting chat to a
            team), ``not_active``, ``same_agent``, and the transfer's own refusals
            (``unknown_agent``, ``agent_offline``, ``agent_full``, ``unknown_team``).
    """
    if (to_agent is None) == (team is None):
        raise HandoverError("a chat goes to an agent or to a team", "bad_transfer")
    store = actions.store
    entry = await store.entry(sender_id)
    if entry is None or entry.status not in (ENTRY_WAITING, ENTRY_ASSIGNED):
        raise HandoverError("the chat is closed", "not_active")
    if entry.status == ENTRY_ASSIGNED and entry.agent_id is not None:
        if to_agent is not None and to_agent == entry.agent_id:
            raise HandoverError("the chat is with that agent already", "same_agent")
        await actions.transfer(sender_id, entry.agent_id, to_agent=to_agent, team=team)
    else:
        await _give(actions, sender_id, to_agent)
    if note.strip():
        await actions.add_note(sender_id, by, note)


async def _give(actions: AgentActions, sender_id: str, to_agent: str | None) -> None:
    store = actions.store
    if to_agent is None:
        raise HandoverError("a waiting chat goes to an agent", "bad_transfer")
    agent = await store.agent(to_agent)
    if agent is None or agent.disabled:
        raise HandoverError("unknown or disabled agent", "unknown_agent")
    if agent.status != ONLINE:
        raise HandoverError(f"{agent.name} is not online", "agent_offline", name=agent.name)
    if not await store.assign(sender_id, agent.id, actions.queue.clock(), agent.max_chats):
        current = await store.entry(sender_id)
        if current is None or current.status != ENTRY_WAITING:
            raise HandoverError("the chat is no longer waiting", "taken")
        raise HandoverError(
            f"{agent.name} already has {agent.max_chats} chats",
            "agent_full",
            name=agent.name,
            max_chats=agent.max_chats,
        )
    if not await actions.queue.given(sender_id, agent.id):
        raise HandoverError("the player went back to the bot", "player_left")
