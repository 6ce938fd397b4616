from __future__ import annotations

from pathlib import Path

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.nlu.yaml_reader import load_nlu
from bot.validation_codes import CODES, render
from bot.workbench.validation import Issue, validate_project
from tests.project_files import write


def validate() -> list[Issue]:
    """Load the project in the working directory the way ``bot data validate`` does."""
    domain = read_domain("domain.yml")
    data, warnings = load_nlu("data")
    stories = load_stories("data")
    config = read_config("config.yml")
    return validate_project(
        domain, data, stories.stories, stories.rules, config, nlu_warnings=warnings
    )


CLEAN_DOMAIN = """\
version: "3.1"
intents: [greet, deposit_missing, faq, affirm]
entities: [amount]
slots:
  amount:
    type: text
    mappings:
    - type: from_entity
      entity: amount
      intent: deposit_missing
forms:
  deposit_form:
    required_slots: [amount]
responses:
  utter_greet:
  - text: Merhaba!
  utter_ask_amount:
  - text: Ne kadar yatırdınız?
  utter_done:
  - text: Kontrol ediyorum.
actions: [action_check_deposit]
"""
CLEAN_NLU = """\
nlu:
- intent: greet
  examples: |
    - merhaba
    - selam
    - iyi günler
- intent: affirm
  examples: |
    - evet
    - tabii
    - aynen
- intent: deposit_missing
  examples: |
    - [500 TL](amount) yatırdım gelmedi
    - yatırımım hesaba geçmedi
    - param hesabıma yansımadı
- intent: faq/limits
  examples: |
    - limit ne kadar
    - en fazla ne kadar yatırabilirim
    - günlük çekim sınırı nedir
- regex: iban
  examples: |
    - TR\\d{24}
"""
CLEAN_STORIES = """\
stories:
- story: yatırım gelmedi
  steps:
  - intent: greet
  - action: utter_greet
  - intent: deposit_missing
    entities:
    - amount: 500 TL
  - action: deposit_form
  - active_loop: deposit_form
  - slot_was_set:
    - amount: 500 TL
    - requested_slot: null
  - active_loop: null
  - action: action_check_deposit
  - action: utter_done
"""
CLEAN_RULES = """\
rules:
- rule: sss
  steps:
  - intent: faq
  - action: utter_faq
- rule: selam
  steps:
  - intent: greet
  - action: utter_greet
"""


def clean_project() -> None:
    write("domain.yml", CLEAN_DOMAIN)
    write("data/nlu.yml", CLEAN_NLU)
    write("data/stories.yml", CLEAN_STORIES)
    write("data/rules.yml", CLEAN_RULES)
    write("config.yml", "language: tr\npolicies:\n- name: RulePolicy\n")


def codes(issues: list[Issue]) -> list[tuple[str, str]]:
    return [(i.code, i.source) for i in issues]


def test_clean_project_has_no_issues(project: Path) -> None:
    clean_project()
    assert validate() == []


def test_nlu_and_domain_intents_are_compared(project: Path) -> None:
    clean_project()
    write(
        "data/extra.yml",
        "nlu:\n- intent: complaint\n  examples: |\n    - rezalet\n"
        "- intent: thank\n  examples: |\n    - sağol\n    - [çok](degree) teşekkürler\n",
    )
    write("domain.yml", CLEAN_DOMAIN.replace("affirm]", "affirm, goodbye]"))
    issues = validate()
    assert codes(issues) == [
        ("D101", "data/extra.yml:4"),
        ("D101", "data/extra.yml:7"),
        ("D102", "domain.yml:2"),
        ("D103", "data/extra.yml:4"),
        ("D103", "data/extra.yml:7"),
        ("D107", "data/extra.yml:8"),
    ]
    assert all(i.level == "warning" for i in issues)
    assert "'complaint'" in issues[0].message
    assert "'goodbye'" in issues[2].message
    assert issues[3].message == render("D103", intent="complaint", count=1)
    assert issues[4].message.startswith("intent 'thank' has 2 example(s), too few")


