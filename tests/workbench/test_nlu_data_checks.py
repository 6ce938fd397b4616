"""``bot data validate`` on bad training data: too few examples, one intent far larger than
the others, one text twice, examples with no words. Each is a warning that names the
example and says what to do; none fails validation unless ``--fail-on-warnings``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.nlu.yaml_reader import load_nlu
from bot.workbench.nlu_data_checks import example_issues
from bot.workbench.validation import Issue, validate_project
from tests.project_files import write

ROOT = Path(__file__).resolve().parents[2]
LIGHT_CONFIG = (
    "language: tr\npipeline:\n- name: TurkishNormalizer\n- name: SpacyTokenizer\n"
    "- name: NGramFeaturizer\n- name: LinearIntentClassifier\n"
)
# Five examples each: no warning on its own.
GREET = ["merhaba", "selam", "iyi günler", "günaydın", "selamlar"]
THANK = ["teşekkürler", "sağ ol", "eyvallah", "çok teşekkür ederim", "eline sağlık"]


def nlu_file(intents: dict[str, list[str]]) -> str:
    blocks = [
        f"- intent: {name}\n  examples: |\n" + "".join(f"    - {text}\n" for text in texts)
        for name, texts in intents.items()
    ]
    return 'version: "3.1"\nnlu:\n' + "".join(blocks)


def write_project(intents: dict[str, list[str]], config: str = "language: tr\n") -> None:
    write("domain.yml", f'version: "3.1"\nintents: [{", ".join(intents)}]\n')
    write("data/nlu.yml", nlu_file(intents))
    write("config.yml", config)


def validate() -> list[Issue]:
    data, warnings = load_nlu("data")
    stories = load_stories("data")
    return validate_project(
        read_domain("domain.yml"),
        data,
        stories.stories,
        stories.rules,
        read_config("config.yml"),
        nlu_warnings=warnings,
    )


def found(issues: list[Issue], code: str) -> list[Issue]:
    return [issue for issue in issues if issue.code == code]


def test_an_intent_of_one_or_two_examples_is_too_small(project: Path) -> None:
    write_project({"greet": GREET, "thank": THANK[:1], "deny": ["hayır", "yok"]})
    issues = validate()
    assert [(i.source, i.level) for i in issues] == [
        ("data/nlu.yml:15", "warning"),  # deny
        ("data/nlu.yml:12", "warning"),  # thank
    ]
    assert issues[0].message == (
        "intent 'deny' has 2 example(s), too few for the classifier to learn it from: "
        "give it at least 5, each a different way a player might say it"
    )
    assert "intent 'thank' has 1 example(s)" in issues[1].message
    write_project({"greet": GREET, "thank": THANK[:3]})
    assert validate() == []


def test_one_intent_far_larger_than_the_others_is_reported(project: Path) -> None:
    bulk = [f"para çekmek istiyorum {n}" for n in range(5_000)]
    ten_greet = GREET + [f"{text} efendim" for text in GREET]
    ten_thank = THANK + [f"{text} efendim" for text in THANK]
    write_project({"greet": ten_greet, "thank": ten_thank, "withdraw": bulk})
    issues = validate()
    assert [(i.code, i.source) for i in issues] == [("D115", "data/nlu.yml:29")]
    assert issues[-1].message == (
        "intent 'withdraw' has 5000 examples, more than 10 times the median of the other "
        "intents (10); the classifier will lean towards it: trim its examples or add to "
        "the others"
    )


@pytest.mark.parametrize(
    ("size", "reported"),
    [(101, True), (99, False)],  # 11x the median either way: small intents are not lopsided
)
def test_imbalance_needs_more_than_a_hundred_examples(
    project: Path, size: int, reported: bool
) -> None:
    tiny = {"greet": GREET[:3], "thank": THANK[:3], "deny": ["hayır", "yok", "istemem"]}
    bulk = [f"bakiyem ne kadar {n}" for n in range(size)]
    write_project({**tiny, "balance": bulk})
    issues = found(validate(), "D115")
    assert bool(issues) is reported
    if reported:
        assert "intent 'balance' has 101 examples" in issues[0].message
        assert "median of the other intents (3)" in issues[0].message


def test_retrieval_intents_are_weighed_as_the_classifier_sees_them(project: Path) -> None:
    """Fifty FAQ questions of three examples are one class of 150 for the classifier."""
    faq = {f"faq/q{n}": [f"soru {n} a", f"soru {n} b", f"soru {n} c"] for n in range(50)}
    write_project({"greet": GREET[:3], "thank": THANK[:3], **faq})
    write("domain.yml", 'version: "3.1"\nintents: [greet, thank, faq]\n')
    issues = found(validate(), "D115")
    assert [i.message.split(",")[0] for i in issues] == ["intent 'faq' has 150 examples"]


def test_the_same_text_under_two_intents_names_both(project: Path) -> None:
    """Compared lower-cased the Turkish way, diacritics folded, spaces collapsed."""
    write_project(
        {
            "password_reset": ["şifremi unuttum", "parolamı sıfırla", "yeni şifre", "şifre"],
            "login_problem": ["giriş yapamıyorum", "SİFREMİ   UNUTTUM", "oturum açılmıyor"],
        }
    )
    issues = validate()
    assert [(i.code, i.source) for i in issues] == [("D104", "data/nlu.yml:12")]
    assert issues[0].message == (
        "the example 'SİFREMİ   UNUTTUM' is under intent 'login_problem' here and under "
        "intent 'password_reset' at data/nlu.yml:5; keep it under one intent"
    )


def test_the_same_text_twice_in_one_intent_is_a_lighter_warning(project: Path) -> None:
    write_project({"greet": GREET, "thank": [*THANK, "Teşekkürler", "teşekkürler"]})
    issues = validate()
    assert [(i.code, i.source) for i in issues] == [
        ("D106", "data/nlu.yml:18"),  # written the same: the reader drops it
        ("D114", "data/nlu.yml:17"),  # written otherwise: it trains twice
    ]
    assert issues[1].message == (
        "the example 'Teşekkürler' of intent 'thank' is 'teşekkürler' (at data/nlu.yml:12) "
        "again once case, diacritics and spacing are set aside, so it counts twice; keep "
        "one of them"
    )
    write_project({"greet": GREET, "thank": [*THANK, "tesekkurler cok"]})
    assert validate() == []


def test_an_example_of_punctuation_only_is_reported(project: Path) -> None:
    write_project({"greet": GREET, "thank": [*THANK, "???", '""', "...!", "5"]})
    issues = validate()
    assert [(i.code, i.source) for i in issues] == [
        ("D116", "data/nlu.yml:17"),
        ("D116", "data/nlu.yml:18"),
        ("D116", "data/nlu.yml:19"),
    ]
    assert issues[0].message == (
        "the example '???' of intent 'thank' has no letter, digit or emoji, so it teaches "
        "the classifier nothing; write what a player would type, or delete it"
    )


@pytest.mark.parametrize(
    ("config", "reported"),
    [
        ("language: tr\n", False),  # the default pipeline has the sentence encoder
        (LIGHT_CONFIG, True),
        (LIGHT_CONFIG + "- name: LanguageModelFeaturizer\n", False),  # Rasa's name for it
    ],
    ids=["default", "n-grams-only", "rasa-alias"],
)
def test_an_emoji_only_example_needs_a_sentence_encoder(
    project: Path, config: str, reported: bool
) -> None:
    write_project({"greet": GREET, "thank": [*THANK, "🙏", "👍🏽"]}, config)
    issues = validate()
    assert [i.code for i in issues] == (["D117", "D117"] if reported else [])
    if reported:
        assert issues[0].message.startswith(
            "the example '🙏' of intent 'thank' is only emoji and symbols, which the "
            "pipeline reads only through a sentence encoder"
        )


def test_an_empty_example_and_an_empty_intent_are_reported(project: Path) -> None:
    write_project({"greet": GREET, "thank": THANK})
    write(
        "data/more.yml",
        "nlu:\n- intent: deny\n  examples: |\n    -\n"
        "- intent: greet\n  examples:\n  - text: hey\n  - text: ''\n",
    )
    issues = validate()
    assert [(i.code, i.source) for i in issues] == [
        ("D103", "data/more.yml:2"),
        ("D118", "data/more.yml:4"),
        ("D118", "data/more.yml:8"),
    ]
    assert "intent 'deny' has 0 example(s)" in issues[0].message
    assert issues[1].message == "an empty '- ' entry is skipped; write it out or delete the line"


def test_warnings_pass_validation_unless_asked_to_fail(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project({"greet": GREET, "thank": [*THANK, "???"], "deny": ["hayır"]})
    assert main(["data", "validate"]) == 0
    printed = capsys.readouterr().out
    assert "data/nlu.yml:17: warning D116: the example '???' of intent 'thank'" in printed
    assert "data/nlu.yml:20: warning D103: intent 'deny' has 1 example(s)" in printed
    assert "0 error(s), 2 warning(s)." in printed
    assert main(["data", "validate", "--fail-on-warnings"]) == 1


def test_the_shipped_project_has_none_of_these_problems() -> None:
    data, warnings = load_nlu(ROOT / "data")
    reader_codes = {warning.code for warning in warnings}
    assert not reader_codes & {"D103", "D104", "D106"}
    issues = list(example_issues(data, read_config(ROOT / "config.yml")))
    assert [str(issue) for issue in issues] == []
