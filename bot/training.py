"""Training entry points shared by the CLI, the server and the benchmarks."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.config import ProjectConfig, read_config
from bot.errors import DataError
from bot.model_storage import TrainedModel, model_path_for, save_model
from bot.nlu.pipeline import ComponentSpec, Pipeline, ProgressCallback
from bot.nlu.training_data import TrainingData
from bot.nlu.yaml_reader import load_nlu

__all__ = ["TrainResult", "load_training_data", "pipeline_from_config", "train_nlu"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainResult:
    path: Path
    seconds: float
    examples: int
    intents: int


def pipeline_from_config(config: ProjectConfig) -> Pipeline:
    specs = None
    if config.pipeline:
        specs = [ComponentSpec(c.name, c.options, c.source) for c in config.pipeline]
    return Pipeline.from_specs(specs, config.language or "tr")


def load_training_data(paths: Sequence[Path]) -> TrainingData:
    data, warnings = load_nlu(paths)
    for warning in warnings:
        log.warning("%s: %s", warning.source, warning.message)
    if not data.intent_examples:
        where = ", ".join(str(p) for p in paths)
        raise DataError(f"{where}: no intent examples found; nothing to train on")
    return data


def train_nlu(
    config_path: Path,
    nlu_paths: Sequence[Path],
    out_dir: Path,
    fixed_model_name: str | None = None,
    progress: ProgressCallback | None = None,
) -> TrainResult:
    """Train the NLU pipeline of ``config_path`` on ``nlu_paths``; write the archive."""
    started = time.perf_counter()
    config = read_config(config_path)
    data = load_training_data(nlu_paths)
    pipeline = pipeline_from_config(config).train(data, progress)
    metadata = {
        "language": config.language or "tr",
        "config_file": str(config_path),
        "pipeline": [spec.name for spec in pipeline.specs],
        "intents": pipeline.intents,
        "training_examples": len(data.examples),
    }
    path = save_model(model_path_for(out_dir, fixed_model_name), TrainedModel(pipeline, metadata))
    seconds = time.perf_counter() - started
    return TrainResult(path, seconds, len(data.examples), len(pipeline.intents))
