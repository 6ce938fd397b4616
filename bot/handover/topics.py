"""The fan-out topics the live-agent queue publishes on, for the operator console.

Messages are JSON dicts with a ``type``; the tracker store is the record, these are
the live view (at most once, to current subscribers).
"""

from __future__ import annotations

__all__ = ["QUEUE_TOPIC", "SUPERVISOR_TOPIC", "agent_topic", "conversation_topic"]

QUEUE_TOPIC = "handover:queue"
"""Every queue change: queued, assigned, transferred, closed, withdrawn, escalated,
agent_status."""

SUPERVISOR_TOPIC = "handover:supervisors"
"""Alerts for supervisors: a conversation waited past its SLA."""


def conversation_topic(sender_id: str) -> str:
    """One conversation's live messages: the player's, the agent's, the bot's notices."""
    return f"handover:{sender_id}"


def agent_topic(agent_id: str) -> str:
    """An agent's own alerts: a chat given to them."""
    return f"handover:agent:{agent_id}"
