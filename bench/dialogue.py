"""Dialogue benchmark: test stories, held-out conversations end to end, engine latency.

``python -m bench.dialogue`` trains a model (or takes ``-m``) and prints:

(a) the share of test stories passed by ``bot test core``'s replay (target 100%);
(b) the share of held-out conversations handled end to end with the real action server
    and mock backend (target >= 90%), listing the failures;
(c) the engine's own time per turn, NLU excluded (precomputed parse data), on
    response-only flows (target p50 < 5 ms);
(d) the same with one custom action round trip per turn (``action_balance`` for a
    verified player: engine → action server → backend).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.conversations import (
    ConversationResult,
    ConversationRunner,
    Services,
    conversation_services,
    read_conversations,
)
from bench.loadgen import percentile
from bot.dialogue.engine import Engine, UserMessage
from bot.dialogue.events import ActionExecuted
from bot.dialogue.story_reader import load_stories
from bot.model_storage import TrainedModel, load_model
from bot.nlu.pipeline import parse_result
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.workbench.core_test import evaluate_stories
from bot.workbench.core_test_report import CoreTestReport
from bot.workbench.training import train

ROOT = Path(__file__).resolve().parent.parent
TEST_STORIES = ROOT / "data/tests/test_stories.yml"
HELDOUT = ROOT / "data/tests/conversations_heldout.yml"

# Response-only flows: every turn is answered from domain responses, no custom action.
FLOWS = (
    ("merhaba", "nasıl para yatırabilirim", "teşekkürler", "görüşürüz"),
    ("selam", "para çekmek istiyorum nasıl yapacağım", "sağol", "hoşça kal"),
    ("iyi akşamlar", "hangi belgeleri yüklemem lazım", "tamam teşekkürler", "bye"),
)
BALANCE = "bakiyem ne kadar"


def _model(args: argparse.Namespace, work: Path) -> TrainedModel:
    if args.model:
        return load_model(Path(args.model))
    print("training a model ...", flush=True)
    result = train(
        ROOT / "config.yml", ROOT / "domain.yml", [ROOT / "data"], work, "bench-dialogue"
    )
    print(f"trained in {result.seconds:.1f}s", flush=True)
    return load_model(result.path)


def story_tests(model: TrainedModel) -> CoreTestReport:
    assert model.core is not None and model.nlu is not None
    nlu = model.nlu
    stories = load_stories([TEST_STORIES], skip_tests=False).stories

    def parse_batch(texts: Sequence[str]) -> list[dict[str, Any]]:
        return [parse_result(m) for m in nlu.parse_batch(texts)]

    return evaluate_stories(stories, model.core.domain, model.core.policies, parse_batch)


def _precomputed(model: TrainedModel, texts: Sequence[str]) -> Any:
    """A parser that answers from parse data computed beforehand: NLU time excluded."""
    assert model.nlu is not None
    table = {t: parse_result(m) for t, m in zip(texts, model.nlu.parse_batch(texts), strict=True)}

    async def parse(text: str) -> Mapping[str, Any]:
        return table[text]

    return parse


async def _timed_turns(
    engine: Engine, conversations: Sequence[Sequence[UserMessage]]
) -> list[float]:
    """Milliseconds per ``Engine.handle`` call."""
    times: list[float] = []
    for conversation in conversations:
        for message in conversation:
            started = time.perf_counter()
            await engine.handle(message)
            times.append((time.perf_counter() - started) * 1000)
    return times


def response_latency(model: TrainedModel, turns: int) -> list[float]:
    assert model.core is not None
    texts = sorted({t for flow in FLOWS for t in flow})
    engine = Engine(
        model.core.domain,
        model.core.policies,
        _precomputed(model, texts),
        InMemoryTrackerStore(),
        InMemoryLockStore(),
    )
    conversations = [
        [UserMessage(text, f"latency-{i}") for text in FLOWS[i % len(FLOWS)]]
        for i in range(-(-turns // len(FLOWS[0])))
    ]
    asyncio.run(_timed_turns(engine, conversations[:5]))  # warm up
    return asyncio.run(_timed_turns(engine, conversations))


async def _action_latency(model: TrainedModel, services: Services, turns: int) -> list[float]:
    async with httpx.AsyncClient(timeout=10) as http:
        runner = ConversationRunner(model, services, http)
        await runner.reset()
        token = await runner.player_token("ahmet_yilmaz")
        engine = runner.engine()
        engine.parse = _precomputed(model, [BALANCE])
        per_conversation = 10
        conversations = [
            [
                UserMessage(BALANCE, f"balance-{i}", metadata={"player_token": token})
                for _ in range(per_conversation)
            ]
            for i in range(-(-turns // per_conversation))
        ]
        await _timed_turns(engine, conversations[:1])  # warm up
        times = await _timed_turns(engine, conversations)
        tracker = await engine.tracker(conversations[-1][0].sender_id)
        ran = [e.name for e in tracker.events if isinstance(e, ActionExecuted)]
        if ran.count("action_balance") != per_conversation:
            raise RuntimeError(f"action_balance did not run on every turn: {ran}")
        return times


def heldout(model: TrainedModel, services: Services) -> list[ConversationResult]:
    async def play() -> list[ConversationResult]:
        async with httpx.AsyncClient(timeout=10) as http:
            return await ConversationRunner(model, services, http).run_all(
                read_conversations(HELDOUT)
            )

    return asyncio.run(play())


def _row(label: str, value: str, target: str) -> str:
    return f"{label:<44} {value:>16}   {target}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Destek dialogue benchmark")
    parser.add_argument("-m", "--model", help="a trained model (default: train one)")
    parser.add_argument("--turns", type=int, default=2000, help="turns for (c)")
    parser.add_argument("--action-turns", type=int, default=500, help="turns for (d)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="destek-bench-dialogue-") as work:
        model = _model(args, Path(work))
        stories = story_tests(model)
        print(f"(a) test stories: {len(stories.results) - len(stories.failed)}/"
              f"{len(stories.results)} passed")  # fmt: skip
        for result in stories.failed:
            for m in result.mistakes:
                print(f"    FAIL {result.name}: {m.kind} {m.expected} → {m.predicted} ({m.source})")
        with conversation_services() as services:
            results = heldout(model, services)
            action_times = asyncio.run(_action_latency(model, services, args.action_turns))
        passed = sum(r.passed for r in results)
        print(f"(b) held-out conversations: {passed}/{len(results)} handled end to end")
        for r in results:
            if not r.passed:
                print(f"    FAIL {r.conversation.name}: {r.difference}")
        response_times = response_latency(model, args.turns)
    p = percentile
    print()
    print(_row("", "result", "target"))
    print(_row("(a) test stories passed", f"{stories.story_accuracy:.1%}", "100%"))
    print(_row("    action accuracy", f"{stories.action_accuracy:.1%}", ""))
    print(_row("(b) held-out conversations end to end", f"{passed / len(results):.1%}", ">= 90%"))
    print(_row(f"(c) engine per turn, responses (n={len(response_times)})",
               f"p50 {p(response_times, 50):.2f} ms", "p50 < 5 ms"))  # fmt: skip
    print(_row("", f"p99 {p(response_times, 99):.2f} ms", ""))
    print(_row(f"(d) per turn with action_balance (n={len(action_times)})",
               f"p50 {p(action_times, 50):.2f} ms", ""))  # fmt: skip
    print(_row("", f"p99 {p(action_times, 99):.2f} ms", ""))


if __name__ == "__main__":
    main()
