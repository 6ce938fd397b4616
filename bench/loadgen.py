"""A lean HTTP/1.1 load generator for the benchmarks (keep-alive, one socket per client).

Written on raw asyncio streams so the client costs far less CPU than the server it
measures: on a 2-core machine a heavy client would steal the server's cycles.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

IDLE_RECONNECT = 4.0  # seconds; below uvicorn's keep-alive timeout

__all__ = ["LoadResult", "percentile", "run_conversations", "run_load", "run_paced"]


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
    answers: list[bytes] | None = None,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                body = bodies.get_nowait()
            except asyncio.QueueEmpty:
                return
            request = (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status, answer = await _read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            if answers is not None:
                answers.append(answer)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def run_load(
    host: str, port: int, path: str, payloads: Sequence[dict[str, object]], clients: int
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


async def run_conversations(
    host: str, port: int, path: str, scripts: Sequence[Sequence[dict[str, object]]]
) -> tuple[LoadResult, list[bytes]]:
    """One client per script, each POSTing its payloads in order, waiting for each answer
    (a player waits for the bot); all scripts at once. Returns the answers too."""
    queues = []
    for script in scripts:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        for payload in script:
            queue.put_nowait(json.dumps(payload, ensure_ascii=False).encode())
        queues.append(queue)
    latencies: list[float] = []
    errors: list[int] = []
    answers: list[bytes] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(_client(host, port, path, queue, latencies, errors, answers) for queue in queues)
    )
    seconds = time.perf_counter() - started
    return LoadResult(len(scripts), len(latencies), len(errors), seconds, latencies), answers


async def run_paced(
    host: str,
    port: int,
    path: str,
    scripts: Sequence[Sequence[dict[str, object]]],
    rate: float,
    seed: int = 5,
) -> tuple[LoadResult, list[bytes]]:
    """Open loop: messages are due at ``rate`` per second in all (Poisson arrivals dealt to
    the scripts in turn; one conversation each, its messages in order). A message's
    latency counts from when it was due, so a server that falls behind is not excused
    by the client waiting for it (no coordinated omission)."""
    rng = random.Random(seed)
    # One Poisson stream at ``rate`` for the whole run, its arrivals dealt to the
    # players in turn: player i gets arrivals i, i + n, i + 2n...
    arrivals: list[float] = []
    clock = 0.0
    for _ in range(sum(len(script) for script in scripts)):
        clock += rng.expovariate(rate)
        arrivals.append(clock)
    latencies: list[float] = []
    errors: list[int] = []
    answers: list[bytes] = []

    async def play(index: int, script: Sequence[dict[str, object]], start: float) -> None:
        # A connection idle longer than the server's keep-alive (uvicorn: 5 s) is closed
        # by the server; a player who paused for that long opens a new one, as a browser
        # would.
        reader, writer = await asyncio.open_connection(host, port)
        last_used = start
        try:
            for turn, payload in enumerate(script):
                due = start + arrivals[turn * len(scripts) + index]
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                if time.perf_counter() - last_used > IDLE_RECONNECT:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                body = json.dumps(payload, ensure_ascii=False).encode()
                writer.write(
                    f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                    .encode() + body
                )  # fmt: skip
                await writer.drain()
                status, answer = await _read_response(reader)
                last_used = time.perf_counter()
                latencies.append((last_used - due) * 1000)
                answers.append(answer)
                if status != 200:
                    errors.append(status)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(play(i, script, started) for i, script in enumerate(scripts)))
    seconds = time.perf_counter() - started
    return LoadResult(len(scripts), len(latencies), len(errors), seconds, latencies), answers
