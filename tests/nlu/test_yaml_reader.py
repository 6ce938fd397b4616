from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import DataError
from bot.nlu.training_data import EntitySpan, LookupTable, RegexPattern
from bot.nlu.yaml_reader import load_nlu, read_nlu, read_nlu_dir
from tests.project_files import write

FULL_NLU = """\
version: "3.1"
nlu:
- intent: deposit_missing
  examples: |
    - [500 TL](amount) yatırdım gelmedi
    - [papara](payment_method:papara_wallet) ile yatırdım hesaba geçmedi
    - [havale]{"entity": "payment_method", "value": "havale_eft", "role": "source"} yaptım
    - [dün](date) [1.500 TL](amount) attım yok
- intent: greet
  metadata:
    sentiment: neutral
  examples:
  - text: |
      merhaba
    metadata:
      lang: tr
  - text: selam
- intent: faq/ask_limits
  examples: |
    - çekim limiti ne kadar
    - en fazla ne kadar çekebilirim
- synonym: kredi_karti
  examples: |
    - kredi kartı
    - kk
- synonym: papara_wallet
  examples: [paparam]
- regex: iban
  examples: |
    - TR\\d{24}
- lookup: bank
  examples: [Ziraat, Garanti BBVA]
- lookup: city
  examples: |
    - İstanbul
    - Ankara
"""


def test_reads_every_nlu_feature(project: Path) -> None:
    write("data/nlu.yml", FULL_NLU)
    data, warnings = load_nlu("data/nlu.yml")
    assert warnings == []
    texts = {e.text: e for e in data.examples}
    assert list(texts) == [
        "500 TL yatırdım gelmedi",
        "papara ile yatırdım hesaba geçmedi",
        "havale yaptım",
        "dün 1.500 TL attım yok",
        "merhaba",
        "selam",
        "çekim limiti ne kadar",
        "en fazla ne kadar çekebilirim",
    ]
    assert texts["500 TL yatırdım gelmedi"].entities == (EntitySpan(0, 6, "amount", "500 TL"),)
    assert texts["papara ile yatırdım hesaba geçmedi"].entities == (
        EntitySpan(0, 6, "payment_method", "papara_wallet"),
    )
    assert texts["havale yaptım"].entities == (
        EntitySpan(0, 6, "payment_method", "havale_eft", role="source"),
    )
    two = texts["dün 1.500 TL attım yok"]
    assert [(s.start, s.end, s.entity) for s in two.entities] == [(0, 3, "date"), (4, 12, "amount")]
    assert two.text[4:12] == "1.500 TL"
    assert texts["çekim limiti ne kadar"].intent == "faq/ask_limits"
    assert data.intents == ["deposit_missing", "faq/ask_limits", "greet"]
    assert data.synonyms == {
        "papara": "papara_wallet",
        "havale": "havale_eft",
        "kredi kartı": "kredi_karti",
        "kk": "kredi_karti",
        "paparam": "papara_wallet",
    }
    assert data.regexes == (RegexPattern("iban", "TR\\d{24}", "data/nlu.yml:30"),)
    assert data.lookups == (
        LookupTable("bank", ("Ziraat", "Garanti BBVA"), "data/nlu.yml:31"),
        LookupTable("city", ("İstanbul", "Ankara"), "data/nlu.yml:33"),
    )


def test_each_example_knows_its_line(project: Path) -> None:
    write("data/nlu.yml", FULL_NLU)
    sources = {e.text: e.source for e in read_nlu("data/nlu.yml").examples}
    assert sources["500 TL yatırdım gelmedi"] == "data/nlu.yml:5"
    assert sources["dün 1.500 TL attım yok"] == "data/nlu.yml:8"
    assert sources["merhaba"] == "data/nlu.yml:13"
    assert sources["selam"] == "data/nlu.yml:17"
    assert sources["en fazla ne kadar çekebilirim"] == "data/nlu.yml:21"


def test_bad_entity_json_names_file_and_line(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- intent: deposit_missing\n  examples: |\n    - [500 TL](amount) yatırdım\n"
        '    - [papara]{"entity": "payment_method" "value": "x"} ile yatırdım\n',
    )
    with pytest.raises(DataError) as err:
        read_nlu("data/nlu.yml")
    assert str(err.value).startswith("data/nlu.yml:5: the entity annotation")
    assert "not valid JSON" in str(err.value)


