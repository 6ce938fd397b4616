"""Security headers on every answer; the console never framed, the widget embeddable."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from tests.server.access_rig import API_TOKEN, AccessRig, access_rig
from tests.server.test_console_api import console_model


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    return console_model(tmp_path_factory.mktemp("headers-project"), trained_light_pipeline)


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[AccessRig]:
    with access_rig(tmp_path_factory.mktemp("headers"), model) as made:
        yield made


def test_the_console_allows_only_its_own_files_and_no_frame(rig: AccessRig) -> None:
    for path in ("/console", "/console/static/app.js", "/console/api/me"):
        headers = rig.client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert "unsafe-inline" not in policy and "http" not in policy
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # plain http: never pinned
    assert rig.client.get("/console/api/me").headers["cache-control"] == "no-store"


def test_the_widget_stays_embeddable_in_other_sites(rig: AccessRig) -> None:
    for path in ("/webchat/widget.js", "/webchat/widget.css", "/webchat/config"):
        headers = rig.client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert "x-frame-options" not in headers
    page = rig.client.get("/").headers  # the demo page that hosts the widget
    assert "script-src 'self'" in page["content-security-policy"]
    assert "frame-ancestors" not in page["content-security-policy"]


def test_the_api_and_errors_carry_them_too(rig: AccessRig) -> None:
    bearer = {"Authorization": f"Bearer {API_TOKEN}"}
    for response in (
        rig.client.post("/model/parse", json={"text": "selam"}, headers=bearer),
        rig.client.post("/model/parse", json={"text": "selam"}),  # 401
        rig.client.get("/health"),
        rig.client.get("/no-such-page"),  # 404
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert (
            response.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )


def test_https_is_pinned_only_over_https(rig: AccessRig, model: TrainedModel) -> None:
    with TestClient(create_app(rig.settings, model), base_url="https://destek.example") as https:
        assert https.get("/health").headers["strict-transport-security"] == "max-age=31536000"
        assert https.get("/console").headers["strict-transport-security"] == "max-age=31536000"


def test_no_docs_page_runs_scripts_from_a_cdn(rig: AccessRig) -> None:
    assert rig.client.get("/docs").status_code == 404
    assert rig.client.get("/openapi.json").status_code == 200


def test_a_crash_is_a_json_500_with_the_headers_and_still_reaches_the_server() -> None:
    from fastapi import FastAPI

    from bot.server.security_headers import SecurityHeaders

    app = FastAPI()

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_middleware(SecurityHeaders)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["reason"] == "InternalServerError"
    assert "a bug" not in response.text
    with TestClient(app) as client, pytest.raises(RuntimeError, match="a bug"):
        client.get("/boom")  # re-raised, so the server (uvicorn) logs its traceback
