"""Serving an NLU model for bench/nlu.py: Destek's or Rasa's server as a child process,
loaded by 32 clients, and scored over HTTP the same way for both."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx

from bench.servers import ServerProcess, free_port
from bot.model_storage import load_model, save_model
from bot.nlu.training_data import Example
from bot.workbench.nlu_test_metrics import gold_macro_f1

__all__ = [
    "BENCH_API_TOKEN",
    "QUIET_ENV",
    "destek_server",
    "destek_variant",
    "measure_server",
    "rasa_server",
]

BOT = str(Path(sys.executable).parent / "bot")
QUIET_ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
BENCH_API_TOKEN = "bench-api-token-0123456789abcdef"  # the served API wants a token


def destek_server(model: Path) -> ServerProcess:
    """``bot run`` serving ``model``'s NLU only (no action server beside it)."""
    port = free_port()
    command = [BOT, "run", "--enable-api", "-m", str(model), "-p", str(port), "-i", "127.0.0.1"]
    return ServerProcess(
        [*command, "--log-level", "warning", "--no-embedded-services"],
        port,
        "/health",
        env={**QUIET_ENV, "DESTEK_AUTH_TOKEN": BENCH_API_TOKEN},
        api_token=BENCH_API_TOKEN,
    )


def destek_variant(model_path: Path, threshold: float, out: Path) -> Path:
    """The same trained model with another cascade threshold (no retraining)."""
    model = load_model(model_path)
    assert model.nlu is not None
    for component in model.nlu.components:
        if component.component_name == "LinearIntentClassifier":
            component.cascade_threshold = threshold
    return save_model(out, model)


def rasa_server(rasa: Path, model: Path, work: Path) -> ServerProcess:
    port = free_port()
    command = [str(rasa), "run", "--enable-api", "-m", str(model), "-p", str(port)]
    return ServerProcess([*command, "-i", "127.0.0.1"], port, "/", env=QUIET_ENV, cwd=work)


def measure_server(
    server: ServerProcess,
    texts: list[str],
    sequential: int,
    clients: int,
    heldout: list[Example],
    sets: dict[str, list[Example]],
) -> dict[str, Any]:
    with server.running():
        server.parse_load(texts[:20], 1)  # warm-up, not measured
        memory = server.memory_mb
        one = server.parse_load(texts[20 : 20 + sequential], 1)
        many = server.parse_load(texts[20 + sequential :], clients)
        scores = heldout_over_http(server.port, heldout, server.api_token)
        set_scores = {
            name: heldout_over_http(server.port, examples, server.api_token)
            for name, examples in sets.items()
        }
    return {
        "memory_mb": round(memory, 1),
        "sequential": one.as_dict(),
        "concurrent": many.as_dict(),
        "heldout": scores,
        "sets": set_scores,
    }


def heldout_over_http(
    port: int, examples: list[Example], api_token: str | None = None
) -> dict[str, float]:
    """Both systems scored the same way: their /model/parse answers, one metric function."""
    gold, top, raw = [], [], []
    headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, headers=headers) as http:
        for example in examples:
            body = http.post("/model/parse", json={"text": example.text}).json()
            ranking = [r["name"] for r in body.get("intent_ranking") or []]
            name = (body.get("intent") or {}).get("name") or "None"
            without = [r for r in ranking if r != "nlu_fallback"]
            gold.append(example.intent or "None")
            top.append(name)
            raw.append(without[0] if name == "nlu_fallback" and without else name)
    return {
        "accuracy": round(sum(g == p for g, p in zip(gold, top, strict=True)) / len(gold), 4),
        "macro_f1": round(gold_macro_f1(gold, top), 4),
        "macro_f1_without_fallback": round(gold_macro_f1(gold, raw), 4),
        "fallback_rate": round(sum(p == "nlu_fallback" for p in top) / len(top), 4),
    }
