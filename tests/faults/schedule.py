"""The faults, and injecting them one after another while the players talk.

Each fault is injected, held for a while, then healed (or left to heal by itself, as a
killed process restarted by its supervisor does); its window, from injection to a few
seconds after healing, is noted in the ledger so latency can be read outside them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.faults.players import Ledger
from tests.faults.rig import Rig

__all__ = ["FAULTS", "Fault", "inject_in_turn", "strike"]

SETTLE = 3.0  # seconds after healing still counted in the fault's window
BACKEND_DELAY_MS = 3000  # slow, but within the actions' 5 s deadline for the backend


@dataclass(frozen=True)
class Fault:
    """``inject`` starts it; ``heal`` (after ``hold`` seconds) ends it or waits for the
    system to mend it."""

    name: str
    inject: Callable[[Rig], object]
    heal: Callable[[Rig], object]
    hold: float


def _nothing(rig: Rig) -> None:
    return None


def _kill_worker(rig: Rig) -> None:
    rig.kill_worker(len(rig.killed))  # the first worker, then the second...


def _postgres_restarted(rig: Rig) -> None:
    """Sessions end, and those opened meanwhile end too (a restart takes a moment)."""
    rig.kill_postgres_sessions()
    time.sleep(0.5)
    rig.kill_postgres_sessions()


def _redis_restarted(rig: Rig) -> None:
    rig.kill_redis_clients()
    time.sleep(0.5)
    rig.kill_redis_clients()


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in (
        Fault("action_server_killed", Rig.kill_action_server, Rig.wait_for_actions, 1.0),
        Fault(
            "backend_slow",
            lambda rig: rig.backend_faults(delay_ms=BACKEND_DELAY_MS),
            Rig.backend_faults,
            8.0,
        ),
        Fault(
            "backend_down",
            lambda rig: rig.backend_faults(status=503, fail_rate=1.0),
            Rig.backend_faults,
            6.0,
        ),
        Fault("postgres_restarted", _postgres_restarted, _nothing, 2.0),
        Fault("redis_restarted", _redis_restarted, _nothing, 2.0),
        Fault("worker_killed", _kill_worker, Rig.wait_for_workers, 0.0),
    )
}


async def inject_in_turn(rig: Rig, ledger: Ledger, faults: Sequence[Fault], calm: float) -> None:
    """Inject each of ``faults`` after ``calm`` seconds of quiet, noting its window."""
    for fault in faults:
        await asyncio.sleep(calm)
        await strike(rig, ledger, fault)


async def strike(rig: Rig, ledger: Ledger, fault: Fault) -> float:
    """Inject ``fault``, hold it, heal it and note its window; returns its seconds."""
    began = time.time()
    await asyncio.to_thread(fault.inject, rig)
    await asyncio.sleep(fault.hold)
    await asyncio.to_thread(fault.heal, rig)
    ended = time.time()
    ledger.windows.append((fault.name, began, ended + SETTLE))
    return ended - began
