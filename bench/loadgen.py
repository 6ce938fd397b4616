"""A lean HTTP/1.1 load generator for the benchmarks (keep-alive, one socket per client).

Written on raw asyncio streams so the client costs far less CPU than the server it
measures: on a 2-core machine a heavy client would steal the server's cycles.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

IDLE_RECONNECT = 4.0  # seconds; below uvicorn's keep-alive timeout

__all__ = ["LoadResult", "Player", "percentile", "run_load", "run_players"]


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99)

    def as_dict(self) -> dict[str, float | int]:
        return {
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.p50, 2),
            "p99_ms": round(self.p99, 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
        }


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            chunks.append(chunk[:-2])
        body = b"".join(chunks)
    else:
        body = await reader.read()
    return status, body


async def _client(
    host: str,
    port: int,
    path: str,
    bodies: asyncio.Queue[bytes],
    latencies: list[float],
    errors: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                body = bodies.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            writer.write(_request(host, port, path, body, {}))
            await writer.drain()
            status, _ = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def run_load(
    host: str, port: int, path: str, payloads: Sequence[Mapping[str, object]], clients: int
) -> LoadResult:
    """POST every payload once, ``clients`` at a time; returns latencies and throughput."""
    bodies: asyncio.Queue[bytes] = asyncio.Queue()
    for payload in payloads:
        bodies.put_nowait(json.dumps(payload, ensure_ascii=False).encode())
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, path, bodies, latencies, errors) for _ in range(clients))
    )
    seconds = time.perf_counter() - started
    return LoadResult(clients, len(latencies), len(errors), seconds, latencies)


class Player(Protocol):
    """One simulated person in a chat: decides each message from the bot's last answer."""

    async def next_message(self, answer: bytes | None) -> bytes | None:
        """The JSON body of the next request (None: this player is done); ``answer`` is
        the body of the reply to the previous one (None before the first)."""

    async def ready(self) -> None:
        """Called just before a message goes out; may wait for something on the harness's
        side (that wait is not counted as the server's latency)."""


def _request(host: str, port: int, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def run_players(
    host: str,
    port: int,
    path: str,
    players: Sequence[Player],
    rate: float | None = None,
    headers: Mapping[str, str] | None = None,
    seed: int = 5,
) -> LoadResult:
    """Every player at once, each on its own keep-alive connection, each message after the
    answer to the one before (a person waits for the bot).

    ``rate`` None: back to back, as fast as the server answers (closed loop). Otherwise
    open loop: messages are due at ``rate`` per second in all (one Poisson stream whose
    arrivals are dealt to the players in turn: player i gets arrivals i, i + n, ...), and
    a message's latency counts from when it was due, so a server that falls behind is not
    excused by the player waiting for it (no coordinated omission)."""
    rng = random.Random(seed)
    arrivals: list[float] = []
    latencies: list[float] = []
    errors: list[int] = []
    extra = dict(headers or {})

    def due(index: int, turn: int) -> float | None:
        if rate is None:
            return None
        while len(arrivals) <= turn * len(players) + index:
            arrivals.append((arrivals[-1] if arrivals else 0.0) + rng.expovariate(rate))
        return started + arrivals[turn * len(players) + index]

    async def play(index: int, player: Player) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        last_used = time.perf_counter()
        answer: bytes | None = None
        try:
            for turn in itertools.count():
                body = await player.next_message(answer)
                if body is None:
                    return
                when = due(index, turn)
                if when is not None and when > time.perf_counter():
                    await asyncio.sleep(when - time.perf_counter())
                before_ready = time.perf_counter()
                await player.ready()
                sent = time.perf_counter()
                # A connection idle longer than the server's keep-alive (uvicorn: 5 s) is
                # closed by the server; a player who paused that long opens a new one, as a
                # browser would.
                if sent - last_used > IDLE_RECONNECT:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(_request(host, port, path, body, extra))
                await writer.drain()
                status, answer = await _read_response(reader)
                last_used = time.perf_counter()
                # from when it was due, less the harness's own wait in ready()
                start = sent if when is None else when + (sent - before_ready)
                latencies.append((last_used - start) * 1000)
                if status != 200:
                    errors.append(status)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(play(i, player) for i, player in enumerate(players)))
    seconds = time.perf_counter() - started
    return LoadResult(len(players), len(latencies), len(errors), seconds, latencies)
