"""Entity annotations in training text: ``[500 TL](amount)`` to plain text plus spans.

The forms Rasa 3 accepts:

- ``[text](entity)`` and the old synonym form ``[text](entity:value)``;
- ``[text]{"entity": "e", "value": "v", "role": "r", "group": "g"}`` (only ``entity``
  is required);
- ``[text][{"entity": "e1"}, {"entity": "e2", "role": "r"}]``: several labels on one span.

Brackets that are not followed by an annotation stay in the text. Annotations inside
annotations are refused. A ``value`` that differs from the annotated text is a synonym.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.errors import DataError
from bot.nlu.training_data import EntitySpan

__all__ = ["AnnotatedText", "parse_annotated", "strip_annotations"]

_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]*)\]"
    r"(?:\((?P<short>[^)]*)\)"
    r"|(?P<json>\{[^}]*\})"
    r"|(?P<json_list>\[\s*\{.*?\}\s*\]))"
)
_LABEL_KEYS = ("entity", "value", "role", "group")


@dataclass(frozen=True, slots=True)
class AnnotatedText:
    """Plain text, the entity spans into it, and (surface, canonical) synonym pairs."""

    text: str
    entities: tuple[EntitySpan, ...] = ()
    synonyms: tuple[tuple[str, str], ...] = ()


def _label_from_short(short: str, where: str) -> dict[str, str]:
    entity, _, value = short.partition(":")
    if not entity.strip():
        raise DataError(f"{where}: the entity annotation '({short})' has no entity name")
    label = {"entity": entity.strip()}
    if value.strip():
        label["value"] = value.strip()
    return label


def _label_from_json(obj: Any, raw: str, where: str) -> dict[str, str]:
    if not isinstance(obj, dict) or not isinstance(obj.get("entity"), str):
        raise DataError(f'{where}: the entity annotation {raw} needs an "entity" name')
    label: dict[str, str] = {}
    for key in _LABEL_KEYS:
        if obj.get(key) is not None:
            label[key] = str(obj[key])
    if not label["entity"].strip():
        raise DataError(f'{where}: the entity annotation {raw} has an empty "entity" name')
    return label


def _labels(match: re.Match[str], where: str) -> list[dict[str, str]]:
    if match.group("short") is not None:
        return [_label_from_short(match.group("short"), where)]
    raw = match.group("json") or match.group("json_list")
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{where}: the entity annotation {raw} is not valid JSON ({exc.msg}); "
            'write it like [text]{"entity": "name", "value": "canonical"}'
        ) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not items:
        raise DataError(f"{where}: the entity annotation {raw} names no entity")
    return [_label_from_json(item, raw, where) for item in items]


def parse_annotated(text: str, where: str) -> AnnotatedText:
    """Strip annotations from ``text``; ``where`` (``file:line``) prefixes any error."""
    pieces: list[str] = []
    spans: list[EntitySpan] = []
    synonyms: list[tuple[str, str]] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(text):
        surface = match.group("text")
        if "[" in surface:
            raise DataError(f"{where}: nested entity annotations are not supported: {text!r}")
        if not surface.strip():
            raise DataError(f"{where}: an entity annotation marks empty text: {match.group(0)!r}")
        before = text[cursor : match.start()]
        pieces.append(before)
        start = length + len(before)
        end = start + len(surface)
        for label in _labels(match, where):
            value = label.get("value", surface)
            role, group = label.get("role"), label.get("group")
            spans.append(EntitySpan(start, end, label["entity"], value, role, group))
            if value != surface:
                synonyms.append((surface, value))
        pieces.append(surface)
        length = end
        cursor = match.end()
    pieces.append(text[cursor:])
    return AnnotatedText("".join(pieces), tuple(spans), tuple(synonyms))


def strip_annotations(text: str) -> str:
    """The plain text of an annotated example, without checking the annotations."""
    return _ANNOTATION.sub(lambda m: m.group("text"), text)
