"""The PII maskers on generated text: valid numbers never leave in clear, masking never
raises, keeps the text's shape and is idempotent, and text with nothing personal in it
comes back unchanged."""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bot.pii import mask_pii, tckn_valid  # noqa: E402

pytestmark = pytest.mark.fuzz
BOUNDED = settings(max_examples=200, deadline=None)
DIGITS = "0123456789"
WORDS = st.sampled_from(["", "no ", "numaram: ", "kart ", "iban ", "tc ", "Merhaba, ", "(", "- "])
ENDINGS = st.sampled_from(["", " ile", ", teşekkürler", ".", " olsun?", ")"])


@st.composite
def tckns(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from("123456789"))
    d = [int(first), *(int(c) for c in draw(st.text(DIGITS, min_size=8, max_size=8)))]
    d.append((sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


@st.composite
def cards(draw: st.DrawFn) -> str:
    body = draw(st.sampled_from("3456")) + draw(st.text(DIGITS, min_size=14, max_size=14))
    total = 0
    for index, char in enumerate(reversed(body)):  # the check digit's neighbours double
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    number = body + str((10 - total % 10) % 10)
    spaced = " ".join(number[i : i + 4] for i in range(0, 16, 4))
    return draw(st.sampled_from([number, spaced, spaced.replace(" ", "-")]))


@st.composite
def ibans(draw: st.DrawFn) -> str:
    bban = draw(st.text(DIGITS, min_size=22, max_size=22))
    check = 98 - int(bban + "292700") % 97
    compact = f"TR{check:02d}{bban}"
    spaced = " ".join(compact[i : i + 4] for i in range(0, 26, 4))
    return draw(st.sampled_from([compact, spaced]))


@st.composite
def phones(draw: st.DrawFn) -> str:
    n = "5" + draw(st.text(DIGITS, min_size=9, max_size=9))
    forms = [
        f"+90 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
        f"0{n}",
        f"0{n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
        f"(0{n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}",
        n,
        f"+90{n}",
    ]
    return draw(st.sampled_from(forms))


@BOUNDED
@given(
    value=st.one_of(tckns(), cards(), ibans(), phones()),
    before=WORDS,
    after=ENDINGS,
)
def test_a_valid_number_never_leaves_in_clear(value: str, before: str, after: str) -> None:
    masked = mask_pii(before + value + after)
    assert value not in masked
    digits = "".join(c for c in value if c.isdigit())
    assert digits not in "".join(c for c in masked if c.isdigit())


@BOUNDED
@given(local=st.from_regex(r"[a-z][a-z0-9._]{0,20}", fullmatch=True), before=WORDS)
def test_an_email_address_keeps_only_its_first_letter_and_domain(local: str, before: str) -> None:
    masked = mask_pii(f"{before}{local}@ornek.com.tr")
    assert masked == f"{before}{local[0]}***@ornek.com.tr"


@BOUNDED
@given(st.text(max_size=300))
def test_masking_never_raises_and_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    assert mask_pii(once) == once


@BOUNDED
@given(st.text(alphabet=st.characters(blacklist_characters="@"), max_size=300))
def test_masking_without_addresses_only_turns_digits_to_stars(text: str) -> None:
    masked = mask_pii(text)
    assert len(masked) == len(text)
    for before, after in zip(text, masked, strict=True):
        assert after == before or (before.isdigit() and after == "*")


@BOUNDED
@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"], blacklist_characters="@")))
def test_text_without_digits_or_addresses_is_unchanged(text: str) -> None:
    assert mask_pii(text) == text


ELEVEN_DIGITS = st.builds(
    str.__add__, st.sampled_from("123456789"), st.text(DIGITS, min_size=10, max_size=10)
)


@BOUNDED
@given(ELEVEN_DIGITS.filter(lambda n: not tckn_valid(n)))
def test_an_eleven_digit_number_failing_its_checks_is_left_alone(number: str) -> None:
    text = f"sipariş {number} kargoda"  # 11 digits not starting with 0: never a phone
    assert mask_pii(text) == text
