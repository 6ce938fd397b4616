"""LinearIntentClassifier: a two-stage linear classifier with calibrated confidences.

Stage one scores the sparse n-gram features alone (microseconds). Only when its top
confidence is below ``cascade_threshold`` does stage two ask for the dense sentence
embedding and score sparse and dense features together. Both stages are multinomial
logistic regressions whose confidences are calibrated by temperature scaling on
cross-validated predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.errors import NotTrainedError
from bot.nlu.calibration import fit_temperature, softmax
from bot.nlu.component import Component
from bot.nlu.features import sparse_dims, stack_dense, stack_sparse
from bot.nlu.message import IntentScore, Message, ensure_feature
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData

__all__ = ["LinearIntentClassifier"]

log = logging.getLogger(__name__)


class _Stage:
    """One fitted linear model: ``logits = X @ coef.T + intercept``, then temperature."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, temperature: float) -> None:
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.temperature = temperature

    def probabilities(self, x: Any) -> np.ndarray:
        logits = np.asarray(x @ self.coef.T) + self.intercept
        return softmax(logits, self.temperature)


@registry.component(
    "LinearIntentClassifier",
    defaults={
        "C": 10.0,
        "dense_weight": 1.0,
        "cascade_threshold": 0.8,
        "calibration_folds": 3,
        "max_iter": 400,
        "ranking_length": 0,
    },
    aliases=("SklearnIntentClassifier", "LogisticRegressionClassifier"),
)
class LinearIntentClassifier(Component):
    def __init__(
        self,
        C: float,
        dense_weight: float,
        cascade_threshold: float,
        calibration_folds: int,
        max_iter: int,
        ranking_length: int,
        **rasa_options: Any,
    ) -> None:
        if not 0.0 <= cascade_threshold <= 1.0:
            raise ValueError("cascade_threshold must be between 0 and 1")
        self.C = C
        self.dense_weight = dense_weight
        self.cascade_threshold = cascade_threshold
        self.calibration_folds = calibration_folds
        self.max_iter = max_iter
        self.ranking_length = ranking_length
        self.rasa_options = rasa_options

    # -- training -------------------------------------------------------------------
    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        labelled = [m for m in messages if m.gold_intent]
        self.classes_ = sorted({m.gold_intent for m in labelled if m.gold_intent})
        self.dims_ = sparse_dims(labelled[0]) if labelled else ()
        self.dense_dim_ = 0
        self.sparse_stage_: _Stage | None = None
        self.full_stage_: _Stage | None = None
        if len(self.classes_) < 2:
            return self
        y = np.array([self.classes_.index(m.gold_intent) for m in labelled])
        x_sparse = stack_sparse(labelled, self.dims_)
        self.sparse_stage_ = self._fit_stage(x_sparse, y)
        if all(m.has_feature("dense") for m in labelled):
            ensure_feature(labelled, "dense")
            dense = stack_dense(labelled, len(labelled[0].features["dense"]))
            self.dense_dim_ = dense.shape[1]
            x_full = sp.hstack([x_sparse, sp.csr_matrix(dense * self.dense_weight)]).tocsr()
            self.full_stage_ = self._fit_stage(x_full, y)
        return self

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=self.max_iter, solver="lbfgs")

    def _fit_stage(self, x: sp.csr_matrix, y: np.ndarray) -> _Stage:
        model = self._model().fit(x, y)
        temperature = self._calibrate(x, y)
        return _Stage(model.coef_, model.intercept_, temperature)

    def _calibrate(self, x: sp.csr_matrix, y: np.ndarray) -> float:
        folds = min(self.calibration_folds, int(np.bincount(y).min()))
        if folds < 2:
            return 1.0
        logits = np.zeros((len(y), len(self.classes_)), dtype=np.float64)
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
            model = self._model().fit(x[train_idx], y[train_idx])
            fold_logits = model.decision_function(x[test_idx])
            # A fold may lack a class; place its columns where they belong.
            logits[np.ix_(test_idx, model.classes_)] = fold_logits
            missing = np.setdiff1d(np.arange(len(self.classes_)), model.classes_)
            logits[np.ix_(test_idx, missing)] = -1e4
        return fit_temperature(logits, y)

    # -- inference ------------------------------------------------------------------
    def process(self, message: Message) -> None:
        self.process_batch([message])

    def process_batch(self, messages: Sequence[Message]) -> None:
        if not hasattr(self, "classes_"):
            raise NotTrainedError("LinearIntentClassifier is not trained")
        if not messages or not self.classes_:
            return
        if self.sparse_stage_ is None:  # a single intent: nothing to choose between
            for message in messages:
                self._set(message, np.ones(1))
            return
        x_sparse = stack_sparse(messages, self.dims_)
        probs = self.sparse_stage_.probabilities(x_sparse)
        # A message with no known n-gram (emoji, another script) says nothing to stage
        # one: its scores would be the bias alone. Call it unsure.
        blind = np.diff(x_sparse.indptr) == 0
        probs[blind] = 1.0 / len(self.classes_)
        if self.full_stage_ is not None:
            unsure = [i for i, p in enumerate(probs) if p.max() < self.cascade_threshold]
            unsure = [i for i in unsure if messages[i].has_feature("dense")]
            if unsure:
                subset = [messages[i] for i in unsure]
                ensure_feature(subset, "dense")
                dense = stack_dense(subset, self.dense_dim_) * self.dense_weight
                x_full = sp.hstack([x_sparse[unsure], sp.csr_matrix(dense)]).tocsr()
                probs[unsure] = self.full_stage_.probabilities(x_full)
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
