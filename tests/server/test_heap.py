"""A serving app keeps its long-lived objects out of full garbage collections (a full
collection of a loaded server walked them all, about 0.1 s on the event loop), and gives
them back when it stops or when a new model replaces the old one."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import httpx

from bot.model_storage import load_model
from bot.server import create_app
from bot.settings import Settings
from tests.live_server import LiveServer


def test_the_heap_is_frozen_while_serving_and_thawed_after(
    model_file: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(model_file, models / "a.tar.gz")
    settings = Settings(model=models / "a.tar.gz")
    with LiveServer(create_app(settings, load_model(models / "a.tar.gz"))) as server:
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the model, the app and the libraries

        shutil.copy(model_file, models / "b.tar.gz")
        reloaded = httpx.put(f"{server.url}/model", json={"model_file": str(models / "b.tar.gz")})
        assert reloaded.status_code == 204
        assert gc.get_freeze_count() > 10_000  # frozen again, around the new model
    assert gc.get_freeze_count() == 0
