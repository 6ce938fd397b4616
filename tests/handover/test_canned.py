"""Canned responses: reading canned.yml (mistakes said with file and line), searching as
an agent types (Turkish with and without diacritics), the replies that fit the player's
intent first, and variables filled in, or left visible for the agent when unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.domain import read_domain
from bot.errors import DataError
from bot.handover.canned import VARIABLES, read_canned
from bot.handover.canned_search import CannedLibrary, render

ROOT = Path(__file__).resolve().parents[2]
CANNED = """\
version: "3.1"
canned_responses:
  cekim_suresi:
    title: Çekim süreleri
    intents: [withdrawal_status, withdrawal_request]
    text:
      tr: Çekiminiz 24 saat içinde ulaşır, {first_name}.
      en: Your withdrawal arrives within 24 hours, {first_name}.
  sifre_sifirlama:
    title: Şifre sıfırlama
    intents: password_reset
    text: |
      "Şifremi unuttum" bağlantısını kullanın.
      Bağlantı 30 dakika geçerlidir.
  bakiye:
    title: Bakiye
    intents: [balance]
    text: Bakiyeniz {balance}.
  kapanis:
    title: Kapanış
    text: İyi günler {player_name}, ben {agent_name}.
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "canned.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path) -> CannedLibrary:
    return CannedLibrary(read_canned(_write(tmp_path, CANNED)))


def test_entries_load_in_file_order_with_their_languages(tmp_path: Path) -> None:
    responses = read_canned(_write(tmp_path, CANNED))
    assert [r.shortcut for r in responses] == [
        "cekim_suresi",
        "sifre_sifirlama",
        "bakiye",
        "kapanis",
    ]
    first = responses[0]
    assert first.title == "Çekim süreleri"
    assert first.intents == ("withdrawal_status", "withdrawal_request")
    assert first.text("en").startswith("Your withdrawal")
    assert first.text("de") == first.text("tr") == "Çekiminiz 24 saat içinde ulaşır, {first_name}."
    assert responses[1].intents == ("password_reset",)  # one name reads as a list of one
    assert responses[1].text().endswith("30 dakika geçerlidir.")
    assert responses[3].intents == ()


K = "  kapanis:\n    title: K\n"  # an entry's start, on lines 3 and 4
BAD = [
    (K + "    text: Merhaba {palyer_name}\n", 5, "unknown variable {palyer_name}"),
    (K + "    text: |\n      satır\n      {bakiye}\n", 7, "unknown variable {bakiye}"),
    (K + "    text: Merhaba {Player Name}\n", 5, "a brace that is not a variable"),
    ("  Kapanış:\n    title: K\n    text: x\n", 3, "shortcut 'Kapanış' must be 2-40 lowercase"),
    ("  kapanis:\n    text: x\n", 3, "'title' must be a non-empty text"),
    (K, 3, "needs a 'text'"),
    (K + "    text: x\n    intent: [greet]\n", 6, "unknown key 'intent'"),
    (K + "    text: {tr: x, turkce: y}\n", 5, "'turkce' is not a two-letter"),
    ("  a1:\n    title: K\n    text: x\n  a1:\n    text: y\n", 6, "duplicate key 'a1'"),
    (K + "    text: [x]\n", 5, "'text' must be a non-empty text"),
    ("  kapanis: [x]\n", 3, "must be a mapping"),
    (K + "   text: x\n", 5, ""),
]


@pytest.mark.parametrize(("body", "where", "words"), BAD)
def test_mistakes_are_said_with_file_and_line(
    tmp_path: Path, body: str, where: int, words: str
) -> None:
    path = _write(tmp_path, 'version: "3.1"\ncanned_responses:\n' + body)
    with pytest.raises(DataError) as caught:
        read_canned(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{where}: "), message
    assert words in message


def test_an_unknown_top_level_key_and_a_missing_file_are_said(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"canned.yml:2: unknown key 'responses'"):
        read_canned(_write(tmp_path, 'version: "3.1"\nresponses: {}\n'))
    with pytest.raises(DataError, match="cannot read the file"):
        read_canned(tmp_path / "yok.yml")
    assert read_canned(_write(tmp_path, 'version: "3.1"\n')) == ()


@pytest.mark.parametrize(
    "query", ["/cekim", "cekim", "ÇEKİM", "çekim_süre", "cekim suresi", "/CEK"]
)
def test_search_is_turkish_and_diacritic_insensitive(library: CannedLibrary, query: str) -> None:
    assert library.search(query)[0].response.shortcut == "cekim_suresi"


def test_search_ranks_the_shortcut_before_the_title_before_the_text(
    library: CannedLibrary,
) -> None:
    assert [m.response.shortcut for m in library.search("şifre")] == ["sifre_sifirlama"]
    assert [m.response.shortcut for m in library.search("SIFREMI UNUTTUM")] == ["sifre_sifirlama"]
    assert [m.response.shortcut for m in library.search("gecerli")] == ["sifre_sifirlama"]
    assert library.search("kripto") == []
    assert len(library.search("")) == 4 and len(library.search("/")) == 4


def test_the_replies_fitting_the_intent_come_first_and_are_marked(library: CannedLibrary) -> None:
    ranked = library.search("", intent="balance")
    assert [(m.response.shortcut, m.suggested) for m in ranked] == [
        ("bakiye", True),
        ("cekim_suresi", False),  # then in the file's order
        ("sifre_sifirlama", False),
        ("kapanis", False),
    ]
    both = library.search("a", intent="withdrawal_request")
    assert both[0].response.shortcut == "cekim_suresi" and both[0].suggested
    assert not any(m.suggested for m in library.search("", intent="greet"))
    assert not any(m.suggested for m in library.search("", intent=None))


def test_variables_are_filled_and_unknown_ones_stay_visible(library: CannedLibrary) -> None:
    closing = library.search("kapanis")[0]
    done = library.rendered(closing, {"player_name": "Ahmet Yılmaz", "agent_name": "Ayşe"})
    assert (done.text, done.missing) == ("İyi günler Ahmet Yılmaz, ben Ayşe.", ())
    half = library.rendered(closing, {"agent_name": "Ayşe", "player_name": "  "})
    assert (half.text, half.missing) == ("İyi günler {player_name}, ben Ayşe.", ("player_name",))
    english = library.rendered(library.search("cekim")[0], {"first_name": "Can"}, "en")
    assert english.text == "Your withdrawal arrives within 24 hours, Can."


def test_render_never_fills_a_name_that_is_not_a_variable() -> None:
    rendered = render("{x} ve {balance} ve {balance}", {"x": "sızdı", "balance": ""})
    assert rendered.text == "{x} ve {balance} ve {balance}"
    assert rendered.missing == ("x", "balance")


def test_the_shipped_canned_file_loads_and_fits_the_domain() -> None:
    responses = read_canned(ROOT / "canned.yml")
    assert 15 <= len(responses) <= 25
    intents = {intent.name for intent in read_domain(ROOT / "domain.yml").intents}
    for response in responses:
        assert set(response.intents) <= intents, response.shortcut
        assert response.text("tr")
    fitted = {intent for response in responses for intent in response.intents}
    for topic in ("deposit_missing", "withdrawal_status", "bonus_info", "kyc_documents",
                  "password_reset", "responsible_gambling", "greet", "goodbye"):  # fmt: skip
        assert topic in fitted
    assert len(VARIABLES) == len(set(VARIABLES))