def test_reader_problems_become_issues(project: Path) -> None:
    clean_project()
    write(
        "data/other.yml",
        "nlu:\n- intent: affirm\n  examples: |\n    - Merhaba\n    - evet\n    - olur\n"
        "- intent: affirm\n  examples: |\n    - kesinlikle\n"
        "- synonym: papara\n  examples: |\n    - papara cüzdan\n"
        "- synonym: paparaa\n  examples: |\n    - papara cüzdan\n"
        "- regex: bozuk\n  examples: |\n    - (TR\\d+\n",
    )
    issues = validate()
    assert codes(issues) == [
        ("D108", "data/other.yml:15"),
        ("D109", "data/other.yml:18"),
        ("D104", "data/other.yml:4"),
        ("D105", "data/other.yml:7"),
        ("D106", "data/other.yml:5"),
    ]
    assert [i.level for i in issues] == ["error", "error", "warning", "warning", "warning"]
    assert "data/nlu.yml:4" in issues[2].message  # the other place of 'merhaba'
    assert "also at data/nlu.yml:9" in issues[4].message
    assert str(issues[2]).startswith("data/other.yml:4: warning D104: ")


def test_a_pattern_for_an_entity_no_example_annotates_is_reported(project: Path) -> None:
    clean_project()
    write("domain.yml", CLEAN_DOMAIN.replace("entities: [amount]", "entities: [amount, otp_code]"))
    write("data/codes.yml", "nlu:\n- regex: otp_code\n  examples: |\n    - \\d{6}\n")
    issues = validate()
    assert codes(issues) == [("D113", "data/codes.yml:4")]
    assert "[..](otp_code)" in issues[0].message
    # One annotated example is enough for the extractor to use the pattern.
    annotated = "    - kodum [123456](otp_code) geldi mi\n- intent: faq/limits"
    write("data/nlu.yml", CLEAN_NLU.replace("- intent: faq/limits", annotated))
    assert "D113" not in [code for code, _ in codes(validate())]


def test_domain_checks(project: Path) -> None:
    clean_project()
    write(
        "domain.yml",
        CLEAN_DOMAIN.replace("      entity: amount\n", "      entity: tutar\n")
        .replace("intent: deposit_missing", "intent: [deposit_missing, yatirim]")
        .replace("required_slots: [amount]", "required_slots: [amount, iban]")
        .replace("actions: [action_check_deposit]", "actions: [action_check_deposit, utter_yok]")
        .replace("forms:", "  level:\n    type: categorical\nforms:"),
    )
    issues = validate()
    assert codes(issues) == [
        ("D201", "domain.yml:8"),
        ("D203", "domain.yml:14"),
        ("D202", "domain.yml:8"),
        ("D204", "domain.yml:11"),
        ("D206", "domain.yml:23"),
    ]
    assert "'tutar'" in issues[0].message and "'yatirim'" in issues[2].message
    assert "'iban'" in issues[1].message


MAPPING_VALUES = """\
  confirmed:
    type: text
    mappings:
    - {type: from_intent, intent: affirm, value: true}
  limit:
    type: float
    mappings:
    - {type: from_intent, intent: affirm, value: true}
    - {type: from_intent, intent: greet, value: "12,5"}
  level:
    type: categorical
    values: [bronz, altın]
    mappings:
    - {type: from_intent, intent: affirm, value: Altin}
    - {type: from_trigger_intent, intent: greet, value: elmas}
  verified:
    type: bool
    mappings:
    - {type: from_intent, intent: affirm, value: evet}
forms:"""


def test_mapping_values_that_do_not_fit_the_slot_type_are_warned_about(project: Path) -> None:
    clean_project()
    write("domain.yml", CLEAN_DOMAIN.replace("forms:", MAPPING_VALUES))
    issues = [issue for issue in validate() if issue.code == "D207"]
    assert [(issue.level, issue.source) for issue in issues] == [
        ("warning", "domain.yml:18"),
        ("warning", "domain.yml:25"),
        ("warning", "domain.yml:29"),
    ]
    assert issues[0].message.startswith(
        "slot 'limit' is a float slot; True is not a number, yet its from_intent mapping sets it"
    )
    assert "'elmas' is not one of its values (bronz, altın)" in issues[1].message
    assert "from_trigger_intent" in issues[1].message
    assert "slot 'verified' is a bool slot; 'evet' is not true or false" in issues[2].message


