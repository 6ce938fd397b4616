"""The HTTP API over real HTTP: Rasa's shapes, bad input, concurrency."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bot.model_storage import load_model
from bot.server import create_app
from bot.settings import Settings
from tests.live_server import LiveServer


def test_parse_has_rasa_shape(client: httpx.Client) -> None:
    response = client.post("/model/parse", json={"text": "şifremi unuttum", "message_id": "m1"})
    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "şifremi unuttum"
    assert body["intent"]["name"] == "password_reset"
    assert 0 < body["intent"]["confidence"] <= 1
    assert body["message_id"] == "m1"
    assert body["intent_ranking"][0]["name"] == "password_reset"
    assert isinstance(body["entities"], list)


def test_health_version_status(client: httpx.Client) -> None:
    health = client.get("/health").json()  # the project's endpoints.yml: actions on :5055
    assert health["status"] in ("ok", "degraded") and health["model_loaded"] is True
    assert health["dependencies"]["tracker_store"] == "ok"
    assert client.get("/version").json()["version"]
    assert client.get("/status").json()["model_file"] == "light.tar.gz"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"{not json", "body"),
        (b"\xff\xfe\x00garbage\x81", "body"),
        (b'{"message": "no text key"}', "text"),
        (b'{"text": 42}', "text"),
        (b"[]", "body"),
    ],
)
def test_bad_bodies_get_400_with_a_reason(
    client: httpx.Client, content: bytes, fragment: str
) -> None:
    response = client.post(
        "/model/parse", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failure" and body["code"] == 400
    assert fragment in body["message"]


def test_oversized_body_is_refused(client: httpx.Client) -> None:
    response = client.post("/model/parse", json={"text": "a" * 2_000_000})
    assert response.status_code == 413
    assert response.json()["reason"] == "PayloadTooLarge"


@pytest.mark.parametrize("text", ["", "😡😡", "a" * 100_000, "\x00\ufffd\u200b", "İIıi"])
def test_odd_texts_get_a_parse_result(client: httpx.Client, text: str) -> None:
    response = client.post("/model/parse", json={"text": text})
    assert response.status_code == 200
    assert response.json()["text"] == text


def test_unknown_route_is_404_in_rasa_shape(client: httpx.Client) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["reason"] == "NotFound"


def test_concurrent_requests_are_answered_like_sequential_ones(
    live_server: LiveServer, client: httpx.Client
) -> None:
    texts = [f"{t} {i}" for i in range(10) for t in ("sifre unuttum", "para gelmedi", "selam")]
    expected = [client.post("/model/parse", json={"text": t}).json() for t in texts]

    async def burst() -> list[dict[str, object]]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=30) as http:
            responses = await asyncio.gather(
                *(http.post("/model/parse", json={"text": t}) for t in texts)
            )
        return [r.json() for r in responses]

    assert asyncio.run(burst()) == expected


def test_server_keeps_serving_after_bad_input(client: httpx.Client) -> None:
    client.post("/model/parse", content=b"\x00\x01", headers={"content-type": "application/json"})
    assert client.post("/model/parse", json={"text": "selam"}).json()["intent"]["name"] == "greet"


def test_json_body_is_read_whatever_the_content_type(client: httpx.Client) -> None:
    # curl -d '{"text": ...}' sends application/x-www-form-urlencoded
    response = client.post(
        "/model/parse",
        content='{"text": "şifremi unuttum"}'.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.json()["intent"]["name"] == "password_reset"


def test_api_is_served_only_when_enabled(model_file: Path) -> None:
    settings = Settings(model=model_file, enable_api=False)
    app = create_app(settings, load_model(model_file))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/health").status_code == 200
        assert http.post("/model/parse", json={"text": "selam"}).status_code == 404
