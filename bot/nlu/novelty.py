"""Is a sentence embedding like anything trained on? A nearest-neighbour gate.

A linear model over sentence embeddings extrapolates: gibberish or another topic still
lands on some intent's side of every boundary, often with a wide margin. The gate keeps
the training embeddings and the similarity below which an embedding is new: the
``quantile`` of each training example's similarity to its nearest other example. An
embedding less similar to every training example than that is novel, and the dense
model's vote on it is not asked for.
"""

from __future__ import annotations

from typing import Self

import numpy as np

__all__ = ["NoveltyGate"]

# Fewer examples than this give no stable quantile: the gate then calls nothing novel.
MIN_EXAMPLES = 20


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return unit


class NoveltyGate:
    """Fitted on the training embeddings; ``novel(x)`` marks rows unlike all of them."""

    def __init__(self, quantile: float) -> None:
        self.quantile = quantile

    def fit(self, vectors: np.ndarray) -> Self:
        self.memory_ = _unit(np.asarray(vectors, dtype=np.float32))
        self.threshold_ = -np.inf
        if len(self.memory_) >= MIN_EXAMPLES:
            similarity = self.memory_ @ self.memory_.T
            np.fill_diagonal(similarity, -np.inf)
            self.threshold_ = float(np.quantile(similarity.max(axis=1), self.quantile))
        return self

    def novel(self, vectors: np.ndarray) -> np.ndarray:
        nearest = (_unit(np.asarray(vectors, dtype=np.float32)) @ self.memory_.T).max(axis=1)
        flags: np.ndarray = nearest < self.threshold_
        return flags