def test_story_and_rule_checks(project: Path) -> None:
    clean_project()
    write(
        "data/broken.yml",
        "stories:\n"
        "- story: bozuk\n"
        "  steps:\n"
        "  - intent: bonus_info\n"  # 4: D301
        "    entities:\n"
        "    - bonus_code: HG100\n"  # D304 (reported at the step, line 4)
        "  - action: action_bonus\n"  # 7: D302
        "  - action: utter_bonus\n"  # 8: D303
        "  - slot_was_set:\n"  # 9: D305
        "    - bonus: true\n"
        "  - active_loop: bonus_form\n"  # 11: D306
        "  - or:\n"
        "    - intent: bonus_info\n"  # reported once only
        "    - intent: kyc\n"  # 14: D301
        "- story: bozuk\n"  # 15: D309
        "  steps: []\n"
        "- story:\n"  # 17: D308
        "  steps: []\n"
        "rules:\n"
        "- rule: selam 2\n"  # 20: D307 against data/rules.yml 'selam'
        "  steps:\n"
        "  - intent: greet\n"
        "  - action: utter_done\n",
    )
    issues = validate()
    assert codes(issues) == [
        ("D301", "data/broken.yml:4"),
        ("D301", "data/broken.yml:14"),
        ("D302", "data/broken.yml:7"),
        ("D303", "data/broken.yml:8"),
        ("D305", "data/broken.yml:9"),
        ("D306", "data/broken.yml:11"),
        ("D307", "data/rules.yml:6"),
        ("D304", "data/broken.yml:4"),
        ("D308", "data/broken.yml:17"),
        ("D309", "data/broken.yml:15"),
    ]
    conflict = issues[6]
    assert "'selam'" in conflict.message and "'selam 2'" in conflict.message
    assert "data/broken.yml:20" in conflict.message
    assert "'utter_greet'" in conflict.message and "'utter_done'" in conflict.message
    assert issues[0].message == "story 'bozuk' uses intent 'bonus_info', which is not in the domain"


def test_rules_that_differ_in_condition_do_not_conflict(project: Path) -> None:
    clean_project()
    write(
        "data/rules.yml",
        CLEAN_RULES + "- rule: formda selam\n  condition:\n  - active_loop: deposit_form\n"
        "  steps:\n  - intent: greet\n  - action: utter_done\n"
        "- rule: ilk selam\n  conversation_start: true\n  steps:\n  - intent: greet\n"
        "  - action: utter_done\n",
    )
    assert validate() == []


def test_rules_without_rule_policy(project: Path) -> None:
    clean_project()
    write("config.yml", "language: tr\npolicies:\n- name: MemoizationPolicy\n")
    assert codes(validate()) == [("D401", "config.yml:3")]
    write("config.yml", "language: tr\n")  # default policies include rules
    assert validate() == []


def test_every_code_has_a_level_and_a_template() -> None:
    assert set(CODES) >= {
        "D101", "D102", "D103", "D104", "D105", "D106", "D107", "D108", "D109", "D113",
        "D114", "D115", "D116", "D117",
        "D201", "D202", "D203", "D301", "D302", "D303", "D304", "D307", "D308", "D309",
    }  # fmt: skip
    for code in CODES.values():
        assert code.level in ("error", "warning")
        assert code.template


def test_a_starter_shaped_project_loads_unchanged(project: Path) -> None:
    """The layout `rasa init` writes: empty pipeline, `user: |` tests, a shared example."""
    write("config.yml", "recipe: default.v1\nlanguage: tr\npipeline:\n# defaults\npolicies:\n")
    write(
        "domain.yml",
        'version: "3.1"\nintents:\n  - greet\n  - goodbye\nresponses:\n'
        '  utter_greet:\n  - text: "Merhaba!"\n  utter_goodbye:\n  - text: "Hoşça kal"\n'
        "session_config:\n  session_expiration_time: 60\n"
        "  carry_over_slots_to_new_session: true\n",
    )
    write(
        "data/nlu.yml",
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - merhaba\n'
        "    - selam\n    - iyi akşamlar\n- intent: goodbye\n  examples: |\n"
        "    - görüşürüz\n    - iyi akşamlar\n    - hoşça kal\n",
    )
    write(
        "data/rules.yml",
        'version: "3.1"\nrules:\n- rule: veda\n  steps:\n  - intent: goodbye\n'
        "  - action: utter_goodbye\n",
    )
    write(
        "tests/test_stories.yml",
        "stories:\n- story: selam\n  steps:\n  - user: |\n      merhaba!\n    intent: greet\n"
        "  - action: utter_greet\n",
    )
    issues = validate()
    assert codes(issues) == [("D104", "data/nlu.yml:11")]
    tests = load_stories("tests", skip_tests=False).stories
    assert [s.name for s in tests] == ["selam"]
