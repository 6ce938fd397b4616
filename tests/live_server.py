"""A real uvicorn server on a free loopback port, in a thread, for tests."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

__all__ = ["LiveServer"]


class LiveServer:
    """``with LiveServer(app) as server:`` serves ``app`` at ``server.url`` until exit."""

    def __init__(self, app: object) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # poll against a deadline: startup has no event
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
