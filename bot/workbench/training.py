"""Training entry points shared by the CLI, the server and the benchmarks."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import ProjectConfig, read_config
from bot.dialogue.domain import Domain, read_domain
from bot.dialogue.policies import PolicyEnsemble, TrainingConversations
from bot.dialogue.story_graph import rule_events, story_conversations
from bot.dialogue.story_reader import StoryData, load_stories
from bot.errors import DataError
from bot.model_storage import CoreModel, TrainedModel, model_path_for, save_model
from bot.nlu.pipeline import ComponentSpec, Pipeline, ProgressCallback
from bot.nlu.training_data import TrainingData
from bot.nlu.yaml_reader import load_nlu

__all__ = [
    "TrainResult",
    "load_training_data",
    "pipeline_from_config",
    "train",
    "train_core",
    "train_nlu",
    "with_retrieval_responses",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TrainResult:
    path: Path
    seconds: float
    examples: int
    intents: int
    stories: int = 0
    rules: int = 0


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


def _nlu_metadata(
    config_path: Path, config: ProjectConfig, pipeline: Pipeline, data: TrainingData
) -> dict[str, Any]:
    return {
        "language": config.language or "tr",
        "config_file": str(config_path),
        "pipeline": [spec.name for spec in pipeline.specs],
        "intents": pipeline.intents,
        "training_examples": len(data.examples),
    }


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
    metadata = _nlu_metadata(config_path, config, pipeline, data)
    path = save_model(model_path_for(out_dir, fixed_model_name), TrainedModel(pipeline, metadata))
    seconds = time.perf_counter() - started
    return TrainResult(path, seconds, len(data.examples), len(pipeline.intents))


def with_retrieval_responses(data: TrainingData, domain: Domain) -> TrainingData:
    """``data`` with the domain's responses of retrieval intents (``utter_faq/ask_name``),
    which ResponseSelector returns with its choice."""
    responses = {
        name: tuple(variation.raw for variation in variations)
        for name, variations in domain.responses.items()
        if "/" in name
    }
    return dataclasses.replace(data, responses=responses)


def train_core(
    config: ProjectConfig,
    domain: Domain,
    stories: StoryData,
    nlu_data: TrainingData | None = None,
) -> CoreModel:
    """Train config.yml's policies on the stories and rules; refuses data with errors."""
    from bot.workbench.validation import validate_project

    issues = validate_project(
        domain, nlu_data or TrainingData(), stories.stories, stories.rules, config
    )
    errors = [i for i in issues if i.level == "error"]
    for issue in issues:
        if issue.level != "error":
            log.warning("%s", issue)
    if errors:
        raise DataError("the stories, rules or domain have errors:\n" + "\n".join(map(str, errors)))
    policies = PolicyEnsemble.from_config(config.policies)
    conversations = TrainingConversations(
        stories=story_conversations(stories.stories),
        rules=stories.rules,
        rule_conversations=[c for rule in stories.rules for c in rule_events(rule)],
    )
    policies.train(conversations, domain)
    return CoreModel(domain, policies)


def train(
    config_path: Path,
    domain_path: Path,
    data_paths: Sequence[Path],
    out_dir: Path,
    fixed_model_name: str | None = None,
    progress: ProgressCallback | None = None,
) -> TrainResult:
    """Train NLU and dialogue together into one archive (``bot train``)."""
    started = time.perf_counter()
    config = read_config(config_path)
    domain = read_domain(domain_path)
    stories = load_stories(list(data_paths))
    data = load_training_data(data_paths)
    core = train_core(config, domain, stories, data)
    data = with_retrieval_responses(data, domain)
    pipeline = pipeline_from_config(config).train(data, progress)
    metadata = {
        **_nlu_metadata(config_path, config, pipeline, data),
        "policies": core.policies.names,
        "stories": len(stories.stories),
        "rules": len(stories.rules),
    }
    model = TrainedModel(pipeline, metadata, core=core)
    path = save_model(model_path_for(out_dir, fixed_model_name), model)
    seconds = time.perf_counter() - started
    return TrainResult(
        path, seconds, len(data.examples), len(pipeline.intents),
        len(stories.stories), len(stories.rules),
    )  # fmt: skip
