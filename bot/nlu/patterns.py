"""Diacritic-insensitive matching of nlu.yml regexes and lookup tables.

Regexes run on the diacritic-folded original text (same length, so offsets hold);
lookup elements run on the folded, lowered text and may carry a Turkish suffix
("paparayla" matches the element "papara").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.errors import DataError
from bot.nlu.message import Message
from bot.nlu.training_data import TrainingData
from bot.nlu.turkish_text import fold_diacritics, normalize_for_match

__all__ = ["PatternMatch", "PatternSet"]


@dataclass(frozen=True, slots=True)
class PatternMatch:
    name: str
    start: int
    end: int
    text: str
    value: str
    kind: str  # "regex" or "lookup"


class PatternSet:
    """The compiled regexes and lookup tables of one training set."""

    def __init__(
        self,
        data: TrainingData,
        *,
        case_sensitive: bool = False,
        allow_suffixes: bool = True,
        use_regexes: bool = True,
        use_lookups: bool = True,
    ) -> None:
        flags = 0 if case_sensitive else re.IGNORECASE
        self.regexes: list[tuple[str, re.Pattern[str]]] = []
        by_name: dict[str, list[str]] = {}
        if use_regexes:
            for pattern in data.regexes:
                try:
                    compiled = re.compile(fold_diacritics(pattern.pattern), flags)
                except re.error as exc:
                    raise DataError(
                        f"{pattern.source or 'regex'}: regex {pattern.name!r} does not "
                        f"compile: {exc}"
                    ) from exc
                self.regexes.append((pattern.name, compiled))
        if use_lookups:
            for table in data.lookups:
                by_name.setdefault(table.name, []).extend(table.elements)
        suffix = r"\w*" if allow_suffixes else ""
        self.lookups: list[tuple[str, re.Pattern[str], dict[str, str]]] = []
        for name, elements in by_name.items():
            canonical = {normalize_for_match(e): e for e in elements if e.strip()}
            if not canonical:
                continue
            alternatives = "|".join(re.escape(k) for k in sorted(canonical, key=len, reverse=True))
            compiled = re.compile(rf"(?<!\w)(?P<el>{alternatives}){suffix}(?!\w)")
            self.lookups.append((name, compiled, canonical))
        # Pattern sets built alike from the same data (the featurizer's, the CRF's, the
        # extractor's) share this key, so a message is matched once, not three times.
        described = repr(
            (
                [(n, r.pattern, r.flags) for n, r in self.regexes],
                [(n, r.pattern) for n, r, _ in self.lookups],
            )
        )
        self.key = "patterns:" + hashlib.sha1(described.encode()).hexdigest()[:16]

    @property
    def names(self) -> list[str]:
        return [n for n, _ in self.regexes] + [n for n, _, _ in self.lookups]

    def matches(self, message: Message) -> Iterator[PatternMatch]:
        """Every regex and lookup match in ``message``, computed once per message."""
        key = getattr(self, "key", None)  # absent in archives saved before the cache
        if key is None:
            return self._find(message)
        cached = message.metadata.get(key)
        if cached is None:
            cached = message.metadata[key] = tuple(self._find(message))
        return iter(cached)

    def _find(self, message: Message) -> Iterator[PatternMatch]:
        folded_original = fold_diacritics(message.text)
        for name, regex in self.regexes:
            for m in regex.finditer(folded_original):
                if m.end() > m.start():
                    text = message.text[m.start() : m.end()]
                    yield PatternMatch(name, m.start(), m.end(), text, text, "regex")
        folded = message.folded or normalize_for_match(message.text)
        # Lookup offsets are in the normalised text; map them back to the original.
        for name, regex, canonical in self.lookups:
            for m in regex.finditer(folded):
                start, end = message.original_span(m.start(), m.end())
                value = canonical.get(" ".join(m.group("el").split()), m.group("el"))
                yield PatternMatch(name, start, end, message.text[start:end], value, "lookup")
