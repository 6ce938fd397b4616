"""Turkish amounts of money: "1.500 TL", "1500tl'yi", "₺250", "bin beş yüz lira", "2,5 bin".

Matching runs on a lowered, diacritic-folded, squashed copy of the text (:class:`FoldedText`)
and maps spans back to the original. A span covers number and currency but never a suffix
("500 TL'yi" -> "500 TL", "1000 liramı" -> "1000 lira"). Numbers without a currency are
kept (``currency=None``) unless they look like a phone number, date, time, ordinal,
duration, count, percentage or identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu.turkish_text import fold_diacritics, squash_repeats, turkish_lower

__all__ = [
    "NUMBER_WORDS",
    "AmountMatch",
    "FoldedText",
    "NumberRead",
    "digit_value",
    "find_amounts",
    "fold_text",
    "read_number",
    "tokenize",
]

TOKEN_RE = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+|'[^\W\d_]+|[^\w\s]")
_RUN_RE = re.compile(r"([^\W\d_])\1\1")
_WORDS = {
    "sifir": ("unit", 0), "bir": ("unit", 1), "iki": ("unit", 2), "uc": ("unit", 3),
    "dort": ("unit", 4), "bes": ("unit", 5), "alti": ("unit", 6), "yedi": ("unit", 7),
    "sekiz": ("unit", 8), "dokuz": ("unit", 9), "on": ("ten", 10), "yirmi": ("ten", 20),
    "otuz": ("ten", 30), "kirk": ("ten", 40), "elli": ("ten", 50), "altmis": ("ten", 60),
    "yetmis": ("ten", 70), "seksen": ("ten", 80), "doksan": ("ten", 90),
    "yuz": ("hundred", 100), "bin": ("scale", 1e3), "milyon": ("scale", 1e6),
    "milyar": ("scale", 1e9), "yarim": ("half", 0.5), "bucuk": ("bucuk", 0.5),
}  # fmt: skip
NUMBER_WORDS = "|".join(sorted(_WORDS, key=len, reverse=True))
_WORD_RE = re.compile(NUMBER_WORDS)
# A token made of number words, maybe glued ("binbesyuz"), with an optional case suffix.
_NUMBER_TOKEN_RE = re.compile(
    rf"((?:{NUMBER_WORDS})+?)(lik|luk|i|u|e|a|ye|ya|de|da|te|ta|den|dan|ten|tan|le|la|in|un)?"
)
_CURRENCY_RE = re.compile(
    r"(usdt|usd|tl|try|lira|dolar|dollar|euro|eur|avro|btc|bitcoin|eth|tether|sterlin|gbp)"
    r"[a-z]*"
)
_ISO = {
    "tl": "TRY", "try": "TRY", "lira": "TRY", "₺": "TRY", "usd": "USD", "dolar": "USD",
    "dollar": "USD", "$": "USD", "eur": "EUR", "euro": "EUR", "avro": "EUR", "€": "EUR",
    "usdt": "USDT", "tether": "USDT", "btc": "BTC", "bitcoin": "BTC", "eth": "ETH",
    "sterlin": "GBP", "gbp": "GBP", "£": "GBP",
}  # fmt: skip
_SYMBOLS = frozenset("₺$€£")
# Phone numbers, dates, clock times and long digit runs (IBAN, card, TC kimlik no).
_BLOCK_RE = re.compile(
    r"(?=[\d+])(?<!\d)(?:(?:\+?90[\s-]?)?0?5\d\d[\s-]?\d{3}[\s-]?\d\d[\s-]?\d\d"
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d\d-\d\d|\d{1,2}:\d\d|\d(?:[\s-]?\d){9,})(?!\d)"
)
_UNIT_RE = re.compile(
    r"(?:saniye|dakika|dakka|saat|gun|hafta|yil|sene|kere|defa|tane|adet|kisi|yas|puan|hane"
    r"|dogum|numara|nolu)[a-z]*"
    r"|(?:sn|dk|ay|kez|x|gb|mb)(?:dir|dur|tir|tur|da|de|ta|te|lik|luk|i|u|dan|den|tan|ten)?"
    r"|(?:inci|nci|uncu|ncu|ocak|subat|mart|nisan|mayis|haziran|temmuz|agustos|eylul|ekim"
    r"|kasim|aralik)[a-z]*|'(?:inci|nci|uncu|ncu)"
)
# Words after which a bare number is an identifier, a percentage or a clock time.
_NOT_AFTER_RE = re.compile(
    r"[%#]|saat|yuzde|no|nolu|numara[a-z]*|id|tc|iban|kod[a-z]*|ref[a-z]*|hane[a-z]*"
    r"|sifre[a-z]*|sabah[a-z]*|aksam[a-z]*|gece[a-z]*|ogle[a-z]*"
)
_LOCATIVE = frozenset({"'de", "'da", "'te", "'ta", "de", "da", "te", "ta"})
_ORDINAL_DOT_RE = re.compile(r"\.\s*[^\W\d_]")
_CLOCK_RE = re.compile(r"(?:[01]?\d|2[0-3])\.[0-5]\d")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class FoldedText:
    """``text`` lowered (Turkish rules), folded and squashed, with offsets back to ``text``."""

    text: str
    key: str
    offsets: tuple[int, ...] | None  # None: character i of ``key`` is character i of ``text``

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``text`` that ``key[start:end]`` came from."""
        if self.offsets is None:
            return start, end
        o_end = self.offsets[end] if end < len(self.offsets) else len(self.text)
        o_start = self.offsets[start]
        while o_end > o_start and self.text[o_end - 1].isspace():
            o_end -= 1
        return o_start, o_end


