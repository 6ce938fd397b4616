"""Turkish-aware text primitives: casing, diacritic folding and letter squashing.

Python's ``str.lower()`` maps "I" to "i" and "İ" to "i" + U+0307; Turkish maps "I" to "ı"
and "İ" to "i". Every function here keeps one output character per input character,
except :func:`squash_repeats`, which reports where each kept character came from.
"""

from __future__ import annotations

__all__ = [
    "fold_diacritics",
    "normalize_for_match",
    "squash_repeats",
    "turkish_lower",
    "turkish_upper",
]

_LOWER = str.maketrans({"I": "ı", "İ": "i"})
_UPPER = str.maketrans({"i": "İ", "ı": "I"})
_FOLD = str.maketrans(
    {
        "ş": "s",
        "ğ": "g",
        "ı": "i",
        "ö": "o",
        "ü": "u",
        "ç": "c",
        "Ş": "S",
        "Ğ": "G",
        "İ": "I",
        "Ö": "O",
        "Ü": "U",
        "Ç": "C",
        "â": "a",
        "î": "i",
        "û": "u",
        "Â": "A",
        "Î": "I",
        "Û": "U",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
    }
)


def turkish_lower(text: str) -> str:
    """Lower-case with Turkish rules; the result has the same length as ``text``."""
    lowered = text.translate(_LOWER).lower()
    if len(lowered) != len(text):
        # Rare characters expand when lowered (none in Turkish); lower one at a time.
        lowered = "".join(
            ch.lower() if len(ch.lower()) == 1 else ch for ch in text.translate(_LOWER)
        )
    return lowered


def turkish_upper(text: str) -> str:
    return text.translate(_UPPER).upper()


def fold_diacritics(text: str) -> str:
    """ş ğ ı ö ü ç (and â î û) to their plain letters, so "şifre" and "sifre" meet."""
    return text.translate(_FOLD)


def squash_repeats(text: str, min_run: int = 3) -> tuple[str, tuple[int, ...]]:
    """Cut a run of ``min_run`` or more of one letter to one ("merhabaaa" -> "merhaba").

    Doubled letters are Turkish ("saat", "unuttum") and stay; digits and punctuation are
    left alone ("1000" stays). Returns the squashed text and, for each of its characters,
    the index it came from in ``text``.
    """
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        j = i + 1
        while j < n and text[j] == ch:
            j += 1
        count = j - i if ch.isalpha() and j - i >= min_run else 1
        if count == 1:
            out.extend(text[i:j])
            offsets.extend(range(i, j))
        else:
            out.append(ch)
            offsets.append(i)
        i = j
    return "".join(out), tuple(offsets)


def normalize_for_match(text: str) -> str:
    """The key used wherever two spellings must compare equal: lowered, folded, squashed."""
    squashed, _ = squash_repeats(fold_diacritics(turkish_lower(text)))
    return " ".join(squashed.split())
