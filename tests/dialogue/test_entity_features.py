"""Which entities an intent lets into the dialogue state, as Rasa's domain decides it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.domain import read_domain
from bot.dialogue.entity_features import EntityFilter, entity_labels

DOMAIN = """\
version: "3.1"
intents:
- greet
- pay_cc:
    use_entities: []
- refuse:
    use_entities: false
- check_balance:
    use_entities: [account_type, city]
- transfer:
    ignore_entities: [amount, city]
- both:
    use_entities: [amount, account_type]
    ignore_entities: [amount]
entities:
- amount
- account_type
- city:
    roles: [departure, destination]
    groups: ["1"]
- internal_id:
    influence_conversation: false
"""
MESSAGE = [
    {"entity": "amount", "value": "500 TL"},
    {"entity": "account_type", "value": "vadesiz"},
    {"entity": "city", "value": "Ankara", "role": "departure", "group": "1"},
    {"entity": "internal_id", "value": "x1"},
    {"entity": "not_in_domain", "value": "?"},
]


@pytest.fixture
def entity_filter(tmp_path: Path) -> EntityFilter:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    return EntityFilter(read_domain(tmp_path / "domain.yml"))


def test_labels_are_the_name_and_the_name_with_its_role_and_group() -> None:
    assert entity_labels(MESSAGE[2:3]) == {"city", "city#departure", "city#1"}
    assert entity_labels([{"entity": "city", "role": None}, {"value": "no name"}]) == {"city"}


@pytest.mark.parametrize(
    ("intent", "labels"),
    [
        # default: every domain entity (not one that opts out) with its roles and groups
        ("greet", {"amount", "account_type", "city", "city#departure", "city#1"}),
        ("nlu_fallback", {"amount", "account_type", "city", "city#departure", "city#1"}),
        ("pay_cc", set()),
        ("refuse", set()),
        ("check_balance", {"account_type", "city", "city#departure", "city#1"}),
        ("transfer", {"account_type"}),
        ("both", {"account_type"}),
        # an intent the domain does not declare lets everything through
        ("unknown", {e["entity"] for e in MESSAGE} | {"city#departure", "city#1"}),
        (None, {e["entity"] for e in MESSAGE} | {"city#departure", "city#1"}),
    ],
)
def test_the_intent_decides_which_entities_count(
    entity_filter: EntityFilter, intent: str | None, labels: set[str]
) -> None:
    assert entity_filter(intent, MESSAGE) == labels


def test_a_retrieval_intent_uses_the_entities_of_its_base(entity_filter: EntityFilter) -> None:
    assert entity_filter("pay_cc/ask_limit", MESSAGE) == set()


def test_an_entity_that_opts_out_is_written_back_for_the_action_server(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    entities: list[Any] = read_domain(tmp_path / "domain.yml").as_dict()["entities"]
    assert {"internal_id": {"influence_conversation": False}} in entities
    assert "amount" in entities


def test_a_domains_filter_is_built_once_and_a_new_domain_gets_its_own(tmp_path: Path) -> None:
    (tmp_path / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    domain = read_domain(tmp_path / "domain.yml")
    assert EntityFilter.of(domain) is EntityFilter.of(domain)  # each turn reuses it
    reloaded = read_domain(tmp_path / "domain.yml")  # a retrained model: equal, not the same
    assert EntityFilter.of(reloaded) is not EntityFilter.of(domain)
    labels = [{"entity": "amount"}, {"entity": "city", "role": "departure"}]
    assert EntityFilter.of(reloaded)("greet", labels) == EntityFilter(domain)("greet", labels)
