"""The HTTP API fuzzed from its own OpenAPI schema (schemathesis), in process over ASGI:
no request, however malformed, gets a 5xx, and what the schema documents is what comes
back (content type, headers, body).

Every operation is tried, the console's too (without a session they answer 401/403:
their guards are fuzzed, not what is behind them). The API is called with its token;
rate limits are off, since this fuzzes the routes rather than the limiter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from bot.model_storage import TrainedModel
from bot.nlu.pipeline import Pipeline
from bot.server import create_app
from bot.settings import Settings
from tests.dialogue.engine_project import train_project
from tests.live_server import LiveServer

pytestmark = pytest.mark.fuzz
TOKEN = "fuzz-token"
# A tenth of the profile's examples for each operation: ci's 50 make 5 an operation (the
# whole schema in seconds), fuzz's 5,000 make 500.
PER_OPERATION = max(5, (settings.default.max_examples or 50) // 10)


@pytest.fixture(scope="module")
def model(
    tmp_path_factory: pytest.TempPathFactory, trained_light_pipeline: Pipeline
) -> TrainedModel:
    root = tmp_path_factory.mktemp("fuzz-project")
    return TrainedModel(trained_light_pipeline, core=train_project(root))


def _app(root: Path, model: TrainedModel) -> FastAPI:
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n"
        "rate_limits:\n  enabled: false\n",
        encoding="utf-8",
    )
    settings = Settings(
        endpoints=endpoints,
        credentials=root / "none.yml",
        auth_token=TOKEN,  # type: ignore[arg-type]
        canned=root / "canned.yml",
        model_watch_interval=0,
    )
    return create_app(settings, model)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> OpenApiSchema:
    app = _app(tmp_path_factory.mktemp("fuzz-api"), model)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory, model: TrainedModel) -> Iterator[httpx.Client]:
    app = _app(tmp_path_factory.mktemp("fuzz-bodies"), model)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with LiveServer(app) as server, httpx.Client(base_url=server.url, headers=headers) as client:
        yield client


CHECKS = [
    schemathesis.checks.not_a_server_error,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_no_request_gets_a_server_error_and_answers_match_the_schema(
    api_schema: OpenApiSchema,
) -> None:
    # Each operation is its own hypothesis run (schemathesis' pytest loader for fixtures
    # does not work with pytest 9, so the operations are walked here).
    failed: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=PER_OPERATION,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:
            failed.append(f"{operation.label}: {exc}")
    assert not failed, "\n\n".join(failed)


# The routes that read their body themselves (Rasa reads JSON whatever the content type)
# document none, so schemathesis sends them none: their bodies are generated here.
BODY_ROUTES = [
    ("POST", "/webhooks/rest/webhook"),
    ("POST", "/model/parse"),
    ("POST", "/conversations/fuzz-player/trigger_intent"),
    ("PUT", "/model"),
]
KEYS = ["sender", "message", "text", "metadata", "message_id", "input_channel", "name",
        "entities", "model_file", "player_token", "customData"]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=20,
)
bodies = (
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5).map(json.dumps)
    | json_values.map(json.dumps)
    | st.binary(max_size=200)
)


@given(route=st.sampled_from(BODY_ROUTES), body=bodies)
@example(route=("POST", "/webhooks/rest/webhook"), body='{"sender": "p", "message": "\\u0000"}')
@example(route=("PUT", "/model"), body='{"model_file": "models/\\u0000.tar.gz"}')
@example(route=("POST", "/model/parse"), body="[" * 5000)
@example(
    route=("POST", "/conversations/fuzz-player/trigger_intent"),
    body='{"name": "greet", "entities": []}',
)
def test_no_body_gets_a_server_error(http: httpx.Client, route: tuple[str, str], body: Any) -> None:
    method, path = route
    content = body.encode() if isinstance(body, str) else body
    response = http.request(method, path, content=content, timeout=30)
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json") or not response.content
