"""LinearIntentClassifier: a two-stage linear classifier with calibrated confidences.

Stage one scores the sparse n-gram features alone (microseconds). Only when its top
confidence is below ``cascade_threshold`` (1.0: always) does stage two ask for the dense sentence
embedding, and combine the sparse scores with a dense model's scores (a product of
experts). Both models are linear SVMs; their scores become probabilities through
temperatures fitted on cross-validated predictions, so a confidence of 0.7 is right
about 70% of the time. Intents with a single example are always trained on and never
held out, so a project with many intents and a few examples each stays calibrated.

Encoding is the expensive part of training, so the dense model learns from at most
``dense_examples_per_intent`` examples of each intent (``null``: all of them).

With ``novelty_quantile`` set, stage two is not asked about an embedding less similar to
every training example than that quantile of training examples are to their nearest
neighbour (see :mod:`bot.nlu.novelty`): gibberish keeps stage one's unsure answer.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from bot.errors import NotTrainedError
from bot.nlu.calibration import fit_temperature, softmax
from bot.nlu.component import Component
from bot.nlu.features import sparse_dims, sparse_row, stack_dense, stack_sparse
from bot.nlu.message import IntentScore, Message, ensure_feature
from bot.nlu.novelty import NoveltyGate
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["LinearIntentClassifier"]

log = logging.getLogger(__name__)

# The temperature used when nothing can be held out. A linear SVM puts its training
# examples at a margin of about +1 against -1 for the other intents; at 0.2 such an
# example keeps a confidence above 0.9 among up to a few hundred intents.
UNCALIBRATED = 0.2


class _Linear:
    """Scores of one fitted linear model: ``x @ coef.T + intercept``."""

    def __init__(
        self, coef: np.ndarray, intercept: np.ndarray, n_classes: int, present: np.ndarray
    ) -> None:
        # A model fitted on a subset may not know every class; those score very low.
        self.coef = np.zeros((n_classes, coef.shape[1]), dtype=np.float32)
        self.intercept = np.full(n_classes, -1e3, dtype=np.float32)
        self.coef[present] = coef
        self.intercept[present] = intercept

    def scores(self, x: Any) -> np.ndarray:
        return np.asarray(x @ self.coef.T) + self.intercept

    def sparse_scores(self, rows: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Scores of a few sparse rows given as (indices, values): cheaper than building
        a CSR matrix when the batch is small, as it is for one chat message."""
        coef_t = self.__dict__.get("_coef_t")
        if coef_t is None:
            coef_t = self.__dict__.setdefault("_coef_t", np.ascontiguousarray(self.coef.T))
        out = np.tile(self.intercept, (len(rows), 1))
        for i, (indices, values) in enumerate(rows):
            if len(indices):
                out[i] += values @ coef_t[indices]
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


def _fit(x: Any, y: np.ndarray, n_classes: int, c: float) -> _Linear:
    present = np.unique(y)
    if len(present) == 1:  # one class: it always wins
        coef = np.zeros((1, x.shape[1]))
        return _Linear(coef, np.zeros(1), n_classes, present)
    with warnings.catch_warnings():  # "more classes than half the samples" is expected
        warnings.filterwarnings("ignore", "The number of unique classes", UserWarning)
        model = LinearSVC(C=c, dual="auto", max_iter=5000).fit(x, y)
    coef, intercept = model.coef_, model.intercept_
    if len(present) == 2:  # binary SVMs give one score for the second class
        coef = np.vstack([-coef, coef]) / 2
        intercept = np.array([-intercept[0], intercept[0]]) / 2
    return _Linear(coef, intercept, n_classes, present)


