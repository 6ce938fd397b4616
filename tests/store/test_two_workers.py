"""Two worker processes sharing PostgreSQL and Redis: no event lost, doubled or reordered.

Two real ``bot run`` processes on two ports share one PostgreSQL schema (trackers) and
one Redis (locks, fan-out). Players' messages alternate between the workers, and some
arrive at both at the same moment. Every conversation must then hold each message
exactly once, in the order it was sent, with each turn's events together.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.model_storage import TrainedModel, save_model
from bot.nlu.pipeline import Pipeline
from bot.store.redis_connection import RedisEndpoint
from tests.action_server import free_port
from tests.dialogue.engine_project import train_project

BOT = [sys.executable, "-m", "bot.cli"]
WEBHOOK = "/webhooks/rest/webhook"
CONVERSATIONS = 12
MESSAGES = 10


@pytest.fixture
def project(
    tmp_path: Path,
    trained_light_pipeline: Pipeline,
    postgres_url: str,
    redis_endpoint: RedisEndpoint,
    key_prefix: str,
) -> Path:
    core = train_project(tmp_path / "project")
    save_model(tmp_path / "model.tar.gz", TrainedModel(trained_light_pipeline, core=core))
    redis = (
        f"  url: {redis_endpoint.host}\n  port: {redis_endpoint.port}\n  db: {redis_endpoint.db}\n"
    )
    (tmp_path / "endpoints.yml").write_text(
        f'tracker_store:\n  type: sql\n  url: "{postgres_url}"\n'
        f"lock_store:\n  type: redis\n{redis}  key_prefix: {key_prefix}\n"
        f"fanout:\n  type: redis\n{redis}  key_prefix: {key_prefix}\n",
        encoding="utf-8",
    )
    (tmp_path / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    return tmp_path


API_TOKEN = "iki-isci-ortak-jeton-1234"  # the HTTP API needs one (from the environment)
BEARER = {"Authorization": f"Bearer {API_TOKEN}"}


@contextmanager
def worker(project: Path, *extra: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    command = [
        *BOT, "run", "-m", "model.tar.gz", "-p", str(port), "-i", "127.0.0.1", "--enable-api",
        "--no-embedded-services", "--log-level", "warning", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path.cwd()), "DESTEK_AUTH_TOKEN": API_TOKEN},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            said = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise AssertionError(f"the worker exited with {process.returncode}:\n{said[-3000:]}")
        try:
            if httpx.get(url + "/webhooks/rest/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the worker did not come up"
        time.sleep(0.2)


async def _player(http: httpx.AsyncClient, workers: list[str], conversation: int) -> list[str]:
    """Sends MESSAGES messages, alternating workers, each after the previous answer;
    every third message is sent to both workers at once. Returns the texts in send order
    (the pair in either order)."""
    sent: list[str] = []
    for n in range(MESSAGES):
        text = f"merhaba {conversation}-{n}"
        sender = f"player-{conversation}"
        if n % 3 == 2:
            twin = f"{text}-ikiz"
            await asyncio.gather(
                _post(http, workers[0], sender, text), _post(http, workers[1], sender, twin)
            )
            sent.append(f"{{{text}|{twin}}}")
        else:
            await _post(http, workers[(conversation + n) % 2], sender, text)
            sent.append(text)
    return sent


async def _post(http: httpx.AsyncClient, url: str, sender: str, text: str) -> None:
    response = await http.post(url + WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text


def _check(events: list[dict[str, Any]], sent: list[str]) -> None:
    users = [e["text"] for e in events if e["event"] == "user"]
    expected: list[str] = []
    for item in sent:
        if item.startswith("{"):
            pair = item[1:-1].split("|")
            got = users[len(expected) : len(expected) + 2]
            assert sorted(got) == sorted(pair), f"{pair} became {got}"
            expected.extend(got)
        else:
            expected.append(item)
    assert users == expected  # each exactly once, in send order
    # A turn's events stay together: every user message is answered (or recorded in a
    # handover) before the next one starts.
    starts = [i for i, e in enumerate(events) if e["event"] == "user"]
    for begin, end in zip(starts, [*starts[1:], len(events)], strict=True):
        turn = events[begin:end]
        in_handover = any(e["event"] == "handover_requested" for e in events[:begin])
        if not in_handover:
            assert turn[-1] == {**turn[-1], "event": "action", "name": "action_listen"}, turn
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)


def test_two_workers_keep_every_conversation_whole(project: Path) -> None:
    with ExitStack() as stack:
        first, _ = stack.enter_context(worker(project))
        second, _ = stack.enter_context(worker(project))

        async def play() -> list[list[str]]:
            async with httpx.AsyncClient(timeout=60) as http:
                return await asyncio.gather(
                    *(_player(http, [first, second], c) for c in range(CONVERSATIONS))
                )

        sent = asyncio.run(play())
        for conversation, texts in enumerate(sent):
            # Read through the other worker than the last message went to: both see it all.
            for url in (first, second):
                tracker = httpx.get(
                    f"{url}/conversations/player-{conversation}/tracker", headers=BEARER
                ).json()
                _check(tracker["events"], texts)


def test_bot_run_with_two_workers_serves_on_one_port(project: Path) -> None:
    extra = ("--workers", "2", "--log-format", "json", "--log-level", "info")
    with worker(project, *extra) as (url, process):

        async def chat() -> None:
            async with httpx.AsyncClient(timeout=60) as http:
                await asyncio.gather(*(_post(http, url, f"w{c}", f"selam {c}") for c in range(20)))

        asyncio.run(chat())
        for c in range(20):
            events = httpx.get(f"{url}/conversations/w{c}/tracker", headers=BEARER).json()["events"]
            assert [e["text"] for e in events if e["event"] == "user"] == [f"selam {c}"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None
        said = process.stderr.read().splitlines()
    lines = [json.loads(line) for line in said if line[:1] == b"{"]
    # Twenty connections at once reach both workers (each has its own SO_REUSEPORT socket).
    served = {line["pid"] for line in lines if line["logger"] == "uvicorn.access"}
    assert len(served) == 2, served
    assert all(line["level"] != "error" for line in lines)


def test_several_workers_with_per_process_stores_are_refused(tmp_path: Path) -> None:
    (tmp_path / "endpoints.yml").write_text("lock_store:\n  type: in_memory\n", encoding="utf-8")
    (tmp_path / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    models = tmp_path / "models"
    models.mkdir()
    save_model(models / "m.tar.gz", TrainedModel(None, core=train_project(tmp_path / "p")))
    result = subprocess.run(
        [*BOT, "run", "-m", "models", "--workers", "2", "--no-embedded-services"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )  # fmt: skip
    assert result.returncode == 1
    assert "several workers need shared stores" in result.stderr
    assert "lock_store" in result.stderr and "fanout" in result.stderr
