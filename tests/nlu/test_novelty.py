"""The nearest-neighbour gate that keeps the dense model from voting on gibberish."""

from __future__ import annotations

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.nlu.novelty import NoveltyGate
from bot.nlu.registry import registry


def _cluster(rng: np.random.Generator, centre: np.ndarray, n: int) -> np.ndarray:
    return centre + 0.1 * rng.normal(size=(n, len(centre)))


def test_vectors_unlike_the_training_ones_are_novel() -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:4] * 3
    training = np.vstack([_cluster(rng, c, 10) for c in centres])
    gate = NoveltyGate(0.05).fit(training)
    near = np.vstack([_cluster(rng, c, 5) for c in centres])
    far = rng.normal(size=(20, 8)) + np.eye(8)[6] * 3
    assert gate.novel(near).mean() <= 0.1
    assert gate.novel(far).all()


def test_too_few_examples_call_nothing_novel() -> None:
    gate = NoveltyGate(0.05).fit(np.eye(5))
    assert not gate.novel(-np.eye(5)).any()


def test_the_classifier_refuses_a_quantile_out_of_range() -> None:
    with pytest.raises(ConfigError, match="novelty_quantile"):
        registry.create("LinearIntentClassifier", {"novelty_quantile": 0.7})