def test_nested_annotations_are_refused(project: Path) -> None:
    write(
        "data/nlu.yml", "nlu:\n- intent: a\n  examples: |\n    - [[500](n) TL](amount) yatırdım\n"
    )
    with pytest.raises(DataError, match=r"^data/nlu\.yml:4: nested entity annotations"):
        read_nlu("data/nlu.yml")


def test_example_under_two_intents_is_an_error_naming_both(project: Path) -> None:
    write("data/nlu.yml", "nlu:\n- intent: password_reset\n  examples: |\n    - şifremi unuttum\n")
    write(
        "data/more.yml",
        "nlu:\n- intent: login_problem\n  examples: |\n    - giriş yapamıyorum\n"
        "    - [Sifremi](thing) unuttummm\n",
    )
    with pytest.raises(DataError) as err:
        load_nlu("data", strict=True)
    message = str(err.value)
    assert message.startswith("data/nlu.yml:4: the example 'şifremi unuttum'")
    assert "'password_reset'" in message and "'login_problem'" in message
    assert "data/more.yml:5" in message


def test_without_strict_a_two_intent_example_is_reported_not_raised(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- intent: greet\n  examples: |\n    - iyi akşamlar\n"
        "- intent: goodbye\n  examples: |\n    - iyi akşamlar\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert len(data.examples) == 2
    assert [(w.code, w.source) for w in warnings] == [("D104", "data/nlu.yml:7")]
    assert "data/nlu.yml:4" in warnings[0].message


def test_duplicate_intent_block_is_a_warning(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- intent: greet\n  examples: |\n    - merhaba\n"
        "- intent: thank\n  examples: |\n    - teşekkürler\n"
        "- intent: greet\n  examples: |\n    - selam\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert [(w.code, w.source) for w in warnings] == [("D105", "data/nlu.yml:8")]
    assert "first on line 2" in warnings[0].message
    assert data.intent_counts()["greet"] == 2


def test_blocks_of_one_intent_with_their_own_metadata_are_not_a_warning(project: Path) -> None:
    """Rasa attaches metadata per block: an intent split by it is written on purpose."""
    write(
        "data/nlu.yml",
        "nlu:\n- intent: greet\n  metadata: {register: formal}\n  examples: |\n"
        "    - iyi günler\n"
        "- intent: greet\n  metadata: {register: casual}\n  examples: |\n    - slm\n"
        "- intent: greet\n  metadata: {register: casual}\n  examples: |\n    - mrb\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert data.intent_counts()["greet"] == 3
    assert [(w.code, w.source) for w in warnings] == [("D105", "data/nlu.yml:10")]
    assert "first on line 6" in warnings[0].message


def test_exact_duplicate_example_is_dropped_with_a_warning(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- intent: greet\n  examples: |\n    - merhaba\n    - selam\n    - merhaba\n"
        "    - Merhaba\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert [e.text for e in data.examples] == ["merhaba", "selam", "Merhaba"]
    assert [(w.code, w.source) for w in warnings] == [("D106", "data/nlu.yml:6")]
    assert "also at data/nlu.yml:4" in warnings[0].message


def test_conflicting_synonyms_are_reported(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- synonym: kredi_karti\n  examples: |\n    - kk\n"
        "- intent: deposit\n  examples: |\n    - [KK](payment_method:kripto) ile yatırdım\n"
        "    - [kredi kartı](payment_method:kredi_karti) ile\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert [(w.code, w.source) for w in warnings] == [("D108", "data/nlu.yml:7")]
    assert "'kripto'" in warnings[0].message and "'kredi_karti'" in warnings[0].message
    assert data.synonyms["kredi kartı"] == "kredi_karti"


def test_small_format_problems_are_warnings(project: Path) -> None:
    write(
        "data/nlu.yml",
        'version: "9.0"\nnlu:\n- intent: greet\n  exmples: x\n  examples: |\n    - merhaba\n'
        "    selam\n\n    -\n",
    )
    data, warnings = load_nlu("data/nlu.yml")
    assert [e.text for e in data.examples] == ["merhaba"]
    assert [(w.code, w.source) for w in warnings] == [
        ("D111", "data/nlu.yml:1"),
        ("D112", "data/nlu.yml:4"),
        ("D110", "data/nlu.yml:7"),
        ("D118", "data/nlu.yml:9"),
    ]


def test_intent_without_examples_is_a_warning(project: Path) -> None:
    write("data/nlu.yml", "nlu:\n- intent: greet\n- intent: bye\n  examples: ''\n")
    data, warnings = load_nlu("data/nlu.yml")
    assert data.examples == ()
    assert [(w.code, w.source) for w in warnings] == [
        ("D103", "data/nlu.yml:2"),
        ("D103", "data/nlu.yml:3"),
    ]


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("nlu:\n- examples: |\n    - x\n", "data/nlu.yml:2", "needs exactly one of intent:"),
        ("nlu:\n- intent: a\n  synonym: b\n", "data/nlu.yml:2", "needs exactly one of"),
        ("nlu:\n- intent: [a, b]\n", "data/nlu.yml:2", "the intent name must be a non-empty"),
        ("nlu:\n  intent: a\n", "data/nlu.yml:1", "'nlu' must be a list"),
        ("nlu:\n- intent: a\n  examples:\n  - text: [x]\n", "data/nlu.yml:4", "must be a text"),
        ("nlu:\n- intent: a\n  examples: |\n    - [x]()\n", "data/nlu.yml:4", "no entity name"),
        ("nlu:\n- intent: a\n  examples: |\n    - [](x)\n", "data/nlu.yml:4", "empty text"),
        ("nlu:\n- regex: r\n  examples: |\n    - '[x]{\"value\": 1}'\n", "", ""),
    ],
)
def test_malformed_items_name_file_and_line(
    project: Path, text: str, where: str, expected: str
) -> None:
    write("data/nlu.yml", text)
    if not where:  # regex patterns are not entity annotations
        assert read_nlu("data/nlu.yml").regexes[0].pattern == "'[x]{\"value\": 1}'"
        return
    with pytest.raises(DataError) as err:
        read_nlu("data/nlu.yml")
    assert str(err.value).startswith(f"{where}: ")
    assert expected in str(err.value)


def test_non_utf8_file_is_a_data_error(project: Path) -> None:
    Path("data").mkdir()
    Path("data/nlu.yml").write_bytes(
        b"nlu:\n- intent: greet\n  examples: |\n    - g\xfcnayd\xfdn\n"
    )
    with pytest.raises(DataError, match=r"^data/nlu\.yml:4: not valid UTF-8"):
        read_nlu_dir("data")


def test_directory_takes_only_nlu_parts_and_skips_tests(project: Path) -> None:
    write("data/nlu/greet.yml", "nlu:\n- intent: greet\n  examples: |\n    - merhaba\n")
    write("data/nlu/faq.yaml", "nlu:\n- intent: faq/ask_hours\n  examples: |\n    - kaçta\n")
    write("data/stories.yml", "stories:\n- story: s\n  steps:\n  - intent: greet\n")
    write("data/rules.yml", "rules: []\n")
    write("data/responses.yml", "responses:\n  utter_faq/ask_hours:\n  - text: 7/24\n")
    write("data/empty.yml", "")
    write("data/tests/nlu_heldout.yml", "nlu:\n- intent: greet\n  examples: |\n    - sa\n")
    write("data/test_nlu.yml", "nlu:\n- intent: greet\n  examples: |\n    - mrb\n")
    data = read_nlu_dir("data")
    assert sorted(e.text for e in data.examples) == ["kaçta", "merhaba"]
    assert read_nlu(["data/tests/nlu_heldout.yml"]).examples[0].text == "sa"


def test_read_nlu_dir_needs_a_directory(project: Path) -> None:
    write("data/nlu.yml", "nlu: []\n")
    with pytest.raises(DataError, match=r"^data/nlu\.yml: not a directory"):
        read_nlu_dir("data/nlu.yml")


def test_duplicate_and_two_intent_examples_are_quoted_as_written(project: Path) -> None:
    write(
        "data/nlu.yml",
        "nlu:\n- intent: order\n  examples: |\n    - [world](cuisine) food\n"
        "    - [world](cuisine) food\n"
        '- intent: browse\n  examples: |\n    - [world]{"entity": "cuisine"} food\n',
    )
    _, warnings = load_nlu("data/nlu.yml")
    messages = {w.code: w.message for w in warnings}
    assert messages["D106"].startswith("duplicate example '[world](cuisine) food'")
    assert messages["D104"].startswith("""the example '[world]{"entity": "cuisine"} food'""")
