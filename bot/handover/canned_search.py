"""Finding a canned response as an agent types, and filling in its ``{variables}``.

Search is Turkish-aware: "çekim", "cekim" and "ÇEKİM" find the same replies, and a
``/`` typed before a shortcut is ignored. The replies that fit the intent of the
player's latest message come first, marked as suggested.

A variable the conversation cannot fill stays in the text as ``{balance}`` and is listed
in :attr:`Rendered.missing`: the console shows it to the agent and will not send the
text until they have written something in its place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.handover.canned import DEFAULT_LANGUAGE, VARIABLE_PATTERN, VARIABLES, CannedResponse
from bot.nlu.turkish_text import normalize_for_match

__all__ = ["CannedLibrary", "CannedMatch", "Rendered", "render"]

# How well a reply matches the query, best first.
_SHORTCUT_START, _SHORTCUT_IN, _TITLE, _TEXT = range(4)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A text with the variables the conversation knows filled in; ``missing`` are the
    ones left as ``{name}`` for the agent to write."""

    text: str
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CannedMatch:
    response: CannedResponse
    suggested: bool  # fits the intent of the player's latest message


def render(template: str, values: Mapping[str, str]) -> Rendered:
    """Fill ``{name}`` from ``values``; a name without a value (or an empty one) stays."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "").strip() if name in VARIABLES else ""
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return Rendered(VARIABLE_PATTERN.sub(fill, template), tuple(missing))


def _key(text: str) -> str:
    """What a query and a reply are compared by: Turkish-lowered, diacritics folded, and
    ``_`` read as a space (``cekim_suresi`` is "çekim süresi")."""
    return normalize_for_match(text.replace("_", " "))


@dataclass(frozen=True, slots=True)
class _Indexed:
    response: CannedResponse
    shortcut: str
    title: str
    text: str


class CannedLibrary:
    """The project's canned responses, searchable."""

    __slots__ = ("_indexed", "responses")

    def __init__(self, responses: Iterable[CannedResponse] = ()) -> None:
        self.responses = tuple(responses)
        self._indexed = tuple(
            _Indexed(
                r,
                _key(r.shortcut),
                _key(r.title),
                " ".join(_key(text) for text in r.texts.values()),
            )
            for r in self.responses
        )

    def __len__(self) -> int:
        return len(self.responses)

    def search(
        self, query: str = "", intent: str | None = None, limit: int = 50
    ) -> list[CannedMatch]:
        """The replies that match ``query`` (all for an empty one): those that fit
        ``intent`` first, then the best matches (a shortcut that starts with the query,
        one that contains it, the title, the text), then in the file's order: the editor
        puts the reply they want offered first above the others."""
        wanted = _key(query.strip().lstrip("/"))
        ranked: list[tuple[bool, int, int, CannedMatch]] = []
        for order, item in enumerate(self._indexed):
            score = _score(item, wanted)
            if score is None:
                continue
            suggested = intent is not None and intent in item.response.intents
            match = CannedMatch(item.response, suggested)
            ranked.append((not suggested, score, order, match))
        ranked.sort(key=lambda row: row[:3])
        return [row[3] for row in ranked[:limit]]

    def rendered(
        self, match: CannedMatch, values: Mapping[str, str], language: str = DEFAULT_LANGUAGE
    ) -> Rendered:
        return render(match.response.text(language), values)


def _score(item: _Indexed, wanted: str) -> int | None:
    if not wanted:
        return _SHORTCUT_START
    if item.shortcut.startswith(wanted):
        return _SHORTCUT_START
    if wanted in item.shortcut:
        return _SHORTCUT_IN
    words = wanted.split()
    if all(word in item.title for word in words):
        return _TITLE
    everything = f"{item.shortcut} {item.title} {item.text}"
    if all(word in everything for word in words):
        return _TEXT
    return None
