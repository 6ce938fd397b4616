"""Personal data masked in what the stores write: events, handover records, queue entries,
tickets and notes (endpoints.yml's ``privacy:``, :mod:`bot.privacy_config`).

An event is masked as it is appended: every text in it (the player's message, its
``parse_data`` and entity values, the bot's and the agents' messages, slot values, the
handover summary, ratings' comments) goes through :func:`bot.pii.mask_pii`, except the
fields that name things (``event``, ``name``, ``message_id``, ``input_channel``, ...).
Beyond what a text shows, one-time codes are found from what the turn did: the value of
a code slot (``otp_code``) is masked whole, and so is every digit of the player's message
that filled it, whatever its wording. Quoted messages (a summary, a ticket) count any
six-digit number as a code.

A masked value keeps its JSON type, so it stays valid for the slot that holds it: a text
stays a text (``"+90 5** *** ** 67"`` for a text or any slot), numbers and booleans are
left as they are, and a code slot's number becomes null, which every slot type takes.
The dialogue is not disturbed: a turn runs on the tracker it holds in memory (the
identity form's ``action_send_otp`` reads the phone the player just typed), and the
stored copy is only read back in later turns, by which time the player is identified
by ``player_id`` (:data:`~bot.privacy_config.DEFAULT_UNMASKED_SLOTS`, stored as given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot.pii import mask_pii, star_digits
from bot.privacy_config import PrivacyConfig
from bot.store.queue_base import Note, QueueEntry, Ticket

__all__ = ["StoreMasking"]

# Fields that name or number things rather than hold what someone wrote.
_NAMING_KEYS = frozenset(
    {
        "event", "timestamp", "name", "message_id", "input_channel", "policy", "confidence",
        "entity", "extractor", "role", "group", "start", "end", "agent_id", "action_name",
        "intent_ranking", "skill", "reason", "by", "resolution", "priority",
    }
)  # fmt: skip
_USER, _SLOT, _HANDOVER = "user", "slot", "handover_requested"
_QUOTING_KEYS = frozenset({"summary"})  # texts that quote the player's messages


class StoreMasking:
    """Masks rows on their way into a store, as ``config`` says."""

    def __init__(self, config: PrivacyConfig) -> None:
        self.config = config

    def text(self, text: str, *, quoting: bool = False) -> str:
        return mask_pii(text, self.config.masking, bare_codes=quoting)

    def events(self, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """``events`` masked; anything that is not an event mapping is passed on as it
        is, for the store to refuse."""
        coded = self._messages_with_codes(events)
        masked: list[Mapping[str, Any]] = []
        for index, event in enumerate(events):
            if not isinstance(event, Mapping):
                masked.append(event)
                continue
            out = self._value(event)
            if index in coded:
                out = self._without_digits(out)
            if event.get("event") == _SLOT and event.get("name") in self.config.otp_slots:
                out["value"] = _masked_code(event.get("value"))
            elif event.get("event") == _SLOT and event.get("name") in self.config.unmasked_slots:
                out["value"] = event.get("value")
            masked.append(out)
        return masked

    def handover(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A handover record (``record_handover``): its summary quotes the player."""
        out = dict(record)
        if isinstance(out.get("summary"), str):
            out["summary"] = self.text(out["summary"], quoting=True)
        return out

    def entry(self, entry: QueueEntry) -> QueueEntry:
        """A queue entry: its summary, and the player's details the bot heard."""
        player = {
            key: value if key in self.config.unmasked_slots else self._value(value)
            for key, value in entry.player.items()
        }
        return replace(entry, summary=self.text(entry.summary, quoting=True), player=player)

    def ticket(self, ticket: Ticket) -> Ticket:
        """A ticket: each message as the player wrote it."""
        return replace(ticket, messages=tuple(self.text(m, quoting=True) for m in ticket.messages))

    def note(self, note: Note) -> Note:
        return replace(note, text=self.text(note.text))

    def _value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, str):
            return self.text(value, quoting=key in _QUOTING_KEYS)
        if isinstance(value, Mapping):
            return {k: v if k in _NAMING_KEYS else self._value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._value(item, key) for item in value]
        return value

    def _messages_with_codes(self, events: Sequence[Mapping[str, Any]]) -> set[int]:
        """The player's messages that filled a code slot: the latest one before each
        event that sets a code slot to a value."""
        coded: set[int] = set()
        latest: int | None = None
        for index, event in enumerate(events):
            if not isinstance(event, Mapping):
                continue
            if event.get("event") == _USER:
                latest = index
            elif (
                event.get("event") == _SLOT
                and event.get("name") in self.config.otp_slots
                and event.get("value") not in (None, "")
                and latest is not None
            ):
                coded.add(latest)
        return coded

    def _without_digits(self, event: dict[str, Any]) -> dict[str, Any]:
        """The player's message that carried a code, with no digit left in its text, its
        parse data's text or its entities' values."""
        out = dict(event)
        if isinstance(out.get("text"), str):
            out["text"] = star_digits(out["text"])
        parse = out.get("parse_data")
        if isinstance(parse, Mapping):
            parse = dict(parse)
            if isinstance(parse.get("text"), str):
                parse["text"] = star_digits(parse["text"])
            entities = parse.get("entities")
            if isinstance(entities, list):
                parse["entities"] = [_entity_without_digits(e) for e in entities]
            out["parse_data"] = parse
        return out


def _entity_without_digits(entity: Any) -> Any:
    if not isinstance(entity, Mapping) or not isinstance(entity.get("value"), str):
        return entity
    return {**entity, "value": star_digits(entity["value"])}


def _masked_code(value: Any) -> Any:
    """A code slot's value: a text keeps its length and spaces, anything else is null."""
    if value is None:
        return None
    if isinstance(value, str):
        return "".join(c if c.isspace() else "*" for c in value)
    return None
