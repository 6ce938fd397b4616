"""The Turkish normaliser and the amount and time extractors on generated text: they never
raise, their offsets point into the player's text, and amounts and durations written in
the usual ways are read back as written."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.nlu.components.normalizer import TextNormalizer, TurkishNormalizer
from bot.nlu.message import Message
from bot.nlu.turkish_numbers import find_amounts
from bot.nlu.turkish_time import find_times

pytestmark = pytest.mark.fuzz

WORDS = [
    "bin", "yüz", "beş", "on", "milyon", "lira", "tl", "TL", "₺", "$", "€", "usd", "euro",
    "dün", "akşam", "sabah", "gece", "saat", "gündür", "saattir", "haftadır", "önce",
    "geçen", "hafta", "ay", "yıl", "pazartesi", "yarım", "buçuk", "çekim", "yatırdım",
    "İSTANBUL", "ıIiİ", "şğüöç", "ŞĞÜÖÇ", "merhabaaaa", "1.500", "1,5", "2.000,50", "12:30",
    "0", "00", "-", ".", ",", ":", "%", "\u0307", "\u0327", "\u200b", "\ufeff", "\x00", "\n",
    "ﬁ", "ǅ", "ß", "ẞ", "\U0001f600", "٣", "Ⅻ",
]  # fmt: skip
SEPARATORS = st.sampled_from(["", " ", "  ", "\t", "-", "/"])
turkish_texts = st.lists(
    st.tuples(st.sampled_from(WORDS) | st.integers(0, 10**12).map(str), SEPARATORS),
    max_size=12,
).map(lambda parts: "".join(word + sep for word, sep in parts))
texts = turkish_texts | st.text(max_size=200)
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
) | st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2050, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=timezone(timedelta(hours=3)))
)
FOLDED_AWAY = set("şğıöüçŞĞİÖÜÇ")


@pytest.mark.parametrize("kind", [TurkishNormalizer, TextNormalizer])
@given(text=texts)
@example(text="İ\u0307i\u0307")
@example(text="a\u0327\u0327\u0327bbb\u200bccc")
@example(text="ǅ" * 5)
def test_the_normaliser_keeps_one_offset_per_character_in_order(
    kind: type[TurkishNormalizer], text: str
) -> None:
    normalizer = kind(language="tr", squash_min_run=3, deasciify=False, max_chars=2000)
    message = Message(text=text)
    normalizer.process(message)
    assert len(message.normalized) == len(message.folded) == len(message.offsets)
    assert list(message.offsets) == sorted(set(message.offsets))
    assert all(0 <= offset < len(text) for offset in message.offsets)
    if kind is TurkishNormalizer:
        assert not FOLDED_AWAY & set(message.folded)
    again = Message(text=message.normalized)
    normalizer.process(again)
    assert again.normalized == message.normalized  # normalising twice changes nothing


@given(text=texts)
@example(text="1e400 tl")
@example(text="²")  # a digit that is no decimal: float() refused it (a ValueError)
@example(text="٣٠٠ tl ³")
@example(text="99999999999999999999999 tl")
@example(text="1.000.000.000.000.000.000 TL")
def test_amounts_are_spans_of_the_text_with_finite_values(text: str) -> None:
    for match in find_amounts(text):
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.text
        assert math.isfinite(match.value) and match.value >= 0
        assert match.currency is None or match.currency.isupper()


@given(
    # Ten digits or more in a row read as a phone, IBAN or card number, by design.
    amount=st.integers(1, 999_999_999),
    form=st.sampled_from(["{dots} TL", "{plain}tl", "₺{plain}", "{dots} lira", "{plain} TL"]),
    before=st.sampled_from(["", "dün ", "yatırdığım ", "hesabıma "]),
)
def test_an_amount_written_in_lira_is_read_as_written(amount: int, form: str, before: str) -> None:
    dots = f"{amount:,}".replace(",", ".")
    text = before + form.format(dots=dots, plain=amount) + " gelmedi"
    found = [m for m in find_amounts(text) if m.has_currency]
    assert [(m.value, m.currency) for m in found] == [(float(amount), "TRY")]


@given(text=texts, now=moments)
@example(text="99999999999 yıl önce", now=datetime(2026, 12, 5, tzinfo=UTC))
@example(text="1000000 gündür", now=datetime(2026, 12, 5, tzinfo=UTC))
@example(text="31 şubat saat 25:61", now=datetime(2024, 2, 29, tzinfo=UTC))
@example(text="geçen ay", now=datetime(2026, 3, 31, tzinfo=UTC))
@example(text="9999 yıl sonra", now=datetime(2089, 12, 31, 23, 59, tzinfo=UTC))
def test_times_are_spans_of_the_text_with_iso_values(text: str, now: datetime) -> None:
    for match in find_times(text, now):
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.text
        moment = datetime.fromisoformat(match.value)
        assert moment.utcoffset() == now.utcoffset()
        assert match.kind in ("point", "duration")
        assert match.grain in ("second", "minute", "hour", "day", "week", "month", "year")
        if match.kind == "duration":
            assert match.duration_seconds is not None and match.duration_seconds >= 0


@given(
    count=st.integers(1, 500),
    unit=st.sampled_from([("gündür", 86_400), ("saattir", 3_600), ("dakikadır", 60)]),
    now=moments,
)
def test_a_duration_since_now_is_read_as_written(
    count: int, unit: tuple[str, int], now: datetime
) -> None:
    word, seconds = unit
    found = find_times(f"{count} {word} bekliyorum", now)
    assert [(m.kind, m.duration_seconds) for m in found] == [("duration", count * seconds)]
