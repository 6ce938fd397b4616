"""``bot data validate`` on what the NLU examples say: an intent with too few examples or
with far more than the others, one example written twice in an intent, an example with
no words in it.

Two examples are the same when they meet under :func:`normalize_for_match` (Turkish
lower-casing, diacritics folded, elongations squashed, spaces collapsed): the key the
reader compares examples of two intents with (D104).
"""

from __future__ import annotations

import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from bot.config import ProjectConfig
from bot.errors import ConfigError
from bot.nlu.training_data import Example, TrainingData, retrieval_intent
from bot.nlu.turkish_text import normalize_for_match
from bot.validation_codes import Issue, issue

__all__ = ["FEW_EXAMPLES", "IMBALANCE_MIN", "IMBALANCE_RATIO", "example_issues"]

# An intent with this many examples or fewer is too small to learn (D103).
FEW_EXAMPLES = 2
# An intent with more than IMBALANCE_RATIO times the median of the other intents, and
# more than IMBALANCE_MIN examples, pulls the classifier towards it (D115).
IMBALANCE_RATIO = 10
IMBALANCE_MIN = 100


def example_issues(data: TrainingData, config: ProjectConfig | None) -> Iterator[Issue]:
    """The problems of ``data``'s intent examples; ``config`` tells which pipeline reads them."""
    examples = data.intent_examples
    yield from _few_examples(examples)
    yield from _imbalance(examples)
    yield from _repeated_in_intent(examples)
    yield from _wordless(examples, config)


def _counts(
    examples: Sequence[Example], name_of: Callable[[str], str] = str
) -> tuple[Counter[str], dict[str, str]]:
    """How many examples each intent has, and where its first one is."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for example in examples:
        name = name_of(str(example.intent))
        counts[name] += 1
        first.setdefault(name, example.source)
    return counts, first


def _few_examples(examples: Sequence[Example]) -> Iterator[Issue]:
    counts, first = _counts(examples)
    for name, count in sorted(counts.items()):
        if count <= FEW_EXAMPLES:
            yield issue("D103", first[name], intent=name, count=count)


def _imbalance(examples: Sequence[Example]) -> Iterator[Issue]:
    """Counted as the classifier sees intents: ``faq/limits`` and ``faq/bonus`` are ``faq``."""
    counts, first = _counts(examples, retrieval_intent)
    for name, count in sorted(counts.items()):
        others = [other for key, other in counts.items() if key != name]
        if not others or count <= IMBALANCE_MIN:
            continue
        median = statistics.median(others)
        if count > IMBALANCE_RATIO * median:
            yield issue(
                "D115",
                first[name],
                intent=name,
                count=count,
                ratio=IMBALANCE_RATIO,
                median=median,
            )


def _repeated_in_intent(examples: Sequence[Example]) -> Iterator[Issue]:
    """The same text twice in one intent; exact repeats the reader already dropped (D106)."""
    first: dict[tuple[str, str], Example] = {}
    for example in examples:
        intent = str(example.intent)
        earlier = first.setdefault((intent, normalize_for_match(example.text)), example)
        if earlier is not example:
            yield issue(
                "D114",
                example.source,
                text=example.text,
                intent=intent,
                other=earlier.text,
                first=earlier.source,
            )


def _wordless(examples: Sequence[Example], config: ProjectConfig | None) -> Iterator[Issue]:
    reads_emoji: bool | None = None  # asked once, and only when an emoji-only example shows
    for example in examples:
        text = example.text
        if any(ch.isalnum() for ch in text):
            continue
        fields = {"text": text, "intent": str(example.intent)}
        if not any(unicodedata.category(ch) == "So" for ch in text):
            yield issue("D116", example.source, **fields)
            continue
        if reads_emoji is None:
            reads_emoji = _has_sentence_encoder(config)
        if not reads_emoji:
            yield issue("D117", example.source, **fields)


def _has_sentence_encoder(config: ProjectConfig | None) -> bool:
    """Whether the pipeline config.yml builds has a sentence encoder; every default has."""
    if config is None or not config.pipeline:
        return True
    # Imported here: it loads every component (about a second), needed only in this case.
    from bot.nlu.components.dense_featurizer import SentenceEncoderFeaturizer
    from bot.nlu.registry import registry

    for component in config.pipeline:
        try:
            cls = registry.component_class(component.name)
        except ConfigError:  # an unknown name; training reports it
            continue
        if issubclass(cls, SentenceEncoderFeaturizer):
            return True
    return False
