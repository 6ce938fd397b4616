"""The PNG figures of ``bot test nlu``: intent confusion matrix and confidence histogram.

matplotlib is imported only when a figure is drawn, with the Agg backend (no display).
Figures are built as ``Figure`` objects, not through pyplot, so nothing stays in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix

__all__ = ["plot_confidence_histogram", "plot_confusion_matrix"]


def _figure(width: float, height: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def plot_confusion_matrix(gold: Sequence[str], predicted: Sequence[str], path: Path) -> Path:
    """Gold intents in rows, predictions in columns, counts in the cells (zeros left blank).

    Predicted labels that are never gold (``nlu_fallback``) are extra columns at the right.
    """
    rows = sorted(set(gold))
    columns = rows + sorted(set(predicted) - set(rows))
    matrix = confusion_matrix(gold, predicted, labels=columns)[: len(rows)]
    n = len(columns)
    font = 10 if n <= 15 else 8 if n <= 30 else 6
    figure = _figure(max(6.0, 0.45 * n + 3.0), max(5.0, 0.45 * len(rows) + 2.5))
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues", interpolation="nearest")
    figure.colorbar(image, ax=axes, shrink=0.6)
    axes.set_xticks(np.arange(n), columns, rotation=90, fontsize=font)
    axes.set_yticks(np.arange(len(rows)), rows, fontsize=font)
    axes.set_xlabel("predicted intent")
    axes.set_ylabel("gold intent")
    axes.set_title(f"Intent confusion matrix ({len(gold)} examples)")
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(len(rows)):
        for j in range(n):
            if matrix[i, j]:
                colour = "white" if matrix[i, j] > threshold else "black"
                axes.text(
                    j, i, str(matrix[i, j]), ha="center", va="center", color=colour, fontsize=font
                )
    figure.savefig(path, dpi=100)
    return path


def plot_confidence_histogram(hits: Sequence[float], misses: Sequence[float], path: Path) -> Path:
    """How confident the predictions were, right ones and wrong ones side by side."""
    figure = _figure(8.0, 5.0)
    axes = figure.add_subplot()
    bins = np.linspace(0.0, 1.0, 21)
    axes.hist(
        [list(hits), list(misses)],
        bins=bins,
        color=["#2b8a3e", "#c92a2a"],
        label=[f"correct ({len(hits)})", f"wrong ({len(misses)})"],
    )
    axes.set_xlim(0.0, 1.0)
    axes.set_xlabel("confidence of the predicted intent")
    axes.set_ylabel("examples")
    axes.set_title("Intent prediction confidence")
    axes.legend()
    figure.savefig(path, dpi=100)
    return path
