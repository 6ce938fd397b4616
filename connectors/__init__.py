"""Channel connectors: REST, web chat, Telegram, WhatsApp."""

from __future__ import annotations
