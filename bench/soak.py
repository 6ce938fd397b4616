"""Soak: fifty players on two workers for ten minutes, with a fault every minute.

    python -m bench.soak [--minutes 10] [--players 50] [--model PATH]
                         [--postgres URL] [--redis-db 14] [--restart-services]

``bot run --workers 2`` on the machine's PostgreSQL and Redis, with its embedded action
server and the mock account backend (the fault suite's rig, tests/faults/rig.py). The
players talk as people do: greetings, questions, balances behind a one-time code read
from the backend's outbox; a message not acknowledged is sent again with the same
message_id. Half a minute into every minute one fault strikes, in rotation: the action
server killed (SIGKILL), the backend slow, PostgreSQL restarted, Redis restarted, a
worker killed (SIGKILL; always the younger one, so the other lives the whole soak and
its memory says whether a worker leaks).

"Restarted" means every connection of the workers ended (``pg_terminate_backend`` on
their ``application_name``, ``CLIENT KILL`` of their named clients): what a restart looks
like from the workers' side, without disturbing anyone else on a shared machine.
``--restart-services`` restarts the servers themselves instead (``pg_ctlcluster``,
``service redis-server``; root or sudo), on a machine of your own.

Progress every ten seconds; then every tracker is read from PostgreSQL and held against
what the players sent. Figures: messages sent, acknowledged, lost (must be 0), duplicated
(must be 0), players left in silence (must be 0), p50/p99 latency outside the fault
windows (a message tried once, answered before or after any window), and each worker's
resident memory once warmed up (after the first half minute), at half time and at the
end. Growth over the whole soak includes the tracker cache filling up (1,000
conversations a worker); growth over the second half, with the cache full, is the leak
signal. The last line printed is one JSON object with those figures; it is also written
to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.faults.players import REQUEST_TIMEOUT, SEEDED, Ledger, Talk, converse  # noqa: E402
from tests.faults.processes import rss_kib  # noqa: E402
from tests.faults.rig import Rig, Services, rig, train_light_model  # noqa: E402
from tests.faults.schedule import FAULTS, Fault, strike  # noqa: E402
from tests.faults.trackers import judge, read_trackers  # noqa: E402

ROTATION = (
    "action_server_killed", "backend_slow", "postgres_restarted", "redis_restarted",
    "worker_killed",
)  # fmt: skip
WARM_UP = 30.0  # seconds before the memory is first read, and before the first fault
PROGRESS_EVERY = 10.0


def main() -> int:
    args = _parser().parse_args()
    services = Services(args.postgres, args.redis_host, args.redis_port, args.redis_db)
    with tempfile.TemporaryDirectory(prefix="destek-soak-") as folder:
        work = Path(folder)
        model = _model(args.model, work)
        print(f"model {model.name}; starting two workers ...", flush=True)
        with rig(work, services, model) as started:
            figures = asyncio.run(_soak(started, args))
            trackers = read_trackers(services.postgres_url, started.name)
        verdict = judge(figures.pop("ledger"), trackers)
    figures.update(
        sent=verdict.sent,
        acknowledged=verdict.acknowledged,
        lost=len(verdict.lost) + len(verdict.unacknowledged),
        duplicated=len(verdict.duplicated),
        silent=len(verdict.silent),
        out_of_order=len(verdict.out_of_order),
        stored_but_refused=len(verdict.stored_but_refused),
        retried=verdict.retried,
    )
    for failure in verdict.failures[:20]:
        print("  !", failure, flush=True)
    _summary(figures)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return 0 if not verdict.failures else 1


async def _soak(rig: Rig, args: argparse.Namespace) -> dict[str, Any]:
    faults = {
        **FAULTS,
        "worker_killed": Fault("worker_killed", _kill_younger, Rig.wait_for_workers, 0),
    }
    if args.restart_services:
        faults.update(_real_restarts())
    limits = httpx.Limits(max_connections=args.players * 2, max_keepalive_connections=args.players)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        talk = Talk(http, rig.url, rig.backend, rig.backend_token, rig.admin_token, rig.name)
        for username in SEEDED:
            talk.free.put_nowait(username)
        began = time.time()
        players = [asyncio.create_task(converse(talk, n)) for n in range(args.players)]
        progress = asyncio.create_task(_progress(talk.ledger, began))
        memory: dict[int, dict[str, Any]] = {}
        try:
            await asyncio.sleep(WARM_UP)
            memory = {pid: {"pid": pid, "start_kib": rss_kib(pid)} for pid in rig.workers()}
            for minute in range(args.minutes):
                await _until(began + WARM_UP + 60.0 * minute)
                if minute == args.minutes // 2:  # caches full by now: the leak signal
                    _memory_at_half_time(rig, memory)
                fault = faults[ROTATION[minute % len(ROTATION)]]
                print(f"[{time.time() - began:6.0f} s] fault: {fault.name}", flush=True)
                took = await strike(rig, talk.ledger, fault)
                print(
                    f"[{time.time() - began:6.0f} s] healed {fault.name} in {took:.1f} s",
                    flush=True,
                )
            await _until(began + 60.0 * args.minutes)
            _memory_at_end(rig, memory)
        finally:
            talk.stop.set()
            await asyncio.gather(*players)
            progress.cancel()
    return {
        "minutes": args.minutes,
        "players": args.players,
        "workers": 2,
        "restart_services": args.restart_services,
        "faults": [name for name, _, _ in talk.ledger.windows],
        **_latency(talk.ledger),
        "memory": list(memory.values()),
        "max_memory_growth_pct": _largest(memory, "growth_pct"),
        "max_second_half_growth_pct": _largest(memory, "second_half_growth_pct"),
        "ledger": talk.ledger,
    }


def _largest(memory: dict[int, dict[str, Any]], key: str) -> float | None:
    """The largest ``key`` among the workers that lived through the whole soak."""
    return max(
        (m[key] for m in memory.values() if key in m and not m.get("replaced")), default=None
    )


def _kill_younger(rig: Rig) -> None:
    """Kill the worker started last, so the first one lives through the whole soak."""
    rig.kill_worker(-1)


def _memory_at_half_time(rig: Rig, memory: dict[int, dict[str, Any]]) -> None:
    alive = set(rig.workers())
    for pid, entry in memory.items():
        if pid in alive:
            entry["half_time_kib"] = rss_kib(pid)


def _memory_at_end(rig: Rig, memory: dict[int, dict[str, Any]]) -> None:
    alive = set(rig.workers())
    replacements = sorted(alive - set(memory))
    for pid, entry in memory.items():
        if pid in alive:
            entry["end_kib"] = rss_kib(pid)
        else:  # killed by the soak: its slot's newest worker stands in
            entry["replaced"] = True
            entry["end_kib"] = rss_kib(replacements[-1]) if replacements else 0
        entry["growth_pct"] = _growth(entry["start_kib"], entry["end_kib"])
        if "half_time_kib" in entry and not entry.get("replaced"):
            entry["second_half_growth_pct"] = _growth(entry["half_time_kib"], entry["end_kib"])


def _growth(before: int, after: int) -> float:
    return round(100.0 * (after / max(before, 1) - 1), 1)


def _latency(ledger: Ledger) -> dict[str, float | None]:
    calm = [
        s.latency * 1000
        for s in ledger.sent
        if s.acknowledged and len(s.attempts) == 1
        and ledger.during(s.attempts[0].began, s.attempts[0].ended) is None
    ]  # fmt: skip
    if len(calm) < 2:
        return {"p50_ms": None, "p99_ms": None, "calm_samples": len(calm)}
    cuts = statistics.quantiles(calm, n=100)
    return {"p50_ms": round(cuts[49], 1), "p99_ms": round(cuts[98], 1), "calm_samples": len(calm)}


async def _progress(ledger: Ledger, began: float) -> None:
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        sent = len(ledger.sent)
        acked = sum(1 for s in ledger.sent if s.acknowledged)
        retried = sum(1 for s in ledger.sent if len(s.attempts) > 1)
        print(
            f"[{time.time() - began:6.0f} s] sent {sent}, acknowledged {acked}, retried {retried}",
            flush=True,
        )


async def _until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


def _real_restarts() -> dict[str, Fault]:
    """PostgreSQL and Redis really restarted (``--restart-services``)."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]

    def postgres(rig: Rig) -> None:
        listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
        version, cluster = listed.stdout.split()[:2]
        subprocess.run([*sudo, "pg_ctlcluster", version, cluster, "restart"], check=True)

    def redis(rig: Rig) -> None:
        subprocess.run([*sudo, "service", "redis-server", "restart"], check=True)

    return {
        "postgres_restarted": Fault("postgres_restarted", postgres, lambda rig: None, 2.0),
        "redis_restarted": Fault("redis_restarted", redis, lambda rig: None, 2.0),
    }


