"""Replacing the served model: ``PUT /model`` and a new archive in the models directory."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.model_storage import TrainedModel, save_model
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def archives(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> dict[str, Path]:
    """Two saved models: one that chats, one that only parses."""
    root = tmp_path_factory.mktemp("archives")
    core = train_project(root / "project")
    return {
        "chat": save_model(root / "chat.tar.gz", TrainedModel(trained_light_pipeline, core=core)),
        "nlu": save_model(root / "nlu.tar.gz", TrainedModel(trained_light_pipeline)),
    }


def _settings(root: Path, model: Path, **extra: object) -> Settings:
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n", encoding="utf-8"
    )
    return Settings(
        model=model,
        endpoints=endpoints,
        credentials=root / "none.yml",
        **extra,  # type: ignore[arg-type]
    )


def _wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_put_model_swaps_the_served_model(tmp_path: Path, archives: dict[str, Path]) -> None:
    with LiveServer(create_app(_settings(tmp_path, archives["nlu"]))) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        assert http.post(WEBHOOK, json={"sender": "a", "message": "merhaba"}).status_code == 503
        response = http.put("/model", json={"model_file": str(archives["chat"])})
        assert response.status_code == 204
        assert http.get("/status").json()["model_file"] == "chat.tar.gz"
        replies = http.post(WEBHOOK, json={"sender": "a", "message": "merhaba"}).json()
        assert replies[0]["text"] == "Merhaba oyuncu!"


def test_a_bad_model_file_is_a_400_and_the_old_model_stays(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "chat.tar.gz").write_bytes(archives["chat"].read_bytes())
    junk = served / "junk.tar.gz"
    junk.write_bytes(b"not a model")
    with LiveServer(create_app(_settings(tmp_path, served / "chat.tar.gz"))) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        for body, why in (
            ({"model_file": str(junk)}, "cannot read model"),
            ({"model_file": str(served / "missing.tar.gz")}, "missing.tar.gz"),
            ({"file": "x"}, "body.model_file"),
        ):
            response = http.put("/model", json=body)
            assert response.status_code == 400
            assert why in response.json()["message"]
        assert http.get("/status").json()["model_file"] == "chat.tar.gz"
        assert http.post(WEBHOOK, json={"sender": "b", "message": "merhaba"}).status_code == 200


def test_only_archives_beside_the_served_models_can_be_loaded(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    served = tmp_path / "served"
    served.mkdir()
    (served / "chat.tar.gz").write_bytes(archives["chat"].read_bytes())
    with LiveServer(create_app(_settings(tmp_path, served / "chat.tar.gz"))) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        # An archive is a pickle: loading one from anywhere would run anyone's code.
        for elsewhere in (archives["nlu"], served / ".." / "x.tar.gz"):
            response = http.put("/model", json={"model_file": str(elsewhere)})
            assert response.status_code == 403
            assert str(served) in response.json()["message"]
        for bad in (f"{served}/a\x00.tar.gz", "x" * 5000):  # refused plainly, not a 500
            response = http.put("/model", json={"model_file": bad})
            assert 400 <= response.status_code < 500 and "model_file" in response.text
        assert http.get("/status").json()["model_file"] == "chat.tar.gz"


def test_an_auth_token_guards_the_http_api_but_not_the_channels(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    settings = _settings(tmp_path, archives["chat"], auth_token="gizli")
    with LiveServer(create_app(settings)) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        for method, path in (("GET", "/status"), ("GET", "/conversations/a/tracker"),
                             ("POST", "/model/parse"), ("PUT", "/model")):  # fmt: skip
            refused = http.request(method, path, json={"text": "merhaba"})
            assert refused.status_code == 401
            assert refused.json()["reason"] == "NotAuthenticated"
            wrong = http.request(method, path + "?token=yanlis", json={"text": "merhaba"})
            assert wrong.status_code == 401
        assert http.post("/model/parse?token=gizli", json={"text": "merhaba"}).status_code == 200
        bearer = {"Authorization": "Bearer gizli"}  # kept out of URLs and access logs
        parsed = http.post("/model/parse", json={"text": "merhaba"}, headers=bearer)
        assert parsed.status_code == 200
        forged = {"Authorization": "Bearer yanlis"}
        assert http.get("/status", headers=forged).status_code == 401
        assert http.get("/status", params={"token": "gizli"}).status_code == 200
        assert http.get("/health").status_code == 200
        assert http.post(WEBHOOK, json={"sender": "c", "message": "merhaba"}).status_code == 200


def test_a_new_archive_in_the_models_directory_is_served_without_dropping_a_message(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "1-nlu.tar.gz").write_bytes(archives["nlu"].read_bytes())
    settings = _settings(tmp_path, models, model_watch_interval=0.1)
    statuses: list[int] = []
    stop = threading.Event()

    def chat(url: str) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            n = 0
            while not stop.is_set():
                n += 1
                response = http.post(WEBHOOK, json={"sender": f"s{n % 3}", "message": "merhaba"})
                statuses.append(response.status_code)

    with LiveServer(create_app(settings)) as server:
        talker = threading.Thread(target=chat, args=(server.url,))
        talker.start()
        try:
            _wait_for(lambda: len(statuses) >= 5)
            (models / "2-chat.tar.gz").write_bytes(archives["chat"].read_bytes())
            _wait_for(lambda: 200 in statuses)
            _wait_for(lambda: statuses[-5:] == [200] * 5)
        finally:
            stop.set()
            talker.join()
        status = httpx.get(server.url + "/status").json()
    assert status["model_file"] == "2-chat.tar.gz"
    # Every request got an answer: 503 from the NLU-only model, then 200s; no errors.
    assert set(statuses) <= {200, 503}
    first_ok = statuses.index(200)
    assert all(s == 200 for s in statuses[first_ok:])


def test_a_broken_archive_in_the_directory_is_skipped(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "1-chat.tar.gz").write_bytes(archives["chat"].read_bytes())
    settings = _settings(tmp_path, models, model_watch_interval=0.1)
    with LiveServer(create_app(settings)) as server:
        (models / "2-broken.tar.gz").write_bytes(b"half a model")
        http = httpx.Client(base_url=server.url, timeout=30)
        # Served on: the broken archive never replaces the good one.
        for n in range(20):
            response = http.post(WEBHOOK, json={"sender": f"c{n}", "message": "merhaba"})
            assert response.status_code == 200
        assert http.get("/status").json()["model_file"] == "1-chat.tar.gz"
        (models / "3-nlu.tar.gz").write_bytes(archives["nlu"].read_bytes())
        _wait_for(lambda: http.get("/status").json()["model_file"] == "3-nlu.tar.gz")


def test_a_model_handed_over_from_elsewhere_is_not_replaced_by_the_models_directory(
    tmp_path: Path, archives: dict[str, Path]
) -> None:
    from bot.model_storage import load_model

    models = tmp_path / "models"
    models.mkdir()
    (models / "9-nlu.tar.gz").write_bytes(archives["nlu"].read_bytes())
    settings = _settings(tmp_path, models, model_watch_interval=0.05)
    with LiveServer(create_app(settings, load_model(archives["chat"]))) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        for n in range(10):
            assert http.post(WEBHOOK, json={"sender": f"h{n}", "message": "merhaba"}).is_success
        assert http.get("/status").json()["model_file"] == "chat.tar.gz"
