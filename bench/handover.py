"""Handover benchmark: 200 web chat players ask for a human while 20 operators sit in
the console, on one ``bot run`` with SQLite.

    python -m bench.handover [--players 200] [--agents 20] [--spread 5] [--deadline 120]

The agents are made with ``bot agents add`` (skills finance/kyc/technical/general,
10 chats each), sign in over HTTP, go online and open ``/console/ws``. Each player
opens ``/webhooks/webchat/ws``, greets the bot, waits for its answer, and asks for a
human; the requests are spread evenly over ``--spread`` seconds. Measured:

- request → console: the player's request sent → the ``assigned`` frame naming that
  chat on the console socket of the agent the queue gave it to;
- agent → player: ``POST /console/api/conversations/{id}/messages`` sent → the text on
  the player's socket (each agent answers its chats one after another);
- routing/s: assignments made ÷ the time from the first request to the last assignment
  frame. Requests arrive over ``--spread`` seconds, so this is the rate the queue kept
  up with, not its ceiling;
- over_capacity: agents whose socket told of more chats than their ``max_chats``, or
  whose "mine" view holds more at the end (no chat is closed during the run);
- stranded: chats still waiting in the queue at the end.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.handover_clients import ConsoleAgent, Player  # noqa: E402
from bench.servers import ServerProcess, free_port  # noqa: E402
from connectors.webchat.relay import new_session_id  # noqa: E402

BOT = str(Path(sys.executable).parent / "bot")
PASSWORD = "bench-parola-1234"
SKILLS = ("finance,general", "kyc,general", "technical,general", "general", "finance,kyc")
ASKS = ("canlı destek istiyorum", "temsilciyle görüşmek istiyorum", "/human_handoff")
GREETINGS = ("merhaba", "selam", "iyi günler")
TARGET_P99_MS = 200.0
WAIT = 30.0  # seconds one step may take before it counts as missed


def model_path(work: Path) -> Path:
    """The shipped model (the newest in models/), or one trained now."""
    shipped = sorted((ROOT / "models").glob("*.tar.gz"))
    if shipped:
        return shipped[-1]
    from bot.workbench.training import train

    print("training the project's model ...", flush=True)
    trained = train(ROOT / "config.yml", ROOT / "domain.yml", [ROOT / "data"], work, "bench")
    return Path(trained.path)


def write_project(work: Path) -> tuple[Path, Path]:
    endpoints = work / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{work / 'destek.db'}\n"
        "live_agents:\n  type: builtin\n  wait_timeout: 3600\n  answer_timeout: 3600\n"
        "  position_updates: 3600\n",
        encoding="utf-8",
    )
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\nwebchat:\n  typing_min_ms: 0\n", encoding="utf-8")
    return endpoints, credentials


def agent_command(endpoints: Path, login: str, skills: str) -> list[str]:
    return [
        *(BOT, "agents", "--endpoints", str(endpoints), "add", "--login", login),
        *("--name", login.title(), "--skills", skills, "--max-chats", "10"),
        "--password-stdin",
    ]


def add_agents(endpoints: Path, count: int) -> list[str]:
    """``bot agents add --password-stdin`` for each agent, a few at a time."""
    logins = [f"temsilci{i:02d}" for i in range(count)]
    for start in range(0, count, 5):
        running = [
            subprocess.Popen(
                agent_command(endpoints, login, SKILLS[i % len(SKILLS)]),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for i, login in enumerate(logins[start : start + 5], start)
        ]
        for process in running:
            _, err = process.communicate(PASSWORD.encode(), timeout=60)
            if process.returncode != 0:
                raise RuntimeError(f"bot agents add failed: {err.decode(errors='replace')}")
    return logins


async def play(player: Player, index: int, delay: float) -> None:
    """Open, greet, and ask for a human at ``delay`` seconds into the burst."""
    await asyncio.sleep(delay)  # the arrival schedule, not a synchronisation
    await player.open()
    await player.say(GREETINGS[index % len(GREETINGS)], "m1")
    await player.wait_for_any_reply(WAIT)
    player.requested_at = time.perf_counter()
    await player.say(ASKS[index % len(ASKS)], "m2")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def wait_until(done: Any, timeout: float) -> None:
    """Poll a condition against a deadline (frames arrive on other tasks)."""
    deadline = time.perf_counter() + timeout
    while not done() and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)


async def requests_to_console(
    players: list[Player], agents: list[ConsoleAgent], spread: float
) -> dict[str, Any]:
    """Every player asks for a human; when did each chat reach its agent's console?"""
    gap = spread / max(1, len(players))
    results = await asyncio.gather(
        *(play(p, i, i * gap) for i, p in enumerate(players)), return_exceptions=True
    )
    failed = [r for r in results if isinstance(r, BaseException)]
    asked = [p for p in players if p.requested_at is not None]

    def owners() -> dict[str, ConsoleAgent]:
        return {sender_id: a for a in agents for sender_id in a.assigned}

    await wait_until(lambda: len(owners()) >= len(asked), WAIT)
    owner = owners()
    to_console = [
        (owner[p.session_id].assigned[p.session_id] - p.requested_at) * 1000
        for p in asked
        if p.requested_at is not None and p.session_id in owner
    ]
    first = min((p.requested_at for p in asked if p.requested_at), default=0.0)
    last = max((t for a in agents for t in a.assigned.values()), default=first)
    return {
        "request_to_console_p50_ms": round(percentile(to_console, 50), 1),
        "request_to_console_p99_ms": round(percentile(to_console, 99), 1),
        "routing_per_s": round(len(owner) / max(1e-9, last - first), 1),
        "players_failed": len(failed),
        "first_error": repr(failed[0])[:200] if failed else None,
        "assigned": len(owner),
    }