def _model(given: str | None, work: Path) -> Path:
    if given:
        return Path(given)
    shipped = sorted((ROOT / "models").glob("*.tar.gz"))
    if shipped:
        return shipped[-1]
    print("no model in models/: training the project without the sentence encoder ...", flush=True)
    return train_light_model(work / "model.tar.gz")


def _summary(figures: dict[str, Any]) -> None:
    print(
        f"sent {figures['sent']}, acknowledged {figures['acknowledged']}, lost {figures['lost']}, "
        f"duplicated {figures['duplicated']}, silent {figures['silent']}, "
        f"retried {figures['retried']}; outside faults p50 {figures['p50_ms']} ms, "
        f"p99 {figures['p99_ms']} ms",
        flush=True,
    )
    for entry in figures["memory"]:
        replaced = " (killed; its replacement at the end)" if entry.get("replaced") else ""
        start, end = entry["start_kib"] / 1024, entry["end_kib"] / 1024
        half = entry.get("second_half_growth_pct")
        second = f", {half:+.1f} % over the second half" if half is not None else ""
        print(
            f"worker {entry['pid']}: {start:.0f} MiB after warm-up, {end:.0f} MiB at the end "
            f"({entry['growth_pct']:+.1f} %{second}){replaced}",
            flush=True,
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=10, help="how long, one fault a minute")
    parser.add_argument("--players", type=int, default=50, help="conversations at once")
    parser.add_argument("--model", help="the model (default: the newest in models/)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "DESTEK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="libpq URL of the database to make a schema in",
    )
    parser.add_argument("--redis-host", default="127.0.0.1")
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument(
        "--restart-services",
        action="store_true",
        help="really restart PostgreSQL and Redis (root or sudo; never on a shared machine)",
    )
    parser.add_argument("--out", default="results/bench/soak.json")
    return parser


if __name__ == "__main__":
    if shutil.which("pg_lsclusters") is None and "--restart-services" in sys.argv:
        sys.exit("--restart-services needs pg_lsclusters (Debian's postgresql-common)")
    sys.exit(main())
