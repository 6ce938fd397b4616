"""The NLU pipeline: components from config.yml, trained in order, run in order."""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from bot.errors import ConfigError
from bot.nlu.component import Component
from bot.nlu.message import Entity, Message
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData, retrieval_intent

__all__ = [
    "DEFAULT_PIPELINE",
    "NEUTRAL_PIPELINE",
    "ComponentSpec",
    "Pipeline",
    "default_pipeline",
    "parse_result",
]

log = logging.getLogger(__name__)

DEFAULT_PIPELINE: tuple[dict[str, Any], ...] = (
    {"name": "TurkishNormalizer"},
    {"name": "SpacyTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "NGramFeaturizer"},
    {"name": "SentenceEncoderFeaturizer"},
    {"name": "LinearIntentClassifier"},
    {"name": "CRFEntityExtractor"},
    {"name": "RegexEntityExtractor"},
    {"name": "TurkishAmountExtractor"},
    {"name": "TurkishTimeExtractor"},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector"},  # answers retrieval intents; idle without them
    {"name": "FallbackClassifier", "known_words": True},  # no known word: nlu_fallback
)

# For a language without a tuned default: no Turkish casing, folding or extractors. Word
# and character n-grams plus the multilingual sentence encoder. Unseen n-grams shorten
# the n-gram features, and the encoder is not asked about a message unlike every
# training example, so gibberish and off-topic text stay unsure.
NEUTRAL_PIPELINE: tuple[dict[str, Any], ...] = (
    {"name": "TextNormalizer"},
    {"name": "SpacyTokenizer"},
    {"name": "RegexFeaturizer"},
    {"name": "NGramFeaturizer", "unseen_weight": 1.0},
    {"name": "SentenceEncoderFeaturizer"},
    {"name": "LinearIntentClassifier", "novelty_quantile": 0.02},
    {"name": "CRFEntityExtractor"},
    {"name": "RegexEntityExtractor"},
    {"name": "EntitySynonymMapper"},
    {"name": "ResponseSelector"},  # answers retrieval intents; idle without them
    {"name": "FallbackClassifier"},
)

_TUNED_DEFAULTS = {"tr": DEFAULT_PIPELINE, "az": DEFAULT_PIPELINE}

MAX_CHARS = 2000

# When extractors overlap on one entity type, the more specific one wins.
_EXTRACTOR_RANK = {
    "TurkishAmountExtractor": 3,
    "TurkishTimeExtractor": 3,
    "DucklingEntityExtractor": 3,
    "RegexEntityExtractor": 2,
}


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    """One ``- name: ...`` entry of config.yml; ``source`` is ``config.yml:LINE``."""

    name: str
    options: Mapping[str, Any]
    source: str = ""


ProgressCallback = Callable[[str, int, int], None]


def default_pipeline(language: str) -> list[ComponentSpec]:
    """The pipeline of an empty ``pipeline:``: Turkish's tuned one, or the neutral one."""
    chosen = _TUNED_DEFAULTS.get(language.lower().split("_")[0].split("-")[0], NEUTRAL_PIPELINE)
    return [
        ComponentSpec(d["name"], {k: v for k, v in d.items() if k != "name"}, "default pipeline")
        for d in chosen
    ]


class Pipeline:
    """An ordered list of components. ``train`` fits them; ``parse`` runs them."""

    def __init__(
        self, components: Sequence[Component], specs: Sequence[ComponentSpec], language: str
    ) -> None:
        self.components = list(components)
        self.specs = list(specs)
        self.language = language

    @classmethod
    def from_specs(cls, specs: Sequence[ComponentSpec] | None, language: str = "tr") -> Self:
        if not specs:
            specs = default_pipeline(language)
        components = []
        for spec in specs:
            try:
                components.append(_create(spec, language))
            except ConfigError as exc:
                where = f"{spec.source}: " if spec.source else ""
                raise ConfigError(f"{where}{exc}") from exc
        return cls(components, specs, language)

    def train(self, data: TrainingData, progress: ProgressCallback | None = None) -> Self:
        messages = [_training_message(e) for e in data.examples]
        total = len(self.components)
        for i, (component, spec) in enumerate(zip(self.components, self.specs, strict=True)):
            if progress:
                progress(spec.name, i, total)
            started = time.perf_counter()
            component.train(messages, data)
            if component.featurizes:
                component.process_batch(messages)
            log.debug("trained %s in %.2fs", spec.name, time.perf_counter() - started)
        if progress:
            progress("done", total, total)
        return self

    def warm_up(self) -> None:
        for component in self.components:
            component.warm_up()
        self.parse_batch(["merhaba", "şifremi unuttum"])

    def parse_batch(self, texts: Sequence[str]) -> list[Message]:
        """Parse many texts at once. Only the first ``MAX_CHARS`` of a text are read, so a
        100 KB message costs what a long one does; offsets stay valid for the full text."""
        messages = [_message(t) for t in texts]
        active = [m for m in messages if m.text.strip()]
        if active:
            for component in self.components:
                component.process_batch(active)
            for message in active:
                message.entities = _resolve_overlaps(message.entities)
        return messages

    def parse(self, text: str) -> dict[str, Any]:
        return parse_result(self.parse_batch([text])[0])

    @property
    def intents(self) -> list[str]:
        for component in self.components:
            classes = getattr(component, "classes_", None) or getattr(
                getattr(component, "intents", None), "classes_", None
            )
            if classes:
                return list(classes)
        return []


def _create(spec: ComponentSpec, language: str) -> Component:
    options = dict(spec.options)
    cls = registry.component_class(spec.name)
    if "language" in inspect.signature(cls).parameters:
        options.setdefault("language", language)
    component: Component = registry.create(spec.name, options)
    return component


_SURROGATE = re.compile("[\ud800-\udfff]")


def _message(text: str) -> Message:
    if _SURROGATE.search(text):  # only Python callers can send one; encoders need UTF-8
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    message = Message(text=text[:MAX_CHARS])
    if len(text) > MAX_CHARS:
        message.metadata["full_text"] = text
    return message


def _training_message(example: Any) -> Message:
    message = Message(text=example.text)
    message.gold_intent = retrieval_intent(example.intent) if example.intent else None
    if example.intent and example.intent != message.gold_intent:
        message.gold_response_key = example.intent
    message.gold_entities = tuple(example.entities)
    return message


def _resolve_overlaps(entities: list[Entity]) -> list[Entity]:
    """Keep one entity per overlapping span of the same type, best extractor first."""
    ranked = sorted(
        entities,
        key=lambda e: (-_EXTRACTOR_RANK.get(e.extractor, 1), -(e.end - e.start), -e.confidence),
    )
    kept: list[Entity] = []
    for entity in ranked:
        clash = any(
            k.entity == entity.entity and k.start < entity.end and entity.start < k.end
            for k in kept
        )
        if not clash:
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.entity))


def parse_result(message: Message) -> dict[str, Any]:
    """The ``/model/parse`` response body in Rasa's shape."""
    intent = message.intent.as_dict() if message.intent else {"name": None, "confidence": 0.0}
    result: dict[str, Any] = {
        "text": message.metadata.get("full_text", message.text),
        "intent": intent,
        "entities": [e.as_dict() for e in message.entities],
        "intent_ranking": [s.as_dict() for s in message.intent_ranking],
    }
    if message.retrieval_intents:
        selector: dict[str, Any] = {"all_retrieval_intents": list(message.retrieval_intents)}
        for key, selection in message.response_selections.items():
            selector[key] = selection.as_dict()
        result["response_selector"] = selector
    if "language" in message.metadata:  # written in another language than the project's
        result["language"] = message.metadata["language"]
    return result
