"""``bot test nlu``: intent and entity reports in Rasa's shape, and cross-validation.

The test examples are parsed in batches by the trained pipeline. ``intent_report.json``
is scikit-learn's classification report as a dict with ``confused_with`` per intent, as
Rasa writes it; an ``nlu_fallback`` prediction counts as a wrong prediction labelled
``nlu_fallback``. ``intent_summary.json`` adds what the classifier's own top intent
scores when the fallback is ignored. Entities are scored per span: an entity is right
when its type, start and end match a gold annotation.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold

from bot.config import read_config
from bot.errors import DataError, ModelError
from bot.model_storage import load_model
from bot.nlu.component import Component
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.evaluation_plots import plot_confidence_histogram, plot_confusion_matrix
from bot.nlu.message import Entity, Message
from bot.nlu.pipeline import ComponentSpec, Pipeline, ProgressCallback
from bot.nlu.training_data import EntitySpan, Example, TrainingData
from bot.training import load_training_data, pipeline_from_config

__all__ = [
    "BATCH_SIZE",
    "FoldScores",
    "IntentScores",
    "NluReport",
    "Prediction",
    "cross_validate",
    "entity_report",
    "evaluate_model",
    "evaluate_pipeline",
    "intent_report",
    "predict",
    "write_reports",
]

log = logging.getLogger(__name__)

BATCH_SIZE = 64
RANDOM_STATE = 42
NO_INTENT = "None"  # what a message without any intent is labelled, as in Rasa
_EXTRACTED = "evaluation_extracted_entities"


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


@dataclasses.dataclass(frozen=True, slots=True)
class FoldScores:
    fold: int
    train: int
    test: int
    accuracy: float
    macro_f1: float
    weighted_f1: float


@dataclasses.dataclass(frozen=True, slots=True)
class NluReport:
    """The reports of one evaluation, and the files they were written to."""

    scores: IntentScores
    intent_report: dict[str, Any]
    entity_report: dict[str, Any]
    extractor_reports: dict[str, dict[str, Any]]
    files: tuple[Path, ...]
    folds: tuple[FoldScores, ...] = ()

    def summary(self) -> str:
        s = self.scores
        lines = []
        if self.folds:
            f1 = [f.macro_f1 for f in self.folds]
            acc = [f.accuracy for f in self.folds]
            lines.append(
                f"{len(self.folds)}-fold cross-validation: macro F1-score {np.mean(f1):.3f} "
                f"({np.std(f1):.3f}), accuracy {np.mean(acc):.3f} ({np.std(acc):.3f})"
            )
        lines += [
            f"Intents: {s.n} examples, accuracy {s.accuracy:.3f}, macro F1 {s.macro_f1:.3f}, "
            f"weighted F1 {s.weighted_f1:.3f}",
            f"Without fallback: accuracy {s.accuracy_without_fallback:.3f}, macro F1 "
            f"{s.macro_f1_without_fallback:.3f}; fallback rate {s.fallback_rate:.3f}",
            "",
            f"{'intent':<28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}",
        ]
        lines += _table_lines(self.intent_report)
        if _labels(self.entity_report):
            lines += ["", f"{'entity':<28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
            lines += _table_lines(self.entity_report)
        if self.entity_report.get("value_support"):
            lines.append(
                f"Synonym values: accuracy {self.entity_report['value_accuracy']:.3f} over "
                f"{self.entity_report['value_support']} matched spans"
            )
        if self.files:
            names = ", ".join(p.name for p in self.files)
            lines += ["", f"Wrote {len(self.files)} files to {self.files[0].parent}: {names}"]
        return "\n".join(lines)


def _labels(report: dict[str, Any]) -> list[str]:
    return [k for k, v in report.items() if isinstance(v, dict) and not k.endswith(" avg")]


def _table_lines(report: dict[str, Any]) -> list[str]:
    return [
        f"{label:<28} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1-score']:>6.3f} "
        f"{row['support']:>8}"
        for label in _labels(report)
        if (row := report[label])["support"]
    ]


# -- parsing --------------------------------------------------------------------------
class _ExtractedEntitiesRecorder(Component):
    """Runs last and keeps every extractor's entities before overlaps are resolved."""

    def process(self, message: Message) -> None:
        message.metadata[_EXTRACTED] = tuple(message.entities)


