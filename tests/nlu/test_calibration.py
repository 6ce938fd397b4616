"""Temperature scaling makes over- and under-confident scores honest."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bot.nlu.calibration import fit_temperature, softmax


def _expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


@pytest.mark.parametrize("scale", [8.0, 0.2], ids=["overconfident", "underconfident"])
def test_temperature_repairs_miscalibrated_scores(scale: float) -> None:
    rng = np.random.default_rng(0)
    n, k = 4000, 5
    labels = rng.integers(0, k, n)
    honest = rng.normal(0, 1, (n, k))
    honest[np.arange(n), labels] += 1.5  # right about 70% of the time
    skewed = honest * scale
    temperature = fit_temperature(skewed, labels)
    assert (temperature > 1) == (scale > 1)
    before = _expected_calibration_error(softmax(skewed), labels)
    after = _expected_calibration_error(softmax(skewed, temperature), labels)
    assert after < before / 2
    assert after < 0.05


def test_softmax_rows_sum_to_one_even_for_huge_scores() -> None:
    probs = softmax(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]]))
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert probs[0, 0] == pytest.approx(1.0)
    assert np.allclose(probs[1], 1 / 3)
