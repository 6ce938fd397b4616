"""Server benchmark: the REST webhook end to end, on one worker with SQLite and on two
workers sharing PostgreSQL and Redis, in one run.

    python -m bench.server [--conversations 50] [--rates 50 100 150] [--seconds 15]
                           [--saturation 40] [--skip-scale-out]

Fifty players (``--conversations``) chat at once, each sending its messages in order and
waiting for each answer, starting a new conversation every ``--per-conversation``
messages. The texts never repeat (held-out player messages of intents the bot answers
from a response template, with casual prefixes and suffixes), so every message goes
through NLU, the policies, a response and the tracker store. One latency sample is one
message in → its replies out. Per setup:

- paced runs: messages are due at each of ``--rates`` per second in all (Poisson
  arrivals spread over the players; a person types one every few seconds, so even 50
  msg/s is far busier than 50 people chatting). Latency counts from when a message was
  due, so a server that falls behind shows it.
- a saturated run: the same players send back to back, as fast as the server answers:
  the most messages per second the setup serves, and the CPU each message costs.

Prints the figures per setup and writes results/bench/server.json. The two-worker setup
needs PostgreSQL (``--postgres``, default the machine's database ``test``) and Redis
(``--redis``); it makes a schema of its own and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.loadgen import run_conversations, run_paced  # noqa: E402
from bench.servers import ServerProcess, cpu_seconds_of, free_port  # noqa: E402
from bench.texts import unique_texts  # noqa: E402
from bot.workbench.training import load_training_data, train  # noqa: E402

BOT = str(Path(sys.executable).parent / "bot")
HOST = "127.0.0.1"
WEBHOOK = "/webhooks/rest/webhook"
# Intents whose rules answer with a response template alone (no custom action).
RESPONSE_INTENTS = (
    "greet",
    "goodbye",
    "thank",
    "deposit_methods",
    "withdrawal_request",
    "kyc_documents",
    "technical_issue",
)
SERVICES = ("postgres", "redis-server")
TARGETS = {"p50_ms": 25.0, "p99_ms": 250.0, "two_worker_rps": 200.0}


def player_texts(count: int) -> list[str]:
    data = load_training_data([ROOT / "data/tests/nlu_heldout.yml"])
    bases = [e.text for e in data.examples if e.intent in RESPONSE_INTENTS]
    return unique_texts(bases, count, seed=11)


def scripts(
    texts: list[str], clients: int, per_conversation: int, tag: str
) -> list[list[dict[str, object]]]:
    per_client = len(texts) // clients
    out = []
    for c in range(clients):
        mine = texts[c * per_client : (c + 1) * per_client]
        out.append(
            [
                {"sender": f"{tag}-{c}-{i // per_conversation}", "message": text}
                for i, text in enumerate(mine)
            ]
        )
    return out


def _write_project(work: Path, endpoints: str) -> tuple[Path, Path]:
    endpoints_file = work / "endpoints.yml"
    endpoints_file.write_text(endpoints, encoding="utf-8")
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    return endpoints_file, credentials


def _server(model: Path, work: Path, endpoints: str, workers: int) -> ServerProcess:
    endpoints_file, credentials = _write_project(work, endpoints)
    port = free_port()
    command = [
        BOT, "run", "-m", str(model), "-p", str(port), "-i", "127.0.0.1",
        "--endpoints", str(endpoints_file), "--credentials", str(credentials),
        "--no-embedded-services", "--log-level", "warning", "--workers", str(workers),
    ]  # fmt: skip
    return ServerProcess(command, port, "/webhooks/rest/", cwd=work)


def measure(
    server: ServerProcess, texts: list[str], args: argparse.Namespace, tag: str
) -> dict[str, Any]:
    """Warm up, the paced runs (latency at each of ``--rates``), then the saturated run."""
    clients = args.conversations
    pool = iter(texts)

    def take(count: int, per_conversation: int, label: str) -> list[list[dict[str, object]]]:
        chosen = [next(pool) for _ in range(count)]
        return scripts(chosen, clients, per_conversation, f"{tag}{label}")

    run = asyncio.run
    run(run_conversations(HOST, server.port, WEBHOOK, take(clients * 4, 4, "w")))
    paced: list[dict[str, Any]] = []
    answers: list[bytes] = []
    for rate in args.rates:
        count = int(rate * args.seconds)
        load, said = run(
            run_paced(HOST, server.port, WEBHOOK, take(count, args.per_conversation, f"p{rate:g}"),
                      rate)
        )  # fmt: skip
        paced.append({**load.as_dict(), "offered_rps": rate})
        answers += said
    cpu_before = server.cpu_seconds
    others_before = {name: cpu_seconds_of(name) for name in SERVICES}
    saturated, said = run(
        run_conversations(
            HOST, server.port, WEBHOOK,
            take(clients * args.saturation, args.per_conversation, "s"),
        )
    )  # fmt: skip
    per_message = 1000 / max(1, saturated.requests)
    cpu_ms = (server.cpu_seconds - cpu_before) * per_message
    services_ms = sum(cpu_seconds_of(n) - others_before[n] for n in SERVICES) * per_message
    silent = sum(1 for a in [*answers, *said] if a.strip() in (b"", b"[]"))
    return {
        "paced": paced,
        "saturation": {
            **saturated.as_dict(),
            "server_cpu_ms_per_message": round(cpu_ms, 2),
            "database_and_redis_cpu_ms_per_message": round(services_ms, 2),
        },
        "messages": sum(r["requests"] for r in paced) + saturated.requests,
        "errors": sum(r["errors"] for r in paced) + saturated.errors,
        "answered_with_silence": silent,
    }


def texts_needed(args: argparse.Namespace) -> int:
    return int(args.conversations * (4 + args.saturation) + sum(args.rates) * args.seconds + 100)


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


def scale_out_endpoints(store_url: str, redis_host: str, redis_port: int, prefix: str) -> str:
    return (
        f'tracker_store:\n  type: sql\n  url: "{store_url}"\n'
        f"lock_store:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
        f"  key_prefix: {prefix}\n"
        f"fanout:\n  type: redis\n  url: {redis_host}\n  port: {redis_port}\n"
    )


def _print(label: str, result: dict[str, Any]) -> None:
    print(label, flush=True)
    for paced in result["paced"]:
        print(
            f"  {paced['offered_rps']:5.0f} msg/s offered: p50 {paced['p50_ms']:7.2f} ms  "
            f"p99 {paced['p99_ms']:8.2f} ms  ({paced['throughput_rps']:.1f} msg/s served)",
            flush=True,
        )
    saturated = result["saturation"]
    print(
        f"  saturated, {saturated['clients']} players back to back: "
        f"{saturated['throughput_rps']:.1f} msg/s (p50 {saturated['p50_ms']:.0f} ms, "
        f"p99 {saturated['p99_ms']:.0f} ms); CPU a message: server "
        f"{saturated['server_cpu_ms_per_message']:.1f} ms, PostgreSQL + Redis "
        f"{saturated['database_and_redis_cpu_ms_per_message']:.1f} ms\n"
        f"  {result['messages']} messages, {result['errors']} errors, "
        f"{result['answered_with_silence']} answered with silence (handed over)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Destek server benchmark")
    parser.add_argument("--conversations", type=int, default=50, help="concurrent players")
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[50.0, 100.0, 150.0],
        help="offered msg/s of the paced runs",
    )  # fmt: skip
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each paced run")
    parser.add_argument("--saturation", type=int, default=40, help="messages a player, saturated")
    parser.add_argument("--per-conversation", type=int, default=8, help="messages a session")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="127.0.0.1:6379", help="host:port")
    parser.add_argument("--skip-scale-out", action="store_true", help="one worker only")
    parser.add_argument("--out", default="results/bench/server.json")
    args = parser.parse_args()
    each = texts_needed(args)
    texts = player_texts(2 * each)
    results: dict[str, Any] = {"conversations": args.conversations, "targets": TARGETS}
    with tempfile.TemporaryDirectory(prefix="destek-bench-server-") as tmp:
        work = Path(tmp)
        print("training the project's model ...", flush=True)
        trained = train(ROOT / "config.yml", ROOT / "domain.yml", [ROOT / "data"], work, "bench")
        sqlite = work / "sqlite"
        sqlite.mkdir()
        endpoints = f"tracker_store:\n  type: sql\n  url: sqlite:///{sqlite / 'destek.db'}\n"
        with _server(trained.path, sqlite, endpoints, 1).running() as server:
            results["one_worker_sqlite"] = measure(server, texts[:each], args, "sqlite")
        _print("1 worker, SQLite", results["one_worker_sqlite"])
        if not args.skip_scale_out:
            host, _, port = args.redis.partition(":")
            shared = work / "shared"
            shared.mkdir()
            with postgres_schema(args.postgres) as store_url:
                endpoints = scale_out_endpoints(
                    store_url, host, int(port or 6379), f"bench-{secrets.token_hex(3)}"
                )
                with _server(trained.path, shared, endpoints, 2).running() as server:
                    results["two_workers_postgres_redis"] = measure(
                        server, texts[each:], args, "pg"
                    )
            _print("2 workers, PostgreSQL + Redis", results["two_workers_postgres_redis"])
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(
        f"targets: p50 < {TARGETS['p50_ms']:.0f} ms, p99 < {TARGETS['p99_ms']:.0f} ms, "
        f">= {TARGETS['two_worker_rps']:.0f} msg/s with two workers; written to {out}"
    )


if __name__ == "__main__":
    main()
