"""A real uvicorn server on a free loopback port, serving a small trained model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.model_storage import TrainedModel, load_model, save_model
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.live_server import LiveServer


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
