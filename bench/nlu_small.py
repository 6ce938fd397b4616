"""The small-data half of bench/nlu.py, Destek and Rasa side by side.

- Rasa's learning curve beside Destek's (bench/nlu_curve.py): the same seeded samples of
  5, 10 and 20 examples per intent, written as Rasa YAML (plain text, no entity
  annotations) and trained with bench/rasa_config.yml.
- An editor's first small set: bench/editor_set/nlu.yml, 182 examples of the 20 intents
  written from a description of each by someone who never read data/. Both systems are
  trained on it, scored on every held-out set, and served to 32 clients sending
  strangers' texts (the strangers' sets with casual prefixes and suffixes, none repeated).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.nlu_curve import per_intent
from bench.nlu_serving import (
    BOT,
    QUIET_ENV,
    destek_server,
    destek_variant,
    heldout_over_http,
    measure_server,
    rasa_server,
)
from bench.servers import run_timed
from bot.nlu.training_data import Example, TrainingData
from bot.workbench.training import load_training_data

__all__ = ["EDITOR_SET", "rasa_curve", "small_set", "train_destek", "train_rasa", "write_nlu"]

ROOT = Path(__file__).resolve().parent.parent
EDITOR_SET = ROOT / "bench" / "editor_set" / "nlu.yml"
RASA_CONFIG = ROOT / "bench" / "rasa_config.yml"
# The small model served again with these cascade thresholds: speed against accuracy.
THRESHOLDS = (0.5, 0.0)


def write_nlu(data: TrainingData, path: Path) -> Path:
    """The intent examples of ``data`` as a Rasa 3 NLU file (text only)."""
    by_intent: dict[str, list[str]] = {}
    for example in data.intent_examples:
        by_intent.setdefault(example.intent or "", []).append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {' '.join(text.split())}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def train_destek(config: Path, nlu: Path, work: Path, name: str) -> tuple[Path, float, float]:
    """``bot train nlu``: the model, wall seconds and peak MB."""
    command = [BOT, "train", "nlu", "-c", str(config), "--nlu", str(nlu), "--out", str(work)]
    seconds, peak, code = run_timed([*command, "--fixed-model-name", name], env=QUIET_ENV)
    if code:
        raise SystemExit(f"destek training on {nlu} failed")
    return work / f"{name}.tar.gz", seconds, peak


def train_rasa(rasa: Path, nlu: Path, work: Path, name: str) -> tuple[Path, float, float] | None:
    """``rasa train nlu`` with Rasa's default pipeline; None when it fails."""
    command = [str(rasa), "train", "nlu", "-c", str(RASA_CONFIG), "--nlu", str(nlu)]
    seconds, peak, code = run_timed(
        [*command, "--out", str(work), "--fixed-model-name", name], env=QUIET_ENV, cwd=work
    )
    if code:
        print(f"Rasa training on {nlu} failed")
        return None
    return work / f"{name}.tar.gz", seconds, peak


def rasa_curve(
    rasa: Path,
    nlu: Path,
    sets: Mapping[str, Sequence[Example]],
    work: Path,
    sizes: Sequence[int] = (5, 10, 20),
) -> list[dict[str, Any]]:
    """Rasa's macro-F1 on each set when trained on ``size`` examples per intent."""
    data = load_training_data([nlu])
    rows = []
    for size in sizes:
        sample = write_nlu(per_intent(data, size), work / f"rasa-curve-{size}.yml")
        trained = train_rasa(rasa, sample, work, f"rasa-curve-{size}")
        if trained is None:
            continue
        model, seconds, _ = trained
        row: dict[str, Any] = {
            "per_intent": size,
            "examples": len(per_intent(data, size).intent_examples),
            "train_seconds": round(seconds, 2),
        }
        with rasa_server(rasa, model, work).running() as server:
            for name, examples in sets.items():
                scores = heldout_over_http(server.port, list(examples))
                row[name] = scores["macro_f1"]
        rows.append(row)
        print(f"  rasa learning curve: {row}")
    return rows


def small_set(
    rasa: Path | None,
    config: Path,
    heldout: list[Example],
    sets: dict[str, list[Example]],
    texts: list[str],
    sequential: int,
    clients: int,
    work: Path,
) -> dict[str, Any]:
    """Both systems trained on the editor's set, scored, and loaded with ``texts``."""
    result: dict[str, Any] = {"examples": len(load_training_data([EDITOR_SET]).intent_examples)}
    model, seconds, peak = train_destek(config, EDITOR_SET, work, "destek-small")
    server = destek_server(model)
    entry = measure_server(server, texts, sequential, clients, heldout, sets)
    result["destek"] = {"train_seconds": round(seconds, 2), "train_peak_mb": round(peak, 1)}
    result["destek"]["server"] = entry
    print(f"  destek, editor's small set: {json.dumps(result['destek'])}")
    result["destek_thresholds"] = {}
    for threshold in THRESHOLDS:
        variant = destek_variant(model, threshold, work / f"destek-small-{threshold}.tar.gz")
        served = measure_server(destek_server(variant), texts, sequential, clients, heldout, sets)
        result["destek_thresholds"][str(threshold)] = served
        print(f"  destek, editor's small set, cascade_threshold {threshold}: {json.dumps(served)}")
    if rasa is not None:
        started = time.perf_counter()
        trained = train_rasa(rasa, EDITOR_SET, work, "rasa-small")
        if trained is not None:
            model, seconds, peak = trained
            entry = measure_server(
                rasa_server(rasa, model, work), texts, sequential, clients, heldout, sets
            )
            result["rasa"] = {"train_seconds": round(seconds, 2), "train_peak_mb": round(peak, 1)}
            result["rasa"]["server"] = entry
            print(f"  rasa, editor's small set ({time.perf_counter() - started:.0f} s): ")
            print(f"    {json.dumps(result['rasa'])}")
    return result


def small_set_lines(small: dict[str, Any], nonsense: str) -> list[str]:
    """The summary lines of :func:`small_set`'s result."""
    lines = [f"Editor's small set ({small['examples']} examples), served to strangers' texts"]
    for system in ("destek", "rasa"):
        if system not in small:
            continue
        s = small[system]["server"]
        sets = "; ".join(
            f"{name} fallback {v['fallback_rate']:.3f}"
            if name == nonsense
            else f"{name} {v['macro_f1']:.3f}"
            for name, v in {"nlu_heldout": s["heldout"], **s["sets"]}.items()
        )
        c = s["concurrent"]
        lines += [
            f"  {system}: training {small[system]['train_seconds']:.1f} s; macro-F1 {sets}",
            f"    {c['throughput_rps']:.0f} parses/s at {c['clients']} clients, "
            f"p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms",
        ]
    for threshold, s in (small.get("destek_thresholds") or {}).items():
        c = s["concurrent"]
        sets = " / ".join(
            f"{v['macro_f1']:.3f}" for name, v in s["sets"].items() if name != nonsense
        )
        lines.append(
            f"  destek, cascade_threshold {threshold}: {c['throughput_rps']:.0f} parses/s, "
            f"p99 {c['p99_ms']:.0f} ms; macro-F1 {sets}"
        )
    if "rasa" in small:
        ours = small["destek"]["server"]["concurrent"]["throughput_rps"]
        theirs = small["rasa"]["server"]["concurrent"]["throughput_rps"]
        lines.append(f"  throughput x{ours / theirs:.2f} Rasa's")
    return lines
