"""Personal data in free text: TC kimlik numbers, IBANs, card and phone numbers, e-mail
addresses and one-time codes, found and masked.

A number counts only when it is what it claims to be: a TC kimlik number passes both of
its check digits, an IBAN (TR, 24 digits) its ISO 13616 mod-97 check, a card number
(13-19 digits) Luhn's. A random 11-digit number is not a TC kimlik number and stays as
written, unless its type is masked *regardless* of the checksum (:class:`Masking`).
Phones are Turkish: ``+90 5xx xxx xx xx``, ``05xx ...``, ``5xxxxxxxxx``, and landlines
with their ``0`` or ``+90``. A one-time code is six digits next to a word such as kod,
code, şifre or OTP, or a message that is nothing but six digits. Amounts ("1.500 TL",
"150000 TL"), dates and decimals are left alone.

The mask keeps what an agent needs to tell two values apart and nothing more: every
masked digit becomes ``*`` one for one, separators and prefixes stay, and the last
digits show (none of a code)::

    TC kimlik   12345678950                       *********50
    IBAN        TR33 0006 1005 1978 6457 8413 26  TR** **** **** **** **** **** 26
    card        4543 5912 3456 7890 (Luhn-valid)  **** **** **** 7890
    phone       +90 532 123 45 67                 +90 5** *** ** 67
    e-mail      ali.veli@example.com              a***@example.com
    code        kod 482913                        kod ******

Every pattern is bounded and none is nested, and digit groups are joined in one pass, so
masking costs time linear in the text (a 100 KB line of digits takes milliseconds).
This module imports nothing of Destek's rooms: logs, stores and the console all use it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "CARD",
    "CHECKSUM_TYPES",
    "EMAIL",
    "EVERYTHING",
    "IBAN",
    "OTP",
    "PHONE",
    "PII_TYPES",
    "TCKN",
    "Found",
    "Masking",
    "find_pii",
    "iban_valid",
    "luhn_valid",
    "mask_pii",
    "masked",
    "star_digits",
    "tckn_valid",
]

TCKN, IBAN, CARD, PHONE, EMAIL, OTP = "tckn", "iban", "card", "phone", "email", "otp"
PII_TYPES = (TCKN, IBAN, CARD, PHONE, EMAIL, OTP)
CHECKSUM_TYPES = (TCKN, IBAN, CARD)
"""The types whose numbers carry a checksum, so that masking them *regardless* means
something."""


@dataclass(frozen=True, slots=True)
class Masking:
    """Which types to mask, and which of those also when their checksum fails."""

    types: frozenset[str] = frozenset(PII_TYPES)
    regardless: frozenset[str] = frozenset()


EVERYTHING = Masking()


@dataclass(frozen=True, slots=True)
class Found:
    """One value of ``kind`` at ``text[start:end]``."""

    kind: str
    start: int
    end: int


# An address starts where a run of its characters starts (the lookbehind), never inside
# it: from any other position the scan would be quadratic in a long run of letters.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_RUN = re.compile(r"[0-9]{1,64}")
_GAP_CHARS = frozenset(" -()\u00a0")  # between the digit groups of one written number
_MAX_GAP = 3  # ") " or " - "
_MAX_GROUPS = 8  # "0 (532) 123 45 67" has 5, "TR33 0006 1005 1978 6457 8413 26" 7
_CODE_WORD = re.compile(r"kod|code|[şs]ifre|parola|otp|sms|pin|do[ğg]rulama", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"\s?(?:tl|try|lira|₺)", re.IGNORECASE)
_CURRENCY_FIRST = frozenset(" \t\ntTlL₺")
_CODE_LENGTH = 6
_CARD_LENGTHS = range(19, 12, -1)  # the longest reading first
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # Luhn: a doubled digit's digit sum


def tckn_valid(digits: str) -> bool:
    """Both check digits of a TC kimlik number hold (and it has 11, the first not 0)."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    d = [int(c) for c in digits]
    if (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10 != d[9]:
        return False
    return sum(d[:10]) % 10 == d[10]


def iban_valid(iban: str) -> bool:
    """A Turkish IBAN (``TR`` and 24 digits, spaces ignored) whose ISO 13616 mod-97 is 1."""
    compact = iban.replace(" ", "").upper()
    if len(compact) != 26 or not compact.startswith("TR") or not compact[2:].isdecimal():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def luhn_valid(digits: str) -> bool:
    """Luhn's check of a card number (digits only)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = sum(map(int, digits[-1::-2])) + sum(_DOUBLED[int(c)] for c in digits[-2::-2])
    return total % 10 == 0


def star_digits(text: str, keep_first: int = 0, keep_last: int = 0) -> str:
    """``text`` with its digits turned to ``*``, but the first ``keep_first`` and the last
    ``keep_last`` of them; everything else is kept."""
    count = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for char in text:
        if char.isdigit():
            seen += 1
            if keep_first < seen <= count - keep_last:
                char = "*"
        out.append(char)
    return "".join(out)


def masked(kind: str, value: str) -> str:
    """``value`` (a whole value of ``kind``) as the scheme of the module docstring shows it."""
    if kind == EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if kind == PHONE:
        digits = "".join(c for c in value if c.isdigit())
        prefix = {12: 3, 11: 2}.get(len(digits), 1)  # 90 5.., 0 5.., 5..
        return star_digits(value, keep_first=prefix, keep_last=2)
    if kind == CARD:
        return star_digits(value, keep_last=4)
    if kind in (TCKN, IBAN):
        return star_digits(value, keep_last=2)
    return star_digits(value)


def mask_pii(text: str, masking: Masking = EVERYTHING, *, bare_codes: bool = False) -> str:
    """``text`` with every value :func:`find_pii` finds masked.

    ``bare_codes``: any six-digit number is a one-time code, with no keyword near it
    (for texts that quote a player's messages, such as a handover summary).
    """
    found = find_pii(text, masking, bare_codes=bare_codes)
    if not found:
        return text
    parts, position = [], 0
    for item in found:
        parts += [text[position : item.start], masked(item.kind, text[item.start : item.end])]
        position = item.end
    parts.append(text[position:])
    return "".join(parts)


def find_pii(text: str, masking: Masking = EVERYTHING, *, bare_codes: bool = False) -> list[Found]:
    """The values of the types ``masking`` names, in order and not overlapping."""
    found: list[Found] = []
    if EMAIL in masking.types and "@" in text:
        found = [Found(EMAIL, m.start(), m.end()) for m in _EMAIL.finditer(text)]
    if any(kind in masking.types for kind in (TCKN, IBAN, CARD, PHONE, OTP)):
        lone = text.strip()
        alone = len(lone) <= 8 and lone.replace(" ", "").isdigit()  # "482913", "482 913"
        numbers = list(_numbers(text, masking, bare_codes or alone))
        if numbers:
            found = _without_overlaps(sorted(found + numbers, key=lambda f: f.start))
    return found


def _without_overlaps(found: list[Found]) -> list[Found]:
    kept: list[Found] = []
    for item in found:
        if not kept or item.start >= kept[-1].end:
            kept.append(item)
    return kept


@dataclass(frozen=True, slots=True)
class _Group:
    """Digits written together; whether a number may start or end with them (not after
    or before a decimal mark, not before a currency)."""

    start: int
    end: int
    digits: str
    can_start: bool
    can_end: bool


def _group(text: str, start: int, end: int) -> _Group:
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    can_end = not _decimal_mark(after) and not (
        after[:1] in _CURRENCY_FIRST and _amount_ends(text, end)
    )
    return _Group(start, end, text[start:end], not _decimal_mark(before[::-1]), can_end)


def _chains(text: str) -> Iterator[list[_Group]]:
    """Runs of digit groups written as one number: groups apart by at most three of
    space, dash and parentheses. A run longer than the pattern's bound continues the
    group it was cut from."""
    chain: list[_Group] = []
    for match in _RUN.finditer(text):
        start, end = match.span()
        if chain and start == chain[-1].end:
            chain[-1] = _group(text, chain[-1].start, end)
            continue
        gap = text[chain[-1].end : start] if chain else ""
        if chain and not (len(gap) <= _MAX_GAP and all(c in _GAP_CHARS for c in gap)):
            yield chain
            chain = []
        chain.append(_group(text, start, end))
    if chain:
        yield chain


def _numbers(text: str, masking: Masking, bare_codes: bool) -> Iterator[Found]:
    for chain in _chains(text):
        index = 0
        while index < len(chain):
            found = _number_at(text, chain, index, masking, bare_codes)
            if found is None:
                index += 1
                continue
            kind, last = found
            start = chain[index].start
            if kind == PHONE and text[start - 1 : start] == "+":
                start -= 1
            if kind == IBAN:
                start = _iban_start(text, start)
            if kind:
                yield Found(kind, start, chain[last].end)
            index = last + 1


def _number_at(
    text: str, chain: list[_Group], first: int, masking: Masking, bare_codes: bool
) -> tuple[str, int] | None:
    """The kind of the number whose first group is ``chain[first]`` and the index of its
    last group; ``("", last)`` for digits to skip (an IBAN that fails its check); None
    when no number starts there."""
    if not chain[first].can_start:
        return None  # the decimals of "3.14..." or the thousands of "1.500"
    candidates, lengths = _plan(masking)
    ends: dict[int, tuple[int, str]] = {}  # a length -> the last group and the digits
    digits = ""
    for last in range(first, min(len(chain), first + _MAX_GROUPS)):
        digits += chain[last].digits
        if len(digits) > 24:
            break
        if len(digits) in lengths and chain[last].can_end:
            ends[len(digits)] = (last, digits)
    if not ends:
        return None
    start = chain[first].start
    if 24 in ends and _iban_start(text, start) != start:
        last, digits = ends[24]
        return (IBAN if IBAN in masking.regardless or iban_valid("TR" + digits) else "", last)
    international = text[start - 1 : start] == "+"  # "+90 ...": only a phone
    for kind, length in candidates:
        last, digits = ends.get(length, (-1, ""))
        if last < 0 or (international and kind != PHONE) or not _is(kind, digits, masking):
            continue
        if kind == CARD and not _card_grouping([g.end - g.start for g in chain[first : last + 1]]):
            continue
        if kind == TCKN and last != first:
            continue  # written in one piece
        if kind != OTP:
            return kind, last
        if last - first < 2 and (bare_codes or _near_code_word(text, start, chain[last].end)):
            return kind, last
    return None


def _card_grouping(sizes: list[int]) -> bool:
    """How card numbers are written: in one piece, in fours (the last group shorter for
    19 digits), or 4-6-5 (American Express) and 4-6-4 (Diners). A run of other numbers
    that happens to pass Luhn is not grouped so."""
    if len(sizes) == 1 or (all(s == 4 for s in sizes[:-1]) and sizes[-1] <= 4):
        return True
    return len(sizes) == 3 and sizes[:2] == [4, 6]


@functools.lru_cache(maxsize=32)
def _plan(masking: Masking) -> tuple[tuple[tuple[str, int], ...], frozenset[int]]:
    """The kinds of number to try, in order, with their lengths in digits; and every
    length worth noting (an IBAN's 24 too)."""
    candidates: list[tuple[str, int]] = []
    if CARD in masking.types:
        candidates += [(CARD, n) for n in _CARD_LENGTHS]
    if TCKN in masking.types:
        candidates.append((TCKN, 11))
    if PHONE in masking.types:
        candidates += [(PHONE, n) for n in (12, 11, 10)]
    if OTP in masking.types:
        candidates.append((OTP, _CODE_LENGTH))
    lengths = {n for _, n in candidates} | ({24} if IBAN in masking.types else set())
    return tuple(candidates), frozenset(lengths)


def _is(kind: str, digits: str, masking: Masking) -> bool:
    regardless = kind in masking.regardless
    if kind == CARD:
        return regardless or luhn_valid(digits)
    if kind == TCKN:  # never a phone: 11 digits of a phone start with 0
        return digits[0] != "0" and (regardless or tckn_valid(digits))
    if kind == PHONE:
        prefix, national = digits[:-10], digits[-10:]
        if prefix not in ("90", "0", ""):
            return False
        return national[0] == "5" or (prefix != "" and national[0] in "234")
    return True  # six digits: a code where a keyword or the caller says so


def _decimal_mark(pair: str) -> bool:
    """``pair`` is a decimal or thousands mark and a digit: the digits it touches are
    part of "3.14" or "1.500", not a number of their own."""
    return len(pair) == 2 and pair[0] in ".," and pair[1].isdigit()


def _amount_ends(text: str, end: int) -> bool:
    """A currency follows the digits ending at ``end``: "150000 TL", "500₺"."""
    after = _CURRENCY_AFTER.match(text, end)
    return after is not None and (after.end() >= len(text) or not text[after.end()].isalpha())


def _iban_start(text: str, start: int) -> int:
    """Where the IBAN whose digits begin at ``start`` begins: at its "TR" (or "TR ")
    when one stands there on its own, else ``start``."""
    for prefix in ("TR", "TR "):
        at = start - len(prefix)
        if at >= 0 and text[at:start].upper() == prefix and (at == 0 or not text[at - 1].isalnum()):
            return at
    return start


def _near_code_word(text: str, start: int, end: int) -> bool:
    """A word such as kod, code or şifre just before or after the digits."""
    before = _CODE_WORD.search(text, max(0, start - 24), start)
    return before is not None or _CODE_WORD.search(text, end, end + 16) is not None