async def agents_to_players(players: list[Player], agents: list[ConsoleAgent]) -> dict[str, Any]:
    """Every agent answers its chats; when did each text reach the player's widget?"""
    refused = sum(await asyncio.gather(*(agent.answer_all() for agent in agents)))
    by_session = {p.session_id: p for p in players}
    to_player: list[float] = []
    missed = 0
    for agent in agents:
        for sender_id, (text, sent_at) in agent.sent.items():
            heard = await by_session[sender_id].wait_for(text, WAIT)
            if heard is None:
                missed += 1
            else:
                to_player.append((heard - sent_at) * 1000)
    return {
        "agent_to_player_p50_ms": round(percentile(to_player, 50), 1),
        "agent_to_player_p99_ms": round(percentile(to_player, 99), 1),
        "agent_messages": len(to_player),
        "agent_messages_refused": refused,
        "agent_messages_missed": missed,
    }


async def queue_at_the_end(agents: list[ConsoleAgent]) -> dict[str, Any]:
    """Over capacity (now or ever, as the sockets told it) and what still waits."""
    views = await asyncio.gather(*(agent.queue_view() for agent in agents))
    loads = [len(view["mine"]) for view in views]
    over = sum(
        1
        for agent, load in zip(agents, loads, strict=True)
        if max(agent.most_held, load) > agent.max_chats
    )
    return {
        "over_capacity": over,
        "stranded": int(views[0]["waiting_total"]) if views else 0,
        "max_load": max(loads, default=0),
        "mean_load": round(statistics.fmean(loads), 1) if loads else 0,
    }


async def run(port: int, logins: list[str], args: argparse.Namespace) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    agents = [ConsoleAgent(base, login, PASSWORD) for login in logins]
    players = [Player(base.replace("http", "ws", 1), new_session_id()) for _ in range(args.players)]
    try:
        await asyncio.gather(*(agent.sign_in() for agent in agents))
        return {
            "players": args.players,
            "agents": len(agents),
            **await requests_to_console(players, agents, args.spread),
            **await agents_to_players(players, agents),
            **await queue_at_the_end(agents),
        }
    finally:
        await asyncio.gather(*(p.close() for p in players), return_exceptions=True)
        await asyncio.gather(*(a.close() for a in agents), return_exceptions=True)


def print_table(result: dict[str, Any]) -> None:
    rows = [
        (
            "request → console",
            result["request_to_console_p50_ms"],
            result["request_to_console_p99_ms"],
            result["assigned"],
        ),
        (
            "agent → player",
            result["agent_to_player_p50_ms"],
            result["agent_to_player_p99_ms"],
            result["agent_messages"],
        ),
    ]
    print(f"{'delivery':<20}{'p50 ms':>10}{'p99 ms':>10}{'samples':>10}")
    for name, p50, p99, count in rows:
        print(f"{name:<20}{p50:>10.1f}{p99:>10.1f}{count:>10}")
    print(
        f"routing: {result['routing_per_s']:.1f} assignments/s (first request → last "
        f"assignment); loads: max {result['max_load']}, mean {result['mean_load']}\n"
        f"over capacity: {result['over_capacity']} agents; stranded: {result['stranded']}; "
        f"players failed: {result['players_failed']}; agent messages refused: "
        f"{result['agent_messages_refused']}, never heard: {result['agent_messages_missed']}\n"
        f"targets: p99 < {TARGET_P99_MS:.0f} ms for both deliveries, 0 over capacity, "
        "0 stranded",
        flush=True,
    )
    if result["first_error"]:
        print(f"first player error: {result['first_error']}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Destek handover benchmark")
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--spread", type=float, default=5.0, help="seconds the requests span")
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds for the load")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="destek-bench-handover-") as tmp:
        work = Path(tmp)
        model = model_path(work)
        endpoints, credentials = write_project(work)
        logins = add_agents(endpoints, args.agents)
        port = free_port()
        command = [
            BOT,
            "run",
            "-m",
            str(model),
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--no-embedded-services",
            "--log-level",
            "warning",
        ]
        with ServerProcess(command, port, "/webhooks/rest/", cwd=work).running():
            print(f"{args.agents} agents, {args.players} players on {port} ...", flush=True)
            result = asyncio.run(asyncio.wait_for(run(port, logins, args), args.deadline))
    print_table(result)
    keys = (
        "request_to_console_p50_ms",
        "request_to_console_p99_ms",
        "agent_to_player_p50_ms",
        "agent_to_player_p99_ms",
        "routing_per_s",
        "over_capacity",
        "stranded",
        "players",
        "agents",
        "assigned",
        "agent_messages",
    )
    print(json.dumps({key: result[key] for key in keys}))


if __name__ == "__main__":
    main()
