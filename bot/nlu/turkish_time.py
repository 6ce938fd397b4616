"""Turkish relative time: "dün akşam", "2 gündür", "yarım saat önce", "geçen cuma", "saat 14:30'da".

Points resolve against ``now`` to the most recent past occurrence unless the words say
otherwise ("yarın", "10 dakika sonra"). Durations ("3 saattir", "dünden beri") give the
start of the interval and its length up to ``now``. Matching runs on the folded text of
:mod:`bot.nlu.turkish_numbers`, so "dun aksam" and "2 gundur" work; offsets are original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.nlu.turkish_numbers import NUMBER_WORDS, fold_text, read_number, tokenize

__all__ = ["TimeMatch", "find_times"]

_UNIT_RE = re.compile(
    r"(saniye|sn|dakika|dakka|dk|saat|gun|hafta|ay|yil|sene)(dir|dur|tir|tur|dan|den|tan|ten)?"
)
_UNITS = {
    "saniye": ("second", 1), "sn": ("second", 1), "dakika": ("minute", 60),
    "dakka": ("minute", 60), "dk": ("minute", 60), "saat": ("hour", 3600),
    "gun": ("day", 86400), "hafta": ("week", 604800), "ay": ("month", 0), "yil": ("year", 0),
    "sene": ("year", 0),
}  # fmt: skip
_DAY_RE = re.compile(r"(bugun|dun|yarin)(ku|ki|den|dan|e|a|de|da)?")
_DAY_SHIFT = {
    "bugun": 0, "dun": -1, "yarin": 1, "evvelsi": -2, "evvelki": -2, "onceki": -2, "obur": 2,
}  # fmt: skip
_GUN_RE = re.compile(r"gun(u|den|dan|de|ku|nu|unden)?")
_WEEKDAY_RE = re.compile(
    r"(pazartesi|sali|carsamba|persembe|cumartesi|cuma|pazar)(ya|ye|a|e|yi|i|dan|den|da|de|si|ki)?"
)
_WEEKDAYS = {
    "pazartesi": 0, "sali": 1, "carsamba": 2, "persembe": 3, "cuma": 4, "cumartesi": 5,
    "pazar": 6,
}  # fmt: skip
_PERIOD_RE = re.compile(r"(hafta|ay|yil|sene)(ki|dan|den|da|de|ya|a)?")
_PART_RE = re.compile(
    r"(sabah|oglen|ogle|aksam|gece)(i|u|si|ki|leyin|dan|den|tan|ten|da|de|ta|te)?"
)
_PART_HOUR = {"sabah": 6, "ogle": 12, "oglen": 12, "aksam": 18, "gece": 22, "ogleden sonra": 13}
_CLOCK_RE = re.compile(r"([01]?\d|2[0-4])(?:[:.]([0-5]\d))?")
_PAST, _LAST = frozenset({"once", "evvel"}), frozenset({"gecen", "gectigimiz"})
_ONGOING = frozenset({"oldu", "olmus", "oluyor", "gecti", "gecmis"})
_CASE_RE = re.compile(r"'?(?:da|de|ta|te|dan|den|tan|ten)")
_ROUGHLY = frozenset({"kadar", "gibi", "civari", "civarinda", "sularinda", "falan"})
_ABLATIVE = ("dan", "den", "tan", "ten")
_LONGEST = 100 * 365 * 86400  # seconds; "milyon gündür" is not a time
# The words a time expression can start with: a cheap test before the parsers run.
_START_RE = re.compile(
    rf"\d|{NUMBER_WORDS}|az|biraz|demin|bugun|dun|yarin|evvel|onceki|obur|gec|bu"
    r"|pazar|sali|carsamba|persembe|cuma|sabah|ogle|aksam|gece|saat"
)


@dataclass(frozen=True, slots=True)
class TimeMatch:
    start: int
    end: int
    text: str
    value: str  # ISO-8601: the point, or the start of a duration
    grain: str  # second, minute, hour, day, week, month, year
    kind: str  # "point" or "duration"
    duration_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class _Hit:
    stop: int  # token index after the expression
    when: datetime
    grain: str
    kind: str = "point"


def find_times(text: str, now: datetime) -> list[TimeMatch]:
    """Every time expression in ``text``, resolved against ``now`` (its tzinfo is kept)."""
    fold = fold_text(text)
    tokens = tokenize(fold.key)
    words = [t[0] for t in tokens]
    now = now.replace(microsecond=0)
    found: list[TimeMatch] = []
    i = 0
    while i < len(words):
        hit = None
        if _START_RE.match(words[i]):
            hit = _relative_at(fold.key, tokens, words, i, now) or _point_at(words, i, now)
        if hit is None:
            i += 1
            continue
        hit = _since(words, hit, now)
        start, end = fold.span(tokens[i].start(), tokens[hit.stop - 1].end())
        seconds = int((now - hit.when).total_seconds()) if hit.kind == "duration" else None
        value = hit.when.isoformat(timespec="seconds")
        found.append(TimeMatch(start, end, text[start:end], value, hit.grain, hit.kind, seconds))
        i = hit.stop
    return found


def _relative_at(
    key: str, tokens: list[re.Match[str]], words: list[str], i: int, now: datetime
) -> _Hit | None:
    """ "2 gündür", "yarım saat önce", "1 saat 20 dakika önce", "3 günden beri", "1 saat oldu"."""
    if words[i] in ("az", "biraz", "demin"):
        return _recent_at(words, i, now)
    seconds, months, suffix, j, unit = 0.0, 0.0, "", i, ""
    while (amount := _amount_of_time(key, tokens, words, j)) is not None:
        quantity, unit, suffix, j = amount
        grain, size = _UNITS[unit]
        seconds += quantity * size
        months += quantity * (12 if grain == "year" else 1) * (size == 0)
        if suffix:
            break
    if not unit or seconds > _LONGEST or months > _LONGEST / 2629800:
        return None
    k = j + 1 if _at(words, j) in _ROUGHLY else j
    nxt = _at(words, k)
    if suffix in ("dir", "dur", "tir", "tur"):
        stop, kind, sign = j, "duration", -1
    elif suffix in _ABLATIVE and (nxt == "beri" or (nxt == "bu" and _at(words, k + 1) == "yana")):
        stop, kind, sign = k + 1 + (nxt == "bu"), "duration", -1
    elif not suffix and (nxt in _PAST or nxt in _ONGOING):
        stop, kind, sign = k + 1, "duration" if nxt in _ONGOING else "point", -1
    elif not suffix and nxt == "sonra":
        stop, kind, sign = k + 1, "point", 1
    else:
        return None
    when = _add_months(now, sign * int(months))
    when += sign * timedelta(seconds=seconds + (months - int(months)) * 30 * 86400)
    grain, size = _UNITS[unit]
    if kind == "point" and grain != "second":
        when = _midnight(when) if size == 0 or size >= 86400 else when.replace(second=0)
    return _Hit(stop, when, grain, kind)


def _amount_of_time(
    key: str, tokens: list[re.Match[str]], words: list[str], j: int
) -> tuple[float, str, str, int] | None:
    """ "2 gün", "yarım saat", "on beş dakikadır": (quantity, unit, suffix, index after)."""
    if j >= len(words):
        return None
    if words[j] == "yarim":
        quantity, j = 0.5, j + 1
    else:
        number = read_number(key, tokens, j)
        if number is None or number.end != tokens[number.stop - 1].end():
            return None
        quantity, j = number.value, number.stop
    unit = _UNIT_RE.fullmatch(_at(words, j))
    if unit is None:
        return None
    suffix, j = unit[2] or "", j + 1
    if not suffix and _at(words, j).startswith("'"):
        suffix, j = words[j][1:], j + 1
    return quantity, unit[1], suffix, j


def _recent_at(words: list[str], i: int, now: datetime) -> _Hit | None:
    """ "az önce" / "demin" (about 5 minutes ago), "biraz önce" (about 15)."""
    if words[i] == "demin":
        return _Hit(i + 1, (now - timedelta(minutes=5)).replace(second=0), "minute")
    if i + 1 < len(words) and words[i + 1] in _PAST:
        minutes = 5 if words[i] == "az" else 15
        return _Hit(i + 2, (now - timedelta(minutes=minutes)).replace(second=0), "minute")
    return None


def _point_at(words: list[str], i: int, now: datetime) -> _Hit | None:
    """[day] [part of day] [clock]: "dün akşam", "bu sabah", "cuma günü", "saat 14:30'da"."""
    day = _day_at(words, i, now)
    if day is not None and day.grain != "day":
        return day
    j = day.stop if day is not None else i + (words[i] == "bu")
    part = _part_at(words, j)
    if day is None and j > i and part is None:
        return None
    after = "part" if part else "day" if day else ""
    clock = _clock_at(words, part[1] if part else j, after)
    if clock is None:
        if part is not None:
            base = day.when if day else _midnight(now)
            when = base.replace(hour=_PART_HOUR[part[0]])
            if day is None and j == i and when > now:
                when -= timedelta(days=1)
            return _Hit(part[1], when, "hour")
        return day
    hour, minute, stop = clock
    name = part[0] if part else ""
    if name == "gece" and hour == 12:
        hour = 0
    if name in ("aksam", "ogleden sonra") or (name == "gece" and 6 <= hour < 12):
        hour = hour + 12 if hour < 12 else hour
    base = day.when if day else _midnight(now)
    if name == "gece" and hour < 6 and day is not None:
        base += timedelta(days=1)
    ambiguous = not name and 1 <= hour <= 11
    if ambiguous and day is not None and hour < 7:
        hour += 12
    when = base.replace(hour=hour % 24, minute=minute or 0)
    if day is None and j == i:  # no anchor: the most recent past such clock time
        options = [when, when.replace(hour=hour + 12)] if ambiguous else [when]
        past = [option for option in options if option <= now]
        when = max(past) if past else options[-1] - timedelta(days=1)
    return _Hit(stop, when, "hour" if minute is None else "minute")


def _day_at(words: list[str], i: int, now: datetime) -> _Hit | None:
    word, nxt = words[i], words[i + 1] if i + 1 < len(words) else ""
    today = _midnight(now)
    if (day := _DAY_RE.fullmatch(word)) is not None:
        if word == "dunden" and nxt == "onceki" and _GUN_RE.fullmatch(_at(words, i + 2)):
            return _Hit(i + 3, today - timedelta(days=2), "day")
        return _Hit(i + 1, today + timedelta(days=_DAY_SHIFT[day[1]]), "day")
    if word in ("evvelsi", "evvelki", "onceki", "obur") and _GUN_RE.fullmatch(nxt):
        return _Hit(i + 2, today + timedelta(days=_DAY_SHIFT[word]), "day")
    last = word in _LAST
    if (last or word == "bu") and (period := _PERIOD_RE.fullmatch(nxt)) is not None:
        return _period(words, i + 2, today, period[1], -1 if last else 0)
    weekday = _WEEKDAY_RE.fullmatch(nxt if last else word)
    if weekday is None:
        return None
    stop = i + 1 + last
    stop += _GUN_RE.fullmatch(_at(words, stop)) is not None
    back = (now.weekday() - _WEEKDAYS[weekday[1]]) % 7 or 7
    return _Hit(stop, today - timedelta(days=back), "day")


def _period(words: list[str], stop: int, today: datetime, name: str, shift: int) -> _Hit:
    """ "geçen hafta" (its Monday), "bu ay", "geçen yıl"; "geçen hafta cuma" is that Friday."""
    if name == "hafta":
        monday = today - timedelta(days=today.weekday() - 7 * shift)
        weekday = _WEEKDAY_RE.fullmatch(_at(words, stop))
        if weekday is None:
            return _Hit(stop, monday, "week")
        stop += 1 + (_GUN_RE.fullmatch(_at(words, stop + 1)) is not None)
        return _Hit(stop, monday + timedelta(days=_WEEKDAYS[weekday[1]]), "day")
    if name == "ay":
        return _Hit(stop, _add_months(today.replace(day=1), shift), "month")
    return _Hit(stop, today.replace(year=today.year + shift, month=1, day=1), "year")


def _part_at(words: list[str], j: int) -> tuple[str, int] | None:
    part = _PART_RE.fullmatch(_at(words, j))
    if part is None:
        return None
    if part[0] == "ogleden" and _at(words, j + 1) == "sonra":
        return "ogleden sonra", j + 2
    return part[1], j + 1


def _clock_at(words: list[str], j: int, after: str) -> tuple[int, int | None, int] | None:
    """ "saat 3", "14:30'da", "akşam 8'de", "cuma 3'te": (hour, minute or None, stop).

    A bare number is a clock time after a part of the day, or after a day when a case
    suffix follows; otherwise "saat" or a colon is needed.
    """
    has_saat = _at(words, j) == "saat"
    token = _at(words, j + has_saat)
    clock = _CLOCK_RE.fullmatch(token)
    stop = j + has_saat + 1
    cased = _CASE_RE.fullmatch(_at(words, stop)) is not None
    if clock is None or not (has_saat or ":" in token or after == "part" or (after and cased)):
        return None
    stop += cased
    stop += _at(words, stop) in _ROUGHLY
    return int(clock[1]), int(clock[2]) if clock[2] else None, stop


def _since(words: list[str], hit: _Hit, now: datetime) -> _Hit:
    """A point in the ablative followed by "beri" / "bu yana" is a duration up to now."""
    if hit.kind != "point" or not words[hit.stop - 1].endswith(_ABLATIVE) or hit.when > now:
        return hit
    if _at(words, hit.stop) == "beri":
        return replace(hit, stop=hit.stop + 1, kind="duration")
    if _at(words, hit.stop) == "bu" and _at(words, hit.stop + 1) == "yana":
        return replace(hit, stop=hit.stop + 2, kind="duration")
    return hit


def _at(words: list[str], i: int) -> str:
    return words[i] if i < len(words) else ""


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31,
            30, 31, 31, 30, 31, 30, 31]  # fmt: skip
    return moment.replace(year=year, month=month + 1, day=min(moment.day, days[month]))