@dataclass(frozen=True, slots=True)
class AmountMatch:
    start: int
    end: int
    value: float
    currency: str | None
    text: str

    @property
    def has_currency(self) -> bool:
        return self.currency is not None


@dataclass(frozen=True, slots=True)
class NumberRead:
    """A number read from tokens ``[first, stop)``; ``end`` is its key offset, suffix excluded."""

    value: float
    stop: int
    end: int
    words: int
    digits: bool
    scaled: bool


def fold_text(text: str) -> FoldedText:
    folded = fold_diacritics(turkish_lower(text))
    if not _RUN_RE.search(folded):
        return FoldedText(text, folded, None)
    key, offsets = squash_repeats(folded)
    return FoldedText(text, key, offsets)


def tokenize(key: str) -> list[re.Match[str]]:
    return list(TOKEN_RE.finditer(key))


def digit_value(token: str) -> float | None:
    """Value of a digit token: "1.500,50" -> 1500.5, "2,5" -> 2.5; None for "12.05.2024"."""
    if ":" in token:
        return None
    if "." in token and "," in token:
        dec = "." if token.rfind(".") > token.rfind(",") else ","
        whole, frac = token.rsplit(dec, 1)
        groups = whole.split("," if dec == "." else ".")
        return _join(groups, frac)
    sep = "." if "." in token else "," if "," in token else ""
    if not sep:
        return float(token)
    parts = token.split(sep)
    if len(parts) == 2 and (len(parts[1]) != 3 or parts[0] == "0" or len(parts[0]) > 3):
        return float(f"{parts[0]}.{parts[1]}")
    return _join(parts, "0")


def _join(groups: list[str], frac: str) -> float | None:
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        return None
    return float(f"{''.join(groups)}.{frac}")


def _atoms(token: str) -> tuple[list[tuple[str, float]], int] | None:
    """Number-word atoms of a token and the length of its stem (suffix excluded)."""
    if token[0].isdecimal():
        value = digit_value(token)
        return None if value is None else ([("digit", value)], len(token))
    if token == "k":
        return [("scale", 1e3)], 1
    match = _NUMBER_TOKEN_RE.fullmatch(token)
    if match is None:
        return None
    return [_WORDS[w] for w in _WORD_RE.findall(match[1])], len(match[1])


def read_number(key: str, tokens: list[re.Match[str]], first: int) -> NumberRead | None:
    """Read a number starting at ``tokens[first]``: digits, words or both ("5 bin 500")."""
    total, group, cap = 0.0, -1.0, 1e12  # group -1: no group started
    has_h = has_t = has_u = closed = half = False
    i, end, words, digits, scaled = first, 0, 0, False, False
    while i < len(tokens):
        tok, text = tokens[i], tokens[i][0]
        if i > first and tok.start() != end and not key[end : tok.start()].isspace():
            break
        glued_k = i > first and tok.start() == end and tokens[i - 1][0][0].isdecimal()
        if text == "k" and not glued_k:  # "5k", not a "k" alone
            break
        read = _atoms(text)
        if read is None:
            break
        atoms, stem = read
        state = (total, group, cap, has_h, has_t, has_u, closed, half, scaled)
        for kind, value in atoms:
            if kind == "unit" and not (has_u or closed):
                group, has_u = max(group, 0) + value, True
            elif kind == "ten" and not (has_t or has_u or closed):
                group, has_t = max(group, 0) + value, True
            elif kind == "hundred" and not (has_h or has_t or closed):
                group, has_h, has_u = max(group, 1) * 100, True, False
            elif kind in ("digit", "half") and group < 0 and value < cap:
                group, closed, half = value, True, kind == "half"
            elif kind == "bucuk" and 0 < group < 100 and group == int(group):
                group, closed = group + 0.5, True
            elif kind == "scale" and value < cap and group < 1000:
                total, group, cap = total + (group if group >= 0 else 1) * value, -1.0, value
                has_h = has_t = has_u = closed = half = False
                scaled = True
            else:
                total, group, cap, has_h, has_t, has_u, closed, half, scaled = state
                break
        else:
            i, end = i + 1, tok.start() + stem
            digits = digits or text[0].isdecimal()
            words += len(atoms) if text[0].isalpha() and text != "k" else 0
            if stem < len(text):
                break
            continue
        break
    if i == first or half:  # "yarım" counts only before a scale word: "yarım milyon"
        return None
    return NumberRead(total + max(group, 0), i, end, words, digits, scaled)


