"""Scoring for ``bot test nlu``: intent and entity figures from predictions.

An ``nlu_fallback`` prediction counts as a wrong prediction labelled ``nlu_fallback``, as
Rasa counts it; ``gold_macro_f1`` averages over the test intents only. Entities are
scored per span: right when type, start and end match a gold annotation.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.message import Entity
from bot.nlu.training_data import EntitySpan, Example

__all__ = [
    "NO_INTENT",
    "IntentScores",
    "Prediction",
    "entity_error_row",
    "entity_mismatch",
    "entity_report",
    "extractor_reports",
    "gold_macro_f1",
    "intent_error_row",
    "intent_report",
    "intent_scores",
]

NO_INTENT = "None"  # what a message without any intent is labelled, as in Rasa


@dataclasses.dataclass(frozen=True, slots=True)
class Prediction:
    """What the pipeline made of one test example.

    ``intent`` may be ``nlu_fallback``; ``classifier_intent`` is the classifier's own top
    intent (the entry ranked under the fallback). ``entities`` is what parse returns, after
    overlap resolution; ``extracted`` is every extractor's output before it.
    """

    example: Example
    intent: str
    confidence: float
    classifier_intent: str
    entities: tuple[Entity, ...]
    extracted: tuple[Entity, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class IntentScores:
    """The headline intent figures, written to ``intent_summary.json``."""

    accuracy: float
    macro_f1: float
    weighted_f1: float
    accuracy_without_fallback: float
    macro_f1_without_fallback: float
    fallback_rate: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# -- intents --------------------------------------------------------------------------
def intent_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """scikit-learn's report as a dict, with the top 3 wrong predictions per intent."""
    report: dict[str, Any] = classification_report(
        gold, predicted, output_dict=True, zero_division=0
    )
    labels = sorted(set(gold) | set(predicted))
    for row in report.values():
        if isinstance(row, dict):
            row["support"] = int(row["support"])
    matrix = confusion_matrix(gold, predicted, labels=labels)
    for i, label in enumerate(labels):
        wrong = Counter({labels[j]: int(n) for j, n in enumerate(matrix[i]) if j != i and n})
        report[label]["confused_with"] = dict(wrong.most_common(3))
    return report


def gold_macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Macro-F1 averaged over the intents of the test set. A prediction of
    ``nlu_fallback`` counts as a miss, but is not averaged in as a class of its own with
    F1 0 (``intent_report.json``'s ``macro avg``, like Rasa's, does that)."""
    labels = sorted(set(gold))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))


def intent_scores(predictions: Sequence[Prediction]) -> IntentScores:
    gold = [p.example.intent or NO_INTENT for p in predictions]
    predicted = [p.intent for p in predictions]
    raw = [p.classifier_intent for p in predictions]
    report = intent_report(gold, predicted)
    raw_report = intent_report(gold, raw)
    return IntentScores(
        accuracy=float(report["accuracy"]),
        macro_f1=gold_macro_f1(gold, predicted),
        weighted_f1=float(report["weighted avg"]["f1-score"]),
        accuracy_without_fallback=float(raw_report["accuracy"]),
        macro_f1_without_fallback=gold_macro_f1(gold, raw),
        fallback_rate=float(np.mean([i == FALLBACK_INTENT for i in predicted])),
        n=len(predictions),
    )


def intent_error_row(p: Prediction) -> dict[str, Any]:
    return {
        "text": p.example.text,
        "intent": p.example.intent,
        "intent_prediction": {"name": p.intent, "confidence": round(p.confidence, 6)},
    }


# -- entities -------------------------------------------------------------------------
def _key(e: EntitySpan | Entity) -> tuple[str, int, int]:
    return e.entity, e.start, e.end


def _value_checked(example: Example, gold: EntitySpan, predicted: Entity) -> bool:
    """Values are checked where the annotation names a synonym and the value is a string
    (built-in amount and time extractors give dicts)."""
    surface = example.text[gold.start : gold.end]
    return gold.value != surface and isinstance(predicted.value, str)


def entity_report(
    pairs: Sequence[tuple[Example, Sequence[Entity]]], only: set[str] | None = None
) -> dict[str, Any]:
    """Span-level precision, recall and F1 per entity type, in scikit-learn's shape.

    ``pairs`` are (example, predicted entities); ``only`` limits the report to some types.
    ``value_accuracy`` is over the matched spans whose value is checked (a synonym).
    """
    counts: dict[str, Counter[str]] = {}
    values: Counter[str] = Counter()
    for example, predicted in pairs:
        gold = {_key(g): g for g in example.entities if only is None or g.entity in only}
        found = {_key(e): e for e in predicted if only is None or e.entity in only}
        for key in gold.keys() | found.keys():
            kind = "tp" if key in gold and key in found else "fn" if key in gold else "fp"
            counts.setdefault(key[0], Counter())[kind] += 1
        for key in gold.keys() & found.keys():
            if _value_checked(example, gold[key], found[key]):
                values.update({"n": 1, "right": found[key].value == gold[key].value})
    report: dict[str, Any] = {t: _prf(c) for t, c in sorted(counts.items())}
    report["micro avg"] = _prf(sum(counts.values(), Counter()))
    rows = [report[t] for t in counts]
    support = sum(r["support"] for r in rows)
    for name, weights in (
        ("macro avg", [1] * len(rows)),
        ("weighted avg", [r["support"] for r in rows]),
    ):
        total = sum(weights) or 1
        report[name] = {
            m: sum(w * r[m] for w, r in zip(weights, rows, strict=True)) / total
            for m in ("precision", "recall", "f1-score")
        } | {"support": support}
    report["value_accuracy"] = values["right"] / values["n"] if values["n"] else None
    report["value_support"] = values["n"]
    return report


def _prf(c: Counter[str]) -> dict[str, Any]:
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1-score": f1, "support": c["tp"] + c["fn"]}


def extractor_reports(predictions: Sequence[Prediction]) -> dict[str, dict[str, Any]]:
    """One report per extractor, over the entity types it produced at least once."""
    produced: dict[str, set[str]] = {}
    for p in predictions:
        for e in p.extracted:
            produced.setdefault(e.extractor, set()).add(e.entity)
    return {
        name: entity_report(
            [(p.example, [e for e in p.extracted if e.extractor == name]) for p in predictions],
            only=types,
        )
        for name, types in sorted(produced.items())
    }


def entity_mismatch(p: Prediction) -> bool:
    gold = {_key(g): g for g in p.example.entities}
    found = {_key(e): e for e in p.entities}
    if gold.keys() != found.keys():
        return True
    return any(
        _value_checked(p.example, g, found[k]) and found[k].value != g.value
        for k, g in gold.items()
    )


def entity_error_row(p: Prediction) -> dict[str, Any]:
    return {
        "text": p.example.text,
        "entities": [g.as_dict() for g in p.example.entities],
        "predicted_entities": [e.as_dict() for e in p.entities],
    }
