"""WhatsApp Cloud API channel (credentials.yml section ``whatsapp:``).

Options: ``access_token``, ``phone_number_id``, ``app_secret`` (checks
``X-Hub-Signature-256``) and ``verify_token`` (Meta's ``GET`` verification) are
required; ``api_version`` (``v21.0``), ``graph_url`` (``https://graph.facebook.com``),
``timeout`` (10 s), ``retries`` (3) and ``retry_backoff`` (0.5 s, doubled per retry) are
optional. Meta's webhook URL is ``https://<host>/webhooks/whatsapp/webhook``.

Limits, from Meta's Cloud API pages (reply buttons, interactive list messages, messages
webhook; checked 2025): a text body holds 4096 characters; reply buttons are at most 3,
titles 20 characters, ids 256, body 1024; a list has one button label of 20 characters
and at most 10 rows across its sections (up to 10), row title 24, description 72, id
200, section title 24, body 4096 in the current page (1024 in older ones, so we keep to
1024). A tapped button or row comes back as ``interactive.button_reply`` or
``list_reply`` with our id; a template quick reply as ``button.payload``. Meta's
throttling errors (codes 4, 80007, 130429, 131056) come as HTTP 400 and are retried.

Gambling: Meta's WhatsApp Business Messaging Policy lists online gambling as a regulated
vertical: a betting or casino business may use the Business Platform only with Meta's
prior written permission, proof that it is licensed, in the countries Meta allows, and
never towards players under 18; the Commerce Policy still forbids selling or taking
payments (deposits) through WhatsApp. Without permission the account can be restricted.
Check each market (Turkey included) before going live (README).

Limits of this channel: media (photos, voice notes, stickers, locations) are not
downloaded. Such a message reaches the bot without text (a photo's caption is read as
text); the bot asks the player to write instead, keeps the message in the tracker with
its type, and stays silent while an agent has the conversation.
"""

from __future__ import annotations

from connectors.whatsapp.channel import WEBHOOK, WhatsAppChannel, WhatsAppOptions
from connectors.whatsapp.graph import GraphRefused, GraphUnavailable, OutsideServiceWindow
from connectors.whatsapp.inbound import parse, signature_ok
from connectors.whatsapp.outbound import LIMITS, to_whatsapp

__all__ = [
    "LIMITS",
    "WEBHOOK",
    "GraphRefused",
    "GraphUnavailable",
    "OutsideServiceWindow",
    "WhatsAppChannel",
    "WhatsAppOptions",
    "parse",
    "signature_ok",
    "to_whatsapp",
]
