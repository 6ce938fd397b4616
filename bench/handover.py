"""Handover benchmark: 200 web chat players ask for a human while 20 operators sit in
the console; one ``bot run`` on SQLite, or N workers on PostgreSQL + Redis.

    python -m bench.handover [--players 200] [--agents 20] [--spread 5]
        [--burst-players 200] [--burst-agents 20] [--agent-think 0.2,1] [--model PATH]
        [--store sqlite|postgres] [--workers 1]

The agents are made with ``bot agents add`` (skills finance/kyc/technical/general,
10 chats each), sign in over HTTP, go online and open ``/console/ws``. Each player
opens ``/webhooks/webchat/ws``, greets the bot, waits for its answer, and asks for a
human; the requests are spread evenly over ``--spread`` seconds. Measured:

- request → console: the player's request sent → the ``assigned`` frame naming that
  chat on the console socket of the agent the queue gave it to;
- agent → player: ``POST /console/api/conversations/{id}/messages`` sent → the text on
  the player's socket (each agent answers its chats one after another, with a think
  time of ``--agent-think`` 0.2-1 s before each answer; ``0,0`` sends back to back);
- routing/s, the queue's throughput: the first agents step away, ``--burst-players``
  more players ask for a human and wait; then ``--burst-agents`` other agents come
  online at once, and routing/s is the chats given ÷ the time from their going online
  to the last ``assigned`` frame on their consoles (each decision recorded in the
  conversation and shown on the console);
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
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.handover_clients import ConsoleAgent, Player
from bench.handover_setup import BOT, PASSWORD, add_agents, model_path, project
from bench.servers import ServerProcess, free_port
from connectors.webchat.relay import new_session_id

ASKS = ("canlı destek istiyorum", "temsilciyle görüşmek istiyorum", "/human_handoff")
GREETINGS = ("merhaba", "selam", "iyi günler")
TARGET_P99_MS = 200.0
WAIT = 30.0  # seconds one step may take before it counts as missed


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


def owners(agents: list[ConsoleAgent]) -> dict[str, ConsoleAgent]:
    return {sender_id: a for a in agents for sender_id in a.assigned}


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
    await wait_until(lambda: len(owners(agents)) >= len(asked), WAIT)
    owner = owners(agents)
    to_console = [
        (owner[p.session_id].assigned[p.session_id] - p.requested_at) * 1000
        for p in asked
        if p.requested_at is not None and p.session_id in owner
    ]
    return {
        "request_to_console_p50_ms": round(percentile(to_console, 50), 1),
        "request_to_console_p99_ms": round(percentile(to_console, 99), 1),
        "players_failed": len(failed),
        "first_error": repr(failed[0])[:200] if failed else None,
        "assigned": len(owner),
    }


async def agents_to_players(
    players: list[Player], agents: list[ConsoleAgent], think: tuple[float, float]
) -> dict[str, Any]:
    """Every agent answers its chats; when did each text reach the player's widget?"""
    answering = (agent.answer_all(seed, think) for seed, agent in enumerate(agents))
    refused = sum(await asyncio.gather(*answering))
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


async def routing_burst(
    players: list[Player], first: list[ConsoleAgent], fresh: list[ConsoleAgent]
) -> dict[str, Any]:
    """The first agents step away; ``players`` ask and wait; ``fresh`` come online at
    once: how fast does the queue give the waiting chats out?"""
    await asyncio.gather(*(agent.set_status("away") for agent in first))
    await asyncio.gather(*(play(p, i, 0.0) for i, p in enumerate(players)))

    async def waiting() -> int:
        return int((await first[0].queue_view())["waiting_total"])

    deadline = time.perf_counter() + WAIT
    while await waiting() < len(players) and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    queued = await waiting()
    started = time.perf_counter()
    await asyncio.gather(*(agent.set_status("online") for agent in fresh))
    await wait_until(lambda: len(owners(fresh)) >= queued, WAIT)
    given = owners(fresh)
    last = max((t for a in fresh for t in a.assigned.values()), default=started)
    return {
        "routing_per_s": round(len(given) / max(1e-9, last - started), 1),
        "routing_burst": {"waiting": queued, "agents": len(fresh), "given": len(given),
                          "seconds": round(last - started, 3)},
    }  # fmt: skip


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


