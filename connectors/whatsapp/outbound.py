"""The bot's messages (Rasa's shape) as WhatsApp message objects, within Meta's limits.

Pure: :func:`to_whatsapp` gives the objects to POST (without ``messaging_product`` and
``to``, which the sender adds). Text over 4096 characters is split at paragraph, line or
word ends; buttons become reply buttons (up to 3) or list messages (up to 10 rows each,
so 12 choices are a list of 10 and a list of 2, every choice still one tap). A title
over its limit is cut at a word end with "…" (a row keeps the full title as its
description); a payload longer than an id may be is replaced by the button's title, so
a tap reads as if the player had typed the title.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels import BotMessage

__all__ = ["LIMITS", "shorten", "split_text", "to_whatsapp"]

log = logging.getLogger(__name__)

LIMITS = {
    "text": 4096,  # text message body
    "interactive_body": 1024,  # reply buttons' body (lists allow 4096 since 2025; 1024 is safe)
    "buttons": 3,
    "button_title": 20,
    "button_id": 256,
    "list_button": 20,
    "rows": 10,  # across all sections of one list
    "row_title": 24,
    "row_description": 72,
    "row_id": 200,
    "section_title": 24,
}
LIST_BUTTON = "Seçenekler"
SECTION_TITLE = "Seçenekler"
CHOOSE = "Lütfen bir seçenek seçin:"
MORE_CHOICES = "Diğer seçenekler:"
MESSAGE_TYPES = frozenset(
    {"text", "image", "audio", "video", "document", "sticker", "location", "contacts",
     "interactive", "template", "reaction"}
)  # fmt: skip

Choice = tuple[str, str]
"""A button as (title, payload)."""


def to_whatsapp(message: BotMessage) -> list[dict[str, Any]]:
    """The WhatsApp messages for one bot message, in the order to send them."""
    out: list[dict[str, Any]] = []
    text = message.get("text")
    text = text.strip() if isinstance(text, str) else ""
    choices = _choices(message.get("buttons"))
    if choices:
        out.extend(_with_choices(text, choices))
    elif text:
        out.extend(_text(chunk) for chunk in split_text(text, LIMITS["text"]))
    image = message.get("image")
    if isinstance(image, str) and image:
        out.append({"type": "image", "image": {"link": image}})
    if message.get("custom") is not None:
        custom = _custom(message["custom"])
        if custom is not None:
            out.append(custom)
    return out


def template_message(name: str, language: str, buttons: Any) -> dict[str, Any]:
    """An approved template (``type: template``), the only message WhatsApp takes once
    the player's 24-hour window has closed; ``buttons`` give its quick replies' payloads
    in order (the template's own buttons show their approved titles)."""
    components: list[dict[str, Any]] = [
        {"type": "button", "sub_type": "quick_reply", "index": str(index),
         "parameters": [{"type": "payload", "payload": payload}]}
        for index, (_, payload) in enumerate(_choices(buttons))
    ]  # fmt: skip
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if components:
        template["components"] = components
    return {"type": "template", "template": template}


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, cut at a paragraph, line or
    word end where one is in the second half of the chunk."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = next(
            (at for sep in ("\n\n", "\n", " ") if (at := window.rfind(sep)) > limit // 2), limit
        )
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return chunks


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters at a word end with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if text[limit - 1] != " " and space >= limit // 2:  # not already at a word end
        cut = cut[:space]
    return cut.rstrip() + "…"


def _choices(buttons: Any) -> list[Choice]:
    choices: list[Choice] = []
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, Mapping):
            continue
        title, payload = str(button.get("title") or ""), str(button.get("payload") or "")
        if title.strip() or payload.strip():
            choices.append((title.strip() or payload.strip(), payload.strip() or title.strip()))
    return choices


def _with_choices(text: str, choices: list[Choice]) -> list[dict[str, Any]]:
    leading = split_text(text or CHOOSE, LIMITS["text"])
    parts = [*leading[:-1], *split_text(leading[-1], LIMITS["interactive_body"])]
    out = [_text(part) for part in parts[:-1]]
    body = parts[-1]
    if len(choices) <= LIMITS["buttons"]:
        out.append(_reply_buttons(body, choices))
        return out
    rows = LIMITS["rows"]
    for start in range(0, len(choices), rows):
        out.append(_list(body if start == 0 else MORE_CHOICES, choices[start : start + rows]))
    return out


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _reply_buttons(body: str, choices: Sequence[Choice]) -> dict[str, Any]:
    titles = _unique_titles([title for title, _ in choices], LIMITS["button_title"])
    buttons = [
        {"type": "reply", "reply": {"id": _reply_id(choice, LIMITS["button_id"]), "title": title}}
        for choice, title in zip(choices, titles, strict=True)
    ]
    return _interactive("button", body, {"buttons": buttons})


def _list(body: str, choices: Sequence[Choice]) -> dict[str, Any]:
    titles = _unique_titles([title for title, _ in choices], LIMITS["row_title"])
    rows = []
    for choice, title in zip(choices, titles, strict=True):
        row = {"id": _reply_id(choice, LIMITS["row_id"]), "title": title}
        if title != " ".join(choice[0].split()):
            row["description"] = shorten(choice[0], LIMITS["row_description"])
        rows.append(row)
    action = {"button": LIST_BUTTON, "sections": [{"title": SECTION_TITLE, "rows": rows}]}
    return _interactive("list", body, action)


def _interactive(kind: str, body: str, action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "interactive", "interactive": {"type": kind, "body": {"text": body},
                                                   "action": action}}  # fmt: skip


def _reply_id(choice: Choice, limit: int) -> str:
    title, payload = choice
    if len(payload) <= limit:
        return payload
    log.warning(
        "whatsapp: a button payload of %d characters is over the %d WhatsApp allows; "
        "the button sends its title instead", len(payload), limit,
    )  # fmt: skip
    return title[:limit]


def _unique_titles(titles: Sequence[str], limit: int) -> list[str]:
    """Titles cut to ``limit``; WhatsApp refuses two equal ones, so repeats get " 2"..."""
    seen: set[str] = set()
    out: list[str] = []
    for title in titles:
        candidate, number = shorten(title, limit), 2
        while candidate in seen:
            suffix = f" {number}"
            candidate, number = shorten(title, limit - len(suffix)) + suffix, number + 1
        seen.add(candidate)
        out.append(candidate)
    return out


def _custom(custom: Any) -> dict[str, Any] | None:
    """A ``custom`` that is a WhatsApp message object (or has one under ``whatsapp``)."""
    candidate = custom.get("whatsapp", custom) if isinstance(custom, Mapping) else None
    if isinstance(candidate, Mapping):
        kind = candidate.get("type")
        if kind in MESSAGE_TYPES and isinstance(candidate.get(kind), Mapping):
            return {k: v for k, v in candidate.items() if k not in ("messaging_product", "to")}
    log.info("whatsapp: a custom message that is not a WhatsApp message object was not sent")
    return None
