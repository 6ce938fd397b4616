"""Does a message hold any word the training data knows? A vocabulary gate.

A linear model has an answer for every message: a keyboard mash, another alphabet or a
sentence in another language still lands on some intent's side of every boundary, at
times with a wide margin. The gate keeps the words of the training examples (as the
pipeline sees them: lower-cased, diacritics folded, elongations squashed) and the
scripts their letters are written in. A word counts as known when it is a training
word, shares a stem with one (Turkish suffixes: "yatiramiyorum" meets "yatirim"), or is
one edit away from one (typos: "sifrmi" meets "sifremi"). Words with digits or no
letters (amounts, IBANs, phone numbers, emoji, punctuation), e-mail addresses and links
say nothing either way. A message whose letters are mostly in unknown words is one the
model was never taught to read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Self

__all__ = ["KnownWords", "Verdict", "script_of", "words_of"]

_NOT_A_WORD = re.compile(r"\d|@|://|^www\.")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Shorter words are not judged: too short to tell a typo from an abbreviation.
MIN_LETTERS = 3


@lru_cache(maxsize=8192)
def script_of(ch: str) -> str:
    """The script of a letter, from its Unicode name: LATIN, CYRILLIC, ARABIC, CJK..."""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def words_of(tokens: Iterable[str]) -> list[str]:
    """The letter runs of tokens that are words: "hesabım'a" gives "hesabım" and "a";
    tokens with a digit, e-mail addresses and links give nothing."""
    out: list[str] = []
    for token in tokens:
        if not _NOT_A_WORD.search(token):
            out += _LETTER_RUN.findall(token)
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the gate makes of one message: the share of its letters in known words, and
    whether the only letters it has are in scripts the training data never uses."""

    known_share: float
    letters: int
    unknown_script: bool


class KnownWords:
    """Fitted on the training words; ``verdict(words)`` says how much of a message is known.

    ``stem_length``: a word sharing its first ``stem_length`` letters (and at least half
    of the shorter word) with a training word is known. ``typo_length``: words at least
    this long are known one edit (insertion, deletion, substitution) from a training word.
    """

    def __init__(self, stem_length: int = 4, typo_length: int = 5) -> None:
        self.stem_length = stem_length
        self.typo_length = typo_length

    def fit(self, tokens: Iterable[str]) -> Self:
        vocabulary = {w for w in words_of(tokens) if len(w) >= 2}
        self.words_ = frozenset(vocabulary)
        self.scripts_ = frozenset(script_of(ch) for w in vocabulary for ch in w)
        # The shortest training word under each prefix of stem length or more.
        shortest: dict[str, int] = {}
        for w in vocabulary:
            for k in range(self.stem_length, len(w) + 1):
                shortest[w[:k]] = min(shortest.get(w[:k], len(w)), len(w))
        self.prefixes_ = shortest
        self.deletes_ = frozenset(
            d for w in vocabulary if len(w) >= self.typo_length - 1 for d in _deletes(w)
        )
        return self

    def known(self, word: str) -> bool:
        """Is ``word`` (lower-cased and folded as the training words were) known?"""
        if word in self.words_:
            return True
        for k in range(self.stem_length, len(word) + 1):
            shortest = self.prefixes_.get(word[:k])
            if shortest is None:
                break
            if 2 * k >= min(len(word), shortest):
                return True
        if len(word) < self.typo_length:
            return False
        # Deletes on both sides (SymSpell): an insertion, deletion or substitution away.
        deletes = _deletes(word)
        return not deletes.isdisjoint(self.words_) or not (deletes | {word}).isdisjoint(
            self.deletes_
        )

    def verdict(self, tokens: Iterable[str]) -> Verdict:
        """Letters in known words over letters in words. Tokens with digits, e-mails,
        links, and words of one or two letters in a known script ("ty", "sa", "ok": too
        short to tell a typo from an abbreviation) are not counted."""
        known = total = 0
        foreign = True
        for word in words_of(tokens):
            readable = any(script_of(ch) in self.scripts_ for ch in word)
            if readable and len(word) < MIN_LETTERS:
                continue
            total += len(word)
            if readable:
                foreign = False
                if self.known(word):
                    known += len(word)
        return Verdict(known / total if total else 1.0, total, foreign and total > 0)
