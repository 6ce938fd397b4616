"""DucklingEntityExtractor against a fake Duckling server on loopback."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import Example, TrainingData

REPLY = [
    {
        "body": "tomorrow at 8pm",
        "start": 12,
        "end": 27,
        "dim": "time",
        "latent": False,
        "value": {
            "value": "2026-12-05T20:00:00.000+03:00",
            "grain": "hour",
            "type": "value",
            "values": [],
        },
    },
    {
        "body": "from 2 to 4 days",
        "start": 28,
        "end": 44,
        "dim": "duration",
        "value": {
            "type": "interval",
            "from": {"value": 2, "unit": "day"},
            "to": {"value": 4, "unit": "day"},
        },
    },
    {"body": "two", "start": 0, "end": 3, "dim": "number", "value": {"value": 2, "type": "value"}},
    {"start": "not a match"},
]
TEXT = "two tickets tomorrow at 8pm from 2 to 4 days"
DATA = TrainingData((Example("hello", "greet"), Example("bye", "goodbye")))


@dataclass
class FakeDuckling:
    url: str
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    slow: bool = False


@pytest.fixture()
def duckling() -> Iterator[FakeDuckling]:
    fake = FakeDuckling("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            fake.paths.append(self.path)
            fake.requests.append(parse_qs(self.rfile.read(length).decode()))
            if fake.slow:
                fake.release.wait(10)
            body = json.dumps(REPLY).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


def _pipeline(url: str, **options: Any) -> Pipeline:
    specs = [
        ComponentSpec("WhitespaceTokenizer", {}),
        ComponentSpec("DucklingEntityExtractor", {"url": url, **options}),
    ]
    return Pipeline.from_specs(specs, "en").train(DATA)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_posts_rasa_form_data_and_maps_the_reply(duckling: FakeDuckling) -> None:
    pipeline = _pipeline(duckling.url, timezone="Europe/Istanbul")
    before = int(time.time()) * 1000
    entities = pipeline.parse(TEXT)["entities"]
    assert duckling.paths == ["/parse"]
    sent = duckling.requests[0]
    assert sent["text"] == [TEXT]
    assert sent["locale"] == ["en_EN"]  # Rasa's guess from the language
    assert sent["tz"] == ["Europe/Istanbul"]
    assert sent["dims"] == ["null"]
    assert before <= int(sent["reftime"][0]) <= int(time.time()) * 1000
    by_dim = {e["entity"]: e for e in entities}
    assert set(by_dim) == {"time", "duration", "number"}
    assert by_dim["time"]["value"] == "2026-12-05T20:00:00.000+03:00"
    assert by_dim["time"]["additional_info"]["grain"] == "hour"
    assert by_dim["time"]["extractor"] == "DucklingEntityExtractor"
    assert (by_dim["time"]["start"], by_dim["time"]["end"]) == (12, 27)
    assert by_dim["duration"]["value"] == {"to": 4, "from": 2}
    assert by_dim["number"]["confidence"] == 1.0


def test_dimensions_filter_and_are_sent(duckling: FakeDuckling) -> None:
    pipeline = _pipeline(duckling.url, dimensions=["time"], locale="tr_TR")
    entities = pipeline.parse(TEXT)["entities"]
    assert [e["entity"] for e in entities] == ["time"]
    assert duckling.requests[0]["dims"] == ['["time"]']
    assert duckling.requests[0]["locale"] == ["tr_TR"]
    assert "tz" not in duckling.requests[0]


def test_no_duckling_warns_once_and_parsing_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    pipeline = _pipeline(_closed_port_url(), retry_after=0)
    with caplog.at_level(logging.WARNING):
        pipeline.warm_up()
        results = [pipeline.parse(f"message {i}") for i in range(3)]
    assert all(r["entities"] == [] and r["text"] for r in results)
    warnings = [r.getMessage() for r in caplog.records if "Duckling" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("DucklingEntityExtractor: no Duckling answers at http://127.0")


def test_a_slow_duckling_times_out(
    duckling: FakeDuckling, caplog: pytest.LogCaptureFixture
) -> None:
    duckling.slow = True
    pipeline = _pipeline(duckling.url, timeout=0.2)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        first = pipeline.parse(TEXT)
        second = pipeline.parse(TEXT)  # within retry_after: Duckling is not asked
    assert time.perf_counter() - started < 3
    assert first["entities"] == second["entities"] == []
    assert len(duckling.requests) == 1
    assert "ReadTimeout" in caplog.text


def test_without_url_it_warns_at_training(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        pipeline = _pipeline("")
    assert "DucklingEntityExtractor has no url" in caplog.text
    assert pipeline.parse(TEXT)["entities"] == []
