"""The learning curve of bench/nlu.py: macro-F1 on each held-out set when the pipeline is
trained on 5, 10, 20 and all examples per intent, because an editor starts small.

Each size is the same seeded sample of every intent's examples (an intent with fewer
keeps all it has), trained in this process with the project's config.yml and scored on
the gold intents of every set (``nlu_fallback`` counts as wrong).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.config import read_config
from bot.nlu.training_data import Example, TrainingData
from bot.workbench.nlu_test_metrics import gold_macro_f1
from bot.workbench.training import load_training_data, pipeline_from_config

__all__ = ["SIZES", "learning_curve", "per_intent"]

SIZES = (5, 10, 20, 0)  # 0: every example


def per_intent(data: TrainingData, size: int, seed: int = 0) -> TrainingData:
    """``size`` examples of every intent (all of them for 0), the same ones for a seed."""
    if not size:
        return data
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = {}
    for example in data.examples:
        if example.intent:
            by_intent.setdefault(example.intent, []).append(example)
    kept: list[Example] = []
    for intent in sorted(by_intent):
        examples = by_intent[intent]
        kept += rng.sample(examples, min(size, len(examples)))
    return data.subset(kept)


def learning_curve(
    config: Path, nlu: Path, sets: Mapping[str, Sequence[Example]], sizes: Sequence[int] = SIZES
) -> list[dict[str, Any]]:
    data = load_training_data([nlu])
    project = read_config(config)
    rows = []
    for size in sizes:
        train = per_intent(data, size)
        started = time.perf_counter()
        pipeline = pipeline_from_config(project).train(train)
        row: dict[str, Any] = {
            "per_intent": size or "all",
            "examples": len(train.intent_examples),
            "train_seconds": round(time.perf_counter() - started, 2),
        }
        for name, examples in sets.items():
            parsed = pipeline.parse_batch([e.text for e in examples])
            gold = [e.intent or "None" for e in examples]
            top = [m.intent.name if m.intent else "None" for m in parsed]
            row[name] = round(gold_macro_f1(gold, top), 4)
        rows.append(row)
        print(f"  learning curve: {row}")
    return rows