def _recording(pipeline: Pipeline) -> Pipeline:
    spec = ComponentSpec("ExtractedEntitiesRecorder", {})
    components = [*pipeline.components, _ExtractedEntitiesRecorder()]
    return Pipeline(components, [*pipeline.specs, spec], pipeline.language)


def predict(
    pipeline: Pipeline,
    examples: Sequence[Example],
    progress: Callable[[int, int], None] | None = None,
) -> list[Prediction]:
    """Parse ``examples`` ``BATCH_SIZE`` at a time; ``progress(done, total)`` per batch."""
    recording = _recording(pipeline)
    predictions: list[Prediction] = []
    for start in range(0, len(examples), BATCH_SIZE):
        batch = examples[start : start + BATCH_SIZE]
        messages = recording.parse_batch([e.text for e in batch])
        predictions += [_prediction(e, m) for e, m in zip(batch, messages, strict=True)]
        if progress:
            progress(len(predictions), len(examples))
    return predictions


def _prediction(example: Example, message: Message) -> Prediction:
    ranking = message.intent_ranking
    intent = message.intent.name if message.intent else NO_INTENT
    classifier = intent
    if intent == FALLBACK_INTENT and len(ranking) > 1:
        classifier = ranking[1].name
    return Prediction(
        example=example,
        intent=intent,
        confidence=float(message.intent.confidence) if message.intent else 0.0,
        classifier_intent=classifier,
        entities=tuple(message.entities),
        extracted=message.metadata.get(_EXTRACTED, ()),
    )


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


def _intent_row(p: Prediction) -> dict[str, Any]:
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


def _entity_mismatch(p: Prediction) -> bool:
    gold = {_key(g): g for g in p.example.entities}
    found = {_key(e): e for e in p.entities}
    if gold.keys() != found.keys():
        return True
    return any(
        _value_checked(p.example, g, found[k]) and found[k].value != g.value
        for k, g in gold.items()
    )


def _entity_row(p: Prediction) -> dict[str, Any]:
    return {
        "text": p.example.text,
        "entities": [g.as_dict() for g in p.example.entities],
        "predicted_entities": [e.as_dict() for e in p.entities],
    }


