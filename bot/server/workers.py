"""Several worker processes behind one port, each with its own listening socket.

uvicorn's own ``--workers`` shares one socket among the processes, and whichever is
in ``accept()`` first takes the connection: with long-lived connections (keep-alive, the
web chat's websockets) one worker can end up with most of them while another idles.
Here every worker binds the port with ``SO_REUSEPORT``, so the kernel spreads new
connections evenly over the workers. The parent only supervises: it restarts a worker
that dies, stops all of them on SIGINT/SIGTERM (each finishes its requests first),
and gives up if a worker cannot even start.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from collections.abc import Mapping
from multiprocessing.context import SpawnProcess
from typing import Any

import uvicorn

from bot.log_format import configure_logging
from bot.settings import share_console_secret

__all__ = ["APP_FACTORY", "serve_workers"]

log = logging.getLogger(__name__)
APP_FACTORY = "bot.server.app:app_from_environment"
STARTUP_FAILED = 3  # a worker's exit code when its app or socket could not start
_CHECK_EVERY = 0.5


def serve_workers(
    count: int, host: str, port: int, options: Mapping[str, Any], log_level: str, log_format: str
) -> None:
    """Run ``count`` workers until SIGINT/SIGTERM; each builds its app from the ``DESTEK_``
    settings in the environment. Returns once every worker has stopped."""
    context = multiprocessing.get_context("spawn")
    share_console_secret()  # a console session signed by one worker holds on every other

    def start(index: int) -> SpawnProcess:
        process = context.Process(
            target=_worker,
            args=(host, port, dict(options), log_level, log_format),
            name=f"destek-worker-{index}",
        )
        process.start()
        return process

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers = [start(i) for i in range(count)]
    log.info("started %d workers on %s:%d", count, host, port)
    try:
        while not stopping:
            time.sleep(_CHECK_EVERY)
            for index, process in enumerate(workers):
                if process.is_alive() or stopping:
                    continue
                if process.exitcode == STARTUP_FAILED:
                    log.error("worker %d could not start; stopping", process.pid)
                    stopping = True
                    break
                log.warning("worker %d died (exit code %s); starting another",
                            process.pid, process.exitcode)  # fmt: skip
                workers[index] = start(index)
    finally:
        _stop_all(workers, float(options.get("timeout_graceful_shutdown") or 30))
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(workers: list[SpawnProcess], grace: float) -> None:
    for process in workers:
        if process.is_alive():
            process.terminate()  # SIGTERM: uvicorn finishes running requests, then exits
    deadline = time.monotonic() + grace + 5
    for process in workers:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("worker %d did not stop in time; killing it", process.pid)
            process.kill()
            process.join()


def _worker(host: str, port: int, options: dict[str, Any], log_level: str, log_format: str) -> None:
    configure_logging(log_level, log_format)
    try:
        listener = _listening_socket(host, port)
        config = uvicorn.Config(APP_FACTORY, factory=True, **options)
        server = uvicorn.Server(config)
    except Exception:
        log.exception("worker could not start")
        raise SystemExit(STARTUP_FAILED) from None
    server.run(sockets=[listener])
    if not server.started:
        raise SystemExit(STARTUP_FAILED)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener
