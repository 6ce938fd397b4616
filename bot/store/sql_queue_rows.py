"""Queue store rows: dataclasses to table rows and back (lists are JSON text)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.store.queue_base import ENTRY_WAITING, Agent, QueueEntry

__all__ = ["agent_from_row", "agent_row", "entry_from_row", "entry_row"]


def entry_row(entry: QueueEntry) -> dict[str, Any]:
    return {
        "sender_id": entry.sender_id,
        "reason": entry.reason,
        "skill": entry.skill,
        "language": entry.language,
        "priority": entry.priority,
        "summary": entry.summary,
        "channel": entry.channel,
        "requested_at": entry.requested_at,
        "status": ENTRY_WAITING,
        "agent_id": None,
        "team": entry.team,
        "escalated": entry.escalated,
        "player": json.dumps(dict(entry.player), ensure_ascii=False, default=str),
    }


def entry_from_row(row: Mapping[Any, Any]) -> QueueEntry:
    return QueueEntry(
        sender_id=row["sender_id"],
        reason=row["reason"],
        skill=row["skill"],
        language=row["language"],
        priority=row["priority"],
        summary=row["summary"],
        channel=row["channel"],
        requested_at=row["requested_at"],
        status=row["status"],
        agent_id=row["agent_id"],
        team=row["team"],
        assigned_at=row["assigned_at"],
        closed_at=row["closed_at"],
        resolution=row["resolution"],
        escalated=bool(row["escalated"]),
        player=json.loads(row["player"]),
        id=row["id"],
    )


def agent_row(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "login": agent.login,
        "name": agent.name,
        "role": agent.role,
        "skills": json.dumps(list(agent.skills)),
        "languages": json.dumps(list(agent.languages)),
        "teams": json.dumps(list(agent.teams)),
        "max_chats": agent.max_chats,
        "status": agent.status,
        "disabled": agent.disabled,
        "password_hash": agent.password_hash,
        "created_at": agent.created_at,
        "last_assigned_at": agent.last_assigned_at,
        "status_since": agent.status_since,
    }


def agent_from_row(row: Mapping[Any, Any]) -> Agent:
    return Agent(
        id=row["id"],
        login=row["login"],
        name=row["name"],
        role=row["role"],
        skills=tuple(json.loads(row["skills"])),
        languages=tuple(json.loads(row["languages"])),
        teams=tuple(json.loads(row["teams"])),
        max_chats=row["max_chats"],
        status=row["status"],
        disabled=bool(row["disabled"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        last_assigned_at=row["last_assigned_at"],
        status_since=row["status_since"],
    )