# -- reports --------------------------------------------------------------------------
def write_reports(
    predictions: Sequence[Prediction], out_dir: Path, folds: Sequence[FoldScores] = ()
) -> NluReport:
    """Compute every report from ``predictions`` and write them, with the plots, to ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with_intent = [p for p in predictions if p.example.intent]
    gold = [p.example.intent or NO_INTENT for p in with_intent]
    predicted = [p.intent for p in with_intent]
    scores = intent_scores(with_intent)
    intents = intent_report(gold, predicted)
    entities = entity_report([(p.example, p.entities) for p in predictions])
    extractors = extractor_reports(predictions)
    hits = [p for p in with_intent if p.intent == p.example.intent]
    misses = [p for p in with_intent if p.intent != p.example.intent]
    payloads: dict[str, Any] = {
        "intent_report.json": intents,
        "intent_summary.json": scores.as_dict(),
        "intent_errors.json": sorted(
            (_intent_row(p) for p in misses), key=lambda r: -r["intent_prediction"]["confidence"]
        ),
        "intent_successes.json": [_intent_row(p) for p in hits],
        "entity_report.json": entities,
        "entity_errors.json": [_entity_row(p) for p in predictions if _entity_mismatch(p)],
    }
    payloads |= {f"{name}_report.json": report for name, report in extractors.items()}
    if folds:
        payloads["cross_validation.json"] = _cross_validation_summary(folds)
    files = []
    for name, payload in payloads.items():
        path = out_dir / name
        path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files.append(path)
    if with_intent:
        files.append(
            plot_confusion_matrix(gold, predicted, out_dir / "intent_confusion_matrix.png")
        )
        files.append(
            plot_confidence_histogram(
                [p.confidence for p in hits],
                [p.confidence for p in misses],
                out_dir / "intent_histogram.png",
            )
        )
    return NluReport(scores, intents, entities, extractors, tuple(files), tuple(folds))


def _cross_validation_summary(folds: Sequence[FoldScores]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "folds": len(folds),
        "random_state": RANDOM_STATE,
        "per_fold": [dataclasses.asdict(f) for f in folds],
    }
    for metric in ("accuracy", "macro_f1", "weighted_f1"):
        values = [getattr(f, metric) for f in folds]
        out[metric] = {"mean": float(np.mean(values)), "std": float(np.std(values))}
    return out


# -- entry points ---------------------------------------------------------------------
def evaluate_pipeline(
    pipeline: Pipeline, data: TrainingData, out_dir: Path, progress: ProgressCallback | None = None
) -> NluReport:
    """Parse every example of ``data`` with a trained ``pipeline`` and write the reports."""

    def parsed(done: int, total: int) -> None:
        if progress:
            progress("parsing", done, total)

    predictions = predict(pipeline, data.examples, parsed)
    if progress:
        progress("writing reports", len(predictions), len(predictions))
    return write_reports(predictions, out_dir)


def evaluate_model(
    model_path: Path,
    nlu_paths: Sequence[Path],
    out_dir: Path,
    progress: ProgressCallback | None = None,
) -> NluReport:
    """``bot test nlu``: the model at ``model_path`` against the examples in ``nlu_paths``."""
    model = load_model(model_path)
    if model.nlu is None:
        raise ModelError(f"model {model.path} has no NLU pipeline; train one with 'bot train nlu'")
    data = load_training_data(nlu_paths)
    return evaluate_pipeline(model.nlu, data, out_dir, progress)


def cross_validate(
    config_path: Path,
    nlu_paths: Sequence[Path],
    folds: int,
    out_dir: Path,
    progress: ProgressCallback | None = None,
) -> NluReport:
    """``bot test nlu --cross-validation``: stratified k folds, reports on out-of-fold predictions.

    Intents with fewer examples than ``folds`` are always trained on and never tested.
    """
    if folds < 2:
        raise DataError(f"cross-validation needs at least 2 folds, got {folds}")
    config = read_config(config_path)
    data = load_training_data(nlu_paths)
    small = sorted(i for i, n in data.intent_counts().items() if n < folds)
    always_train = [e for e in data.examples if e.intent is None or e.intent in small]
    tested = [e for e in data.examples if e.intent is not None and e.intent not in small]
    if not tested:
        raise DataError(f"no intent has at least {folds} examples; use fewer folds (-f)")
    if small:
        log.warning("intents with fewer than %d examples are only trained on: %s", folds, small)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=RANDOM_STATE)
    splits = splitter.split(np.zeros(len(tested)), [e.intent for e in tested])
    predictions: list[Prediction] = []
    scores: list[FoldScores] = []
    for i, (train_idx, test_idx) in enumerate(splits):
        step = _FoldProgress(progress, i, folds)
        train = data.subset([*always_train, *(tested[j] for j in train_idx)])
        pipeline = pipeline_from_config(config).train(train, step.training)
        fold = predict(pipeline, [tested[j] for j in test_idx], step.parsing)
        s = intent_scores(fold)
        n_train = len(train.examples)
        scores.append(FoldScores(i + 1, n_train, len(fold), s.accuracy, s.macro_f1, s.weighted_f1))
        predictions += fold
    if progress:
        progress("writing reports", folds, folds)
    return write_reports(predictions, out_dir, scores)


@dataclasses.dataclass(frozen=True, slots=True)
class _FoldProgress:
    """Reports training and parsing inside fold ``index`` as steps of the whole run."""

    progress: ProgressCallback | None
    index: int
    folds: int

    def _step(self, what: str) -> None:
        if self.progress:
            self.progress(f"fold {self.index + 1}/{self.folds}: {what}", self.index, self.folds)

    def training(self, component: str, done: int, total: int) -> None:
        self._step(f"training {component}")

    def parsing(self, done: int, total: int) -> None:
        self._step(f"parsing {done}/{total}")
