from __future__ import annotations

import pytest

from bot.nlu.turkish_text import (
    fold_diacritics,
    normalize_for_match,
    squash_repeats,
    turkish_lower,
    turkish_upper,
)


@pytest.mark.parametrize(
    ("text", "lowered"),
    [("İSTANBUL", "istanbul"), ("IŞIK", "ışık"), ("Iğdır", "ığdır"), ("ŞİFREMİ", "şifremi")],
)
def test_turkish_lower_keeps_dotted_and_dotless_i_apart(text: str, lowered: str) -> None:
    assert turkish_lower(text) == lowered
    assert len(turkish_lower(text)) == len(text)


def test_python_lower_would_be_wrong_and_ours_is_not() -> None:
    assert "İ".lower() != "i"  # the pitfall: "i" + combining dot above
    assert turkish_lower("İ") == "i"
    assert turkish_upper("istanbul ılık") == "İSTANBUL ILIK"


def test_fold_diacritics_meets_ascii_spelling() -> None:
    assert fold_diacritics("şifremi unuttum") == "sifremi unuttum"
    assert fold_diacritics("çekim ğüöı ŞĞÜÖÇİ") == "cekim guoi SGUOCI"


def test_squash_repeats_cuts_elongations_and_keeps_doubles() -> None:
    squashed, offsets = squash_repeats("merhabaaaa saat 1000 unuttuuum")
    assert squashed == "merhaba saat 1000 unuttum"
    assert len(offsets) == len(squashed)
    assert offsets[7] == 10  # the space after the squashed run


def test_normalize_for_match_makes_spellings_equal() -> None:
    assert normalize_for_match("  ŞİFREMİ   unuttuuum") == normalize_for_match("sifremi unuttum")
