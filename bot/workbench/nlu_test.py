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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from bot.config import read_config
from bot.errors import DataError, ModelError
from bot.model_storage import load_model
from bot.nlu.component import Component
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.message import Message
from bot.nlu.pipeline import ComponentSpec, Pipeline, ProgressCallback
from bot.nlu.training_data import Example, TrainingData, retrieval_intent
from bot.workbench.nlu_test_metrics import (
    NO_INTENT,
    IntentScores,
    Prediction,
    entity_error_row,
    entity_mismatch,
    entity_report,
    extractor_reports,
    intent_error_row,
    intent_report,
    intent_scores,
)
from bot.workbench.nlu_test_plots import plot_confidence_histogram, plot_confusion_matrix
from bot.workbench.training import load_training_data, pipeline_from_config

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
_EXTRACTED = "evaluation_extracted_entities"


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
    if example.intent:  # a retrieval intent is scored as its base: faq/ask_name as faq
        example = dataclasses.replace(example, intent=retrieval_intent(example.intent))
    return Prediction(
        example=example,
        intent=intent,
        confidence=float(message.intent.confidence) if message.intent else 0.0,
        classifier_intent=classifier,
        entities=tuple(message.entities),
        extracted=message.metadata.get(_EXTRACTED, ()),
    )


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
            (intent_error_row(p) for p in misses),
            key=lambda r: -r["intent_prediction"]["confidence"],
        ),
        "intent_successes.json": [intent_error_row(p) for p in hits],
        "entity_report.json": entities,
        "entity_errors.json": [entity_error_row(p) for p in predictions if entity_mismatch(p)],
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