def _out_of_fold(
    x: Any, y: np.ndarray, n_classes: int, c: float, folds: int, in_sample: _Linear
) -> tuple[np.ndarray, np.ndarray]:
    """Held-out scores of every example, and the rows that were really held out.

    An intent with a single example cannot be held out (no fold would know it): it is
    trained on in every fold and scored in-sample, and left out of calibration. So one
    intent with one example no longer turns calibration off for all the others.
    """
    scores = np.asarray(in_sample.scores(x), dtype=np.float64)
    counts = np.bincount(y, minlength=n_classes)
    held = np.flatnonzero(counts[y] >= 2)
    always = np.flatnonzero(counts[y] < 2)
    folds = min(folds, int(counts.max()))
    if folds < 2 or len(np.unique(y[held])) < 2:
        return scores, held[:0]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    with warnings.catch_warnings():  # intents with fewer examples than folds are expected
        warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(held)), y[held]))
    for train_idx, test_idx in splits:
        rows = np.concatenate([held[train_idx], always])
        scores[held[test_idx]] = _fit(x[rows], y[rows], n_classes, c).scores(x[held[test_idx]])
    return scores, held


def _temperature(scores: np.ndarray, labels: np.ndarray, prior: float = UNCALIBRATED) -> float:
    """The temperature fitted on held-out scores, or ``prior`` when none could be held out
    (every intent has a single example)."""
    return fit_temperature(scores, labels) if len(labels) else prior


