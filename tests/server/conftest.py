"""A real uvicorn server on a free loopback port, serving a small trained model."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.model_storage import TrainedModel, load_model, save_model
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings


class LiveServer:
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
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline) -> Path:
    path = tmp_path_factory.mktemp("models") / "light.tar.gz"
    save_model(path, TrainedModel(trained_light_pipeline, {"intents": ["x"]}))
    return path


@pytest.fixture(scope="session")
def live_server(model_file: Path) -> Iterator[LiveServer]:
    settings = Settings(model=model_file, max_body_bytes=1_000_000)
    with LiveServer(create_app(settings, load_model(model_file))) as server:
        yield server


@pytest.fixture()
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        yield http
