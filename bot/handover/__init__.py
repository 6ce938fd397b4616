"""Handover to human operators: the live-agent queue, routing, agents, SLA, tickets.

What the server wires (each a small module):

- :class:`bot.handover.desk.Desk` — the :class:`~bot.live_agents.HandoverDesk`: records
  each step in the conversation, delivers the player's messages, publishes for the console;
- :func:`bot.handover.builtin_connector.builtin_live_agents` — the factory of Destek's
  own :class:`~bot.live_agents.LiveAgentConnector` over the queue store;
- :class:`bot.handover.agent_actions.AgentActions` — what the console calls for an agent
  (status, accept, message, note, transfer, close);
- :func:`bot.handover.logins.authenticate` — an operator's sign-in;
- :mod:`bot.handover.topics` — the fan-out topics the console subscribes to.

Pure parts: :mod:`~bot.handover.routing`, :mod:`~bot.handover.estimates`,
:mod:`~bot.handover.sla`; settings in :mod:`~bot.handover.queue_config`.
"""

from __future__ import annotations
