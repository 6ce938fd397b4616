"""The working object of the NLU pipeline and the typed results it produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "DEFAULT_SELECTOR_KEY",
    "Entity",
    "FeatureProvider",
    "IntentScore",
    "Message",
    "ResponseSelection",
    "SparseFeatures",
    "Token",
    "ensure_feature",
]


@dataclass(frozen=True, slots=True)
class Token:
    """A token with offsets into the original text and its normalised, folded form."""

    text: str
    start: int
    end: int
    norm: str


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 6)}


# The ``response_selector`` entry of a ResponseSelector trained on every retrieval intent.
DEFAULT_SELECTOR_KEY = "default"


@dataclass(frozen=True, slots=True)
class ResponseSelection:
    """ResponseSelector's choice for one retrieval intent: the full key (``faq/ask_name``),
    its confidence, the domain's responses for it, and the ranking of the other keys."""

    intent_response_key: str
    confidence: float
    responses: tuple[Any, ...] | None
    ranking: tuple[tuple[str, float], ...]

    def as_dict(self) -> dict[str, Any]:
        """Rasa 3's shape of one entry under ``response_selector``."""
        action = f"utter_{self.intent_response_key}"
        return {
            "response": {
                "intent_response_key": self.intent_response_key,
                "responses": list(self.responses) if self.responses is not None else None,
                "confidence": round(float(self.confidence), 6),
                "utter_action": action,
                "template_name": action,
            },
            "ranking": [
                {"intent_response_key": key, "confidence": round(float(confidence), 6)}
                for key, confidence in self.ranking
            ],
        }


@dataclass(frozen=True, slots=True)
class Entity:
    """An extracted entity in Rasa's shape; ``value`` may be a string, number or dict."""

    start: int
    end: int
    entity: str
    value: Any
    extractor: str
    confidence: float = 1.0
    text: str = ""
    role: str | None = None
    group: str | None = None
    processors: tuple[str, ...] = ()
    additional_info: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "confidence_entity": round(float(self.confidence), 6),
            "confidence": round(float(self.confidence), 6),
            "value": self.value,
            "extractor": self.extractor,
        }
        if self.role is not None:
            out["role"] = self.role
        if self.group is not None:
            out["group"] = self.group
        if self.processors:
            out["processors"] = list(self.processors)
        if self.additional_info:
            out["additional_info"] = self.additional_info
        return out


@dataclass(frozen=True, slots=True, eq=False)
class SparseFeatures:
    """One featurizer's sparse block: ``values`` at ``indices`` of a ``dim``-wide vector."""

    indices: Any  # np.ndarray[int32]
    values: Any  # np.ndarray[float32]
    dim: int


class FeatureProvider(Protocol):
    """Computes a feature for many messages at once (so expensive encoders can batch)."""

    def compute(self, messages: Sequence[Message]) -> None: ...


@dataclass(slots=True, eq=False)
class Message:
    """One utterance travelling through the pipeline; components fill it in order.

    ``normalized`` and ``folded`` have the same length, and ``offsets[i]`` is the index in
    ``text`` of character ``i`` of ``normalized`` (normalisation may squash characters).
    ``features`` holds computed features; ``pending`` holds providers of features that are
    computed only when a component asks for them (see :func:`ensure_feature`).
    """

    text: str
    normalized: str = ""
    folded: str = ""
    offsets: tuple[int, ...] = ()
    tokens: list[Token] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, FeatureProvider] = field(default_factory=dict)
    intent: IntentScore | None = None
    intent_ranking: list[IntentScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # ResponseSelector's choices by selector key, and every retrieval intent it knows.
    response_selections: dict[str, ResponseSelection] = field(default_factory=dict)
    retrieval_intents: tuple[str, ...] = ()
    # Training-only: the gold intent and entity annotations of the example; for a
    # retrieval intent, ``gold_intent`` is its base (``faq``) and ``gold_response_key``
    # the full key (``faq/ask_name``).
    gold_intent: str | None = None
    gold_response_key: str | None = None
    gold_entities: tuple[Any, ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``normalized``/``folded`` back to ``text``.

        The span runs to where the next normalised character begins, so a squashed run
        ("merhabaaaa" -> "merhabaa") is covered whole; trailing whitespace is dropped.
        """
        if not self.offsets:
            return start, end
        n = len(self.offsets)
        o_start = self.offsets[min(start, n - 1)] if start < n else len(self.text)
        o_end = self.offsets[end] if end < n else len(self.text)
        while o_end > o_start and self.text[o_end - 1].isspace():
            o_end -= 1
        return o_start, o_end

    def has_feature(self, name: str) -> bool:
        return name in self.features or name in self.pending


def ensure_feature(messages: Sequence[Message], name: str) -> None:
    """Compute the pending feature ``name`` for every message lacking it, batched per provider."""
    by_provider: dict[int, tuple[FeatureProvider, list[Message]]] = {}
    for message in messages:
        if name in message.features:
            continue
        provider = message.pending.get(name)
        if provider is None:
            continue
        by_provider.setdefault(id(provider), (provider, []))[1].append(message)
    for provider, group in by_provider.values():
        provider.compute(group)
        for message in group:
            message.pending.pop(name, None)
