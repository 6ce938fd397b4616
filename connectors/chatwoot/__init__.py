"""Chatwoot as the live-agent desk (endpoints.yml ``live_agents: {type: chatwoot, ...}``).

A team that already answers players in Chatwoot keeps doing so: a handed-over
conversation opens in a Chatwoot API inbox with its history, the bot's reason and summary
(a private note), labels and priority; the agents' replies, assignments and resolutions
come back through Chatwoot's signed webhooks at ``/webhooks/chatwoot/webhook`` and are
told to the :class:`bot.live_agents.HandoverDesk`. Options: :class:`ChatwootOptions`.
"""

from __future__ import annotations

from connectors.chatwoot.api import ChatwootRejected, ChatwootUnavailable
from connectors.chatwoot.connector import ChatwootConnector
from connectors.chatwoot.options import ChatwootOptions
from connectors.chatwoot.receiver import WEBHOOK
from connectors.chatwoot.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signature_ok

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK",
    "ChatwootConnector",
    "ChatwootOptions",
    "ChatwootRejected",
    "ChatwootUnavailable",
    "sign",
    "signature_ok",
]
