"""Which language is a text written in? For the fallback's gate.

py3langid's model (naive Bayes over byte n-grams, bundled with the package, nothing
downloaded) knows about 140 languages and ``zxx``, text with no language in it. On a
word or two it guesses ("merhaba" reads as Indonesian at 7%), so the gate asks it only
about messages whose words the training data does not know, and believes it only when it
is fairly sure the text is in another language.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

__all__ = [
    "NO_LANGUAGE",
    "LanguageGuess",
    "guess_language",
    "knows_language",
    "language_code",
    "warm_up",
]

NO_LANGUAGE = "zxx"
"""The model's label for text with no language in it (a keyboard mash)."""

_load_lock = threading.Lock()


class LanguageGuess(NamedTuple):
    language: str
    probability: float
    expected: float
    """The probability of the language the caller expected."""


_loaded: Any = None


def _identifier() -> Any:
    global _loaded
    if _loaded is None:
        with _load_lock:  # half a second; two threads must not both pay it
            if _loaded is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _loaded = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _loaded


def language_code(language: str) -> str:
    """``tr`` of ``tr``, ``tr_TR`` or ``tr-TR``."""
    return language.lower().replace("-", "_").split("_")[0]


def knows_language(language: str) -> bool:
    """Can the model tell text in ``language`` from text in others?"""
    return language_code(language) in _identifier().nb_classes


def guess_language(text: str, expected: str) -> LanguageGuess:
    """The most likely language of ``text``, its probability, and that of ``expected``."""
    ranking = dict(_identifier().rank(text))
    best = max(ranking, key=ranking.__getitem__)
    expected_probability = float(ranking.get(language_code(expected), 0.0))
    return LanguageGuess(best, float(ranking[best]), expected_probability)


def warm_up() -> None:
    _identifier()