def find_amounts(text: str) -> list[AmountMatch]:
    """Every amount of money (or plausible bare number) in ``text``, left to right."""
    fold = fold_text(text)
    tokens = tokenize(fold.key)
    blocked = [m.span() for m in _BLOCK_RE.finditer(fold.key)]
    found: list[AmountMatch] = []
    i = 0
    while i < len(tokens):
        head = tokens[i][0]
        maybe = head[0].isdecimal() or head in _SYMBOLS or _WORD_RE.match(head)
        step = _amount_at(fold, tokens, i, blocked) if maybe else None
        if step is None:
            i += 1
            continue
        match, i = step
        if match is not None:
            found.append(match)
    return found


def _amount_at(
    fold: FoldedText, tokens: list[re.Match[str]], i: int, blocked: list[tuple[int, int]]
) -> tuple[AmountMatch | None, int] | None:
    key, start, first, currency = fold.key, tokens[i].start(), i, None
    glued = i + 1 < len(tokens) and len(key[tokens[i].end() : tokens[i + 1].start()]) <= 1
    if tokens[i][0] in _SYMBOLS and glued:
        currency, first = _ISO[tokens[i][0]], i + 1
    num = read_number(key, tokens, first)
    if num is None:
        return None
    end, stop = num.end, num.stop
    if currency is None and (after := _currency_after(key, tokens, stop, end)) is not None:
        currency, end, stop = after[0], after[1], stop + 1
    if any(b_start < end and start < b_end for b_start, b_end in blocked):
        return None, stop
    if currency is None and not _plausible_bare(key, tokens, first, num):
        return None, stop
    o_start, o_end = fold.span(start, end)
    return AmountMatch(o_start, o_end, num.value, currency, fold.text[o_start:o_end]), stop


def _currency_after(
    key: str, tokens: list[re.Match[str]], j: int, end: int
) -> tuple[str, int] | None:
    if j >= len(tokens) or len(gap := key[end : tokens[j].start()]) > 2 or gap.strip():
        return None
    text = tokens[j][0]
    if text in _SYMBOLS:
        return _ISO[text], tokens[j].end()
    match = _CURRENCY_RE.fullmatch(text)
    return None if match is None else (_ISO[match[1]], tokens[j].start() + len(match[1]))


def _inside_identifier(key: str, start: int) -> bool:
    """Digits that end a username or e-mail ("berk_55", "emre.58", "#123")."""
    before = key[start - 1] if start else ""
    if before and before in "_@#":
        return True
    return before == "." and start >= 2 and key[start - 2].isalpha()


def _plausible_bare(key: str, tokens: list[re.Match[str]], first: int, num: NumberRead) -> bool:
    """Whether a number without currency may be an amount ("500 yatırdım", not "3. gün")."""
    prev = tokens[first - 1] if first else None
    if prev is not None and _NOT_AFTER_RE.fullmatch(prev[0]):
        return False
    if not num.digits:
        # "bin beş yüz" is an amount; a lone "bin" or "yüz" is an idiom ("bin teşekkürler").
        return num.value >= 100 and num.words >= 2
    if _inside_identifier(key, tokens[first].start()):
        return False
    head = tokens[first][0]
    following = tokens[num.stop][0] if num.stop < len(tokens) else ""
    # "3'te", "2024'te": a clock hour or a year in the locative, not an amount.
    at_clock_or_year = (
        following in _LOCATIVE
        and tokens[num.stop].start() == num.end
        and (num.value <= 24 or _YEAR_RE.fullmatch(head) is not None)
    )
    return not (
        num.value == 0
        or (head[0] == "0" and head[1:2] not in (".", ","))
        or (prev is not None and prev.end() == tokens[first].start() and prev[0][0].isalpha())
        or following == "%"
        or _UNIT_RE.fullmatch(following) is not None
        or _ORDINAL_DOT_RE.match(key, num.end) is not None
        or (not num.scaled and _CLOCK_RE.fullmatch(head) is not None)
        or at_clock_or_year
    )