async def run(port: int, logins: tuple[list[str], list[str]], args: Any) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    agents = [ConsoleAgent(base, login, PASSWORD) for login in logins[0]]
    fresh = [ConsoleAgent(base, login, PASSWORD) for login in logins[1]]
    ws = base.replace("http", "ws", 1)
    players = [Player(ws, new_session_id()) for _ in range(args.players)]
    waiting = [Player(ws, new_session_id()) for _ in range(args.burst_players)]
    everyone = [*agents, *fresh]
    try:
        await asyncio.gather(*(agent.sign_in() for agent in agents))
        await asyncio.gather(*(agent.sign_in(online=False) for agent in fresh))
        return {
            "players": args.players,
            "agents": len(agents),
            **await requests_to_console(players, agents, args.spread),
            **await agents_to_players(players, agents, args.agent_think),
            **(await routing_burst(waiting, agents, fresh) if fresh and waiting else {}),
            **await queue_at_the_end(everyone),
        }
    finally:
        await asyncio.gather(*(p.close() for p in [*players, *waiting]), return_exceptions=True)
        await asyncio.gather(*(a.close() for a in everyone), return_exceptions=True)


def print_table(result: dict[str, Any]) -> None:
    rows = [
        ("request → console", "request_to_console", result["assigned"]),
        ("agent → player", "agent_to_player", result["agent_messages"]),
    ]
    print(f"{'delivery':<20}{'p50 ms':>10}{'p99 ms':>10}{'samples':>10}")
    for name, key, count in rows:
        print(
            f"{name:<20}{result[key + '_p50_ms']:>10.1f}{result[key + '_p99_ms']:>10.1f}{count:>10}"
        )
    burst = result.get("routing_burst", {})
    per_s = result.get("routing_per_s", float("nan"))
    print(
        f"routing: {per_s:.1f} decisions/s ({burst.get('given')} "
        f"waiting chats to {burst.get('agents')} agents coming online, {burst.get('seconds')} s); "
        f"loads: max {result['max_load']}, mean {result['mean_load']}\n"
        f"over capacity: {result['over_capacity']} agents; stranded: {result['stranded']}; "
        f"players failed: {result['players_failed']}; agent messages refused: "
        f"{result['agent_messages_refused']}, never heard: {result['agent_messages_missed']}\n"
        f"targets: p99 < {TARGET_P99_MS:.0f} ms for both deliveries, 0 over capacity, "
        "0 stranded",
        flush=True,
    )
    if result["first_error"]:
        print(f"first player error: {result['first_error']}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Destek handover benchmark")
    parser.add_argument("--players", type=int, default=200)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--spread", type=float, default=5.0, help="seconds the requests span")
    parser.add_argument("--burst-players", type=int, default=200, help="chats waiting at once")
    parser.add_argument("--burst-agents", type=int, default=20, help="agents coming online")
    parser.add_argument(
        "--agent-think",
        type=lambda text: tuple(float(part) for part in text.split(",")),
        default=(0.2, 1.0),
        help="seconds an agent takes before each answer: MIN,MAX (0,0: back to back)",
    )
    parser.add_argument("--deadline", type=float, default=180.0, help="seconds for the load")
    parser.add_argument("--model", type=Path, help="a trained model (default: train one)")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                        help="postgres: PostgreSQL + Redis (locks, fan-out)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="bot run --workers")
    args = parser.parse_args()
    if args.workers > 1 and args.store != "postgres":
        parser.error("several workers share PostgreSQL + Redis: add --store postgres")
    return args


def main() -> None:
    args = arguments()
    with tempfile.TemporaryDirectory(prefix="destek-bench-handover-") as tmp:
        work = Path(tmp)
        model = model_path(work, args.model)
        with project(work, args.store) as (endpoints, credentials):
            logins = (
                add_agents(endpoints, "temsilci", args.agents),
                add_agents(endpoints, "yedek", args.burst_agents if args.burst_players else 0),
            )
            port = free_port()
            command = [
                *(BOT, "run", "-m", str(model), "-p", str(port), "-i", "127.0.0.1"),
                *("--endpoints", str(endpoints), "--credentials", str(credentials)),
                *("--no-embedded-services", "--log-level", "warning"),
                *("--workers", str(args.workers)),
            ]
            with ServerProcess(command, port, "/webhooks/rest/", cwd=work).running():
                print(
                    f"{args.agents}+{args.burst_agents} agents, {args.players}+"
                    f"{args.burst_players} players on {port} ({args.store}, "
                    f"{args.workers} worker(s)) ...",
                    flush=True,
                )
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
    print(json.dumps({key: result.get(key) for key in keys}))


if __name__ == "__main__":
    main()