@registry.component(
    "LinearIntentClassifier",
    defaults={
        "C": 1.0,
        "dense_C": 3.0,
        "dense_weight": 1.0,
        "dense_examples_per_intent": 20,
        "cascade_threshold": 0.8,
        "calibration_folds": 3,
        "ranking_length": 0,
        "novelty_quantile": None,
    },
    aliases=("SklearnIntentClassifier", "LogisticRegressionClassifier"),
)
class LinearIntentClassifier(Component):
    def __init__(
        self,
        C: float,
        dense_C: float,
        dense_weight: float,
        dense_examples_per_intent: int | None,
        cascade_threshold: float,
        calibration_folds: int,
        ranking_length: int,
        novelty_quantile: float | None = None,
        **rasa_options: Any,
    ) -> None:
        if not 0.0 <= cascade_threshold <= 1.0:
            raise ValueError("cascade_threshold must be between 0 and 1")
        if C <= 0 or dense_C <= 0:
            raise ValueError("C and dense_C must be positive")
        if novelty_quantile is not None and not 0.0 < novelty_quantile < 0.5:
            raise ValueError("novelty_quantile must be between 0 and 0.5")
        self.C = C
        self.dense_C = dense_C
        self.dense_weight = dense_weight
        self.dense_examples_per_intent = dense_examples_per_intent
        self.cascade_threshold = cascade_threshold
        self.calibration_folds = calibration_folds
        self.ranking_length = ranking_length
        self.novelty_quantile = novelty_quantile
        self.rasa_options = rasa_options

    # -- training -------------------------------------------------------------------
    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        labelled = [m for m in messages if m.gold_intent]
        self.classes_ = sorted({m.gold_intent for m in labelled if m.gold_intent})
        self.dims_ = sparse_dims(labelled[0]) if labelled else ()
        self.sparse_: _Linear | None = None
        self.dense_: _Linear | None = None
        self.novelty_: NoveltyGate | None = None
        self.dense_dim_ = 0
        if len(self.classes_) < 2:
            return self
        n = len(self.classes_)
        y = np.array([self.classes_.index(m.gold_intent or "") for m in labelled])
        x = stack_sparse(labelled, self.dims_)
        self.sparse_ = _fit(x, y, n, self.C)
        oof_sparse, held = _out_of_fold(x, y, n, self.C, self.calibration_folds, self.sparse_)
        self.t_sparse_ = _temperature(oof_sparse[held], y[held])
        if all(m.has_feature("dense") for m in labelled):
            self._train_dense(labelled, y, oof_sparse)
        return self

    def _train_dense(self, labelled: list[Message], y: np.ndarray, oof_sparse: np.ndarray) -> None:
        rows = self._dense_rows(y, oof_sparse)
        subset = [labelled[i] for i in rows]
        ensure_feature(subset, "dense")
        dense = stack_dense(subset, len(subset[0].features["dense"]))
        self.dense_dim_ = dense.shape[1]
        n = len(self.classes_)
        self.dense_ = _fit(dense, y[rows], n, self.dense_C)
        if self.novelty_quantile:
            self.novelty_ = NoveltyGate(self.novelty_quantile).fit(dense)
        oof_dense, held = _out_of_fold(
            dense, y[rows], n, self.dense_C, self.calibration_folds, self.dense_
        )
        self.t_dense_ = _temperature(oof_dense[held], y[rows][held])
        combined = self._combine(oof_sparse[rows][held], oof_dense[held])
        # Without held-out rows the two calibrated experts are averaged.
        self.t_full_ = _temperature(combined, y[rows][held], 1.0 + self.dense_weight)

    def _dense_rows(self, y: np.ndarray, oof_sparse: np.ndarray) -> np.ndarray:
        """The examples the dense model learns from: per intent, half the ones stage one
        finds hardest (lowest held-out margin: where stage two will be asked) and half
        at random, so the dense model still sees what the intent usually looks like."""
        limit = self.dense_examples_per_intent
        if not limit:
            return np.arange(len(y))
        rows = np.arange(len(y))
        others = oof_sparse.copy()
        others[rows, y] = -np.inf
        margin = oof_sparse[rows, y] - others.max(axis=1)
        rng = np.random.default_rng(0)
        picks = []
        for c in range(len(self.classes_)):
            members = np.flatnonzero(y == c)
            hard = members[np.argsort(margin[members], kind="stable")][: (limit + 1) // 2]
            rest = rng.permutation(np.setdiff1d(members, hard))[: limit - len(hard)]
            picks += [hard, rest]
        return np.sort(np.concatenate(picks))

    def _combine(self, sparse_scores: np.ndarray, dense_scores: np.ndarray) -> np.ndarray:
        return sparse_scores / self.t_sparse_ + self.dense_weight * dense_scores / self.t_dense_

    # -- inference ------------------------------------------------------------------
    def process(self, message: Message) -> None:
        self.process_batch([message])

    def process_batch(self, messages: Sequence[Message]) -> None:
        if not hasattr(self, "classes_"):
            raise NotTrainedError("LinearIntentClassifier is not trained")
        if not messages or not self.classes_:
            return
        if self.sparse_ is None:  # a single intent: nothing to choose between
            for message in messages:
                self._set(message, np.ones(1))
            return
        rows = [sparse_row(m, self.dims_) for m in messages]
        scores = self.sparse_.sparse_scores(rows)
        probs = softmax(scores, self.t_sparse_)
        # A message with no known n-gram (emoji, another script) tells stage one nothing:
        # its scores would be the bias alone. Call it unsure.
        probs[[len(indices) == 0 for indices, _ in rows]] = 1.0 / len(self.classes_)
        if self.dense_ is not None:
            always = self.cascade_threshold >= 1.0
            unsure = [
                i
                for i, p in enumerate(probs)
                if (always or p.max() < self.cascade_threshold) and messages[i].has_feature("dense")
            ]
            if unsure:
                subset = [messages[i] for i in unsure]
                ensure_feature(subset, "dense")
                dense = stack_dense(subset, self.dense_dim_)
                combined = self._combine(scores[unsure], self.dense_.scores(dense))
                novelty = getattr(self, "novelty_", None)
                if novelty is not None:  # unlike every training example: stage one decides
                    keep = ~novelty.novel(dense)
                    unsure, combined = list(np.asarray(unsure)[keep]), combined[keep]
                probs[unsure] = softmax(combined, self.t_full_)
                for message in subset:
                    message.metadata["intent_stage"] = "dense"
        for message, p in zip(messages, probs, strict=True):
            message.metadata.setdefault("intent_stage", "sparse")
            self._set(message, p)

    def _set(self, message: Message, probabilities: np.ndarray) -> None:
        order = np.argsort(-probabilities, kind="stable")
        if self.ranking_length:
            order = order[: self.ranking_length]
        ranking = [IntentScore(self.classes_[i], float(probabilities[i])) for i in order]
        message.intent = ranking[0]
        message.intent_ranking = ranking
