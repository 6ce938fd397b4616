"""Every problem ``bot data validate`` can report: its code, level and message template.

Kept in one table (like spaCy's ``errors.py``) so messages stay consistent, tests can
assert on codes, and the docs can list them. D1xx: NLU data, D2xx: domain, D3xx: stories
and rules, D4xx: config, D5xx: the console's canned responses. An :class:`Issue` is one
problem found, made by :func:`issue` from a code and the fields of its template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CODES", "Code", "Issue", "Level", "issue", "level_of", "render"]

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    level: Level
    template: str


_TABLE = (
    # NLU data
    Code(
        "D101",
        "warning",
        "intent {intent!r} has examples but is not listed under intents: in the domain",
    ),
    Code("D102", "warning", "intent {intent!r} is in the domain but has no NLU examples"),
    Code(
        "D103",
        "warning",
        "intent {intent!r} has {count} example(s), too few for the classifier to learn it "
        "from: give it at least 5, each a different way a player might say it",
    ),
    # A warning, as in Rasa: it trains (the classifier sees both), but it should be fixed;
    # `bot data validate --fail-on-warnings` makes it fail.
    Code(
        "D104",
        "warning",
        "the example {text!r} is under intent {intent!r} here and under intent {other!r} "
        "at {first}; keep it under one intent",
    ),
    Code(
        "D105",
        "warning",
        "intent {intent!r} has a second block in this file (first on line {line}); "
        "write its examples in one block",
    ),
    Code(
        "D106",
        "warning",
        "duplicate example {text!r} of intent {intent!r} (also at {first}) is dropped",
    ),
    Code(
        "D107",
        "warning",
        "entity {entity!r} is annotated in the NLU data but is not listed under entities: "
        "in the domain",
    ),
    Code("D108", "error", "synonym {surface!r} maps to {value!r} here but to {other!r} at {first}"),
    Code("D109", "error", "regex {name!r} does not compile: {reason}"),
    Code("D110", "warning", "{line!r} does not start with '- ' and is skipped"),
    Code("D111", "warning", 'unknown format version {version!r}; Rasa 3 files say version: "3.1"'),
    Code("D112", "warning", "unknown key {key!r} in an nlu item is ignored"),
    Code(
        "D113",
        "warning",
        "the patterns of {name!r} find no entity: no example annotates [..]({name}), and "
        "RegexEntityExtractor extracts only annotated entities; annotate one example",
    ),
    Code(
        "D114",
        "warning",
        "the example {text!r} of intent {intent!r} is {other!r} (at {first}) again once "
        "case, diacritics and spacing are set aside, so it counts twice; keep one of them",
    ),
    Code(
        "D115",
        "warning",
        "intent {intent!r} has {count} examples, more than {ratio} times the median of the "
        "other intents ({median:g}); the classifier will lean towards it: trim its examples "
        "or add to the others",
    ),
    Code(
        "D116",
        "warning",
        "the example {text!r} of intent {intent!r} has no letter, digit or emoji, so it "
        "teaches the classifier nothing; write what a player would type, or delete it",
    ),
    Code("D118", "warning", "an empty '- ' entry is skipped; write it out or delete the line"),
    # Emoji-only examples are fine with the default pipeline: the sentence encoder reads
    # them ("👎" is a deny); n-grams of letters see nothing in them.
    Code(
        "D117",
        "warning",
        "the example {text!r} of intent {intent!r} is only emoji and symbols, which the "
        "pipeline reads only through a sentence encoder, and config.yml's pipeline has "
        "none; add words to it, or add SentenceEncoderFeaturizer to the pipeline",
    ),
    # domain
    Code("D201", "error", "slot {slot!r} maps from entity {entity!r}, which is not in the domain"),
    # A warning, as in Rasa: such a mapping can never fire, but the domain still loads.
    Code(
        "D202",
        "warning",
        "slot {slot!r} has a mapping for intent {intent!r}, which is not in the domain; "
        "the mapping can never apply",
    ),
    Code(
        "D203", "error", "form {form!r} requires slot {slot!r}, which is not declared under slots:"
    ),
    Code("D204", "warning", "categorical slot {slot!r} lists no values:"),
    Code(
        "D205", "warning", "{what} {name!r} is declared twice (also at {first}); the first is kept"
    ),
    Code("D206", "warning", "{action!r} is listed under actions: but has no response"),
    # A warning, as in Rasa any slot holds any value: only its feature for the policies
    # follows the type (a bool in a float slot, an unlisted category is `__other__`).
    Code(
        "D207",
        "warning",
        "{misfit}, yet its {mapping} mapping sets it; the slot keeps the value as given "
        "(as in Rasa), but the policies featurize it by the slot's type",
    ),
    # stories and rules
    Code("D301", "error", "{block} uses intent {intent!r}, which is not in the domain"),
    Code("D302", "error", "{block} uses action {action!r}, which is not in the domain"),
    Code("D303", "error", "{block} uses {action!r}, but the domain has no response of that name"),
    Code("D304", "warning", "{block} uses entity {entity!r}, which is not in the domain"),
    Code("D305", "error", "{block} sets slot {slot!r}, which is not in the domain"),
    Code(
        "D306",
        "error",
        "{block} activates loop {form!r}, which is not a form or action in the domain",
    ),
    Code(
        "D307",
        "error",
        "rule {rule!r} and rule {other!r} ({first}) start alike but predict {action!r} "
        "and {other_action!r}",
    ),
    Code("D308", "warning", "a {kind} has no name"),
    Code("D309", "warning", "{kind} name {name!r} is used twice (also at {first})"),
    # config
    Code(
        "D401",
        "warning",
        "there are rules but no RulePolicy among the policies, so the rules are never applied",
    ),
    # the console's canned responses (canned.yml)
    Code("D501", "error", "{problem}"),
    Code(
        "D502",
        "warning",
        "canned response {shortcut!r} fits intent {intent!r}, which is not in the domain",
    ),
)

CODES: dict[str, Code] = {code.code: code for code in _TABLE}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found: its level and code, ``file:line`` and the rendered message."""

    level: Level
    code: str
    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.level} {self.code}: {self.message}"


def render(code: str, **fields: Any) -> str:
    """The message of ``code`` with ``fields`` filled in."""
    return CODES[code].template.format(**fields)


def issue(code: str, source: str, **fields: Any) -> Issue:
    """The issue ``code`` at ``source``, its message filled in from ``fields``."""
    return Issue(level_of(code), code, source, render(code, **fields))


def level_of(code: str) -> Level:
    """'error' or 'warning'; codes not in the table count as warnings."""
    known = CODES.get(code)
    return known.level if known else "warning"
