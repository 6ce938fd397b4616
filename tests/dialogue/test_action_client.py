"""The action client against a real rasa_sdk action server on loopback."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import read_endpoints
from bot.dialogue.action_client import ActionClient
from bot.dialogue.action_http import AiohttpPoster, Poster
from bot.dialogue.domain import Domain, read_domain
from bot.dialogue.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from bot.dialogue.tracker import Tracker
from bot.errors import ActionRejected, ActionServerError
from tests.action_server import BOT, free_port, start_action_server, stop

VERSION = "3.6.0"
ACTIONS = """\
from rasa_sdk import Action
from rasa_sdk.events import SlotSet
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionCheckDeposit(Action):
    def name(self):
        return "action_check_deposit"

    def run(self, dispatcher, tracker, domain):
        method = tracker.get_slot("payment_method") or "bilinmiyor"
        dispatcher.utter_message(text=f"Yatırımınız kontrol ediliyor ({method}).")
        dispatcher.utter_message(response="utter_wait")
        return [SlotSet("deposit_checked", True)]


class ActionRejectMe(Action):
    def name(self):
        return "action_reject_me"

    def run(self, dispatcher, tracker, domain):
        raise ActionExecutionRejection(self.name(), "bu adımda çalışamam")


class ActionMalformed(Action):
    def name(self):
        return "action_malformed"

    def run(self, dispatcher, tracker, domain):
        return [
            {"event": "slot", "name": 7, "value": "x"},
            {"event": "no_such_event"},
            SlotSet("deposit_checked", False),
        ]
"""
DOMAIN = """\
version: "3.1"
intents:
  - deposit_missing
slots:
  payment_method:
    type: text
    mappings:
      - type: custom
  deposit_checked:
    type: bool
    mappings:
      - type: custom
responses:
  utter_wait:
    - text: Lütfen bekleyin.
actions:
  - action_check_deposit
  - action_reject_me
  - action_malformed
"""


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The webhook URL of a real rasa_sdk action server serving the actions above."""
    project = tmp_path_factory.mktemp("project")
    (project / "destek_test_actions").mkdir()
    (project / "destek_test_actions" / "__init__.py").write_text(ACTIONS, encoding="utf-8")
    server, base = start_action_server(project, "destek_test_actions")
    try:
        yield f"{base}/webhook"
    finally:
        stop(server)


@pytest.fixture(scope="module")
def domain(tmp_path_factory: pytest.TempPathFactory) -> Domain:
    path = tmp_path_factory.mktemp("domain") / "domain.yml"
    path.write_text(DOMAIN, encoding="utf-8")
    return read_domain(path)


@pytest.fixture
def tracker(domain: Domain) -> Tracker:
    parse = {"intent": {"name": "deposit_missing", "confidence": 0.95}, "entities": []}
    return Tracker.from_events(
        "oyuncu-42",
        [
            ActionExecuted("action_listen", timestamp=1.0),
            UserUttered("papara ile yatirdim gelmedi", parse, timestamp=2.0),
            SlotSet("payment_method", "papara", timestamp=3.0),
        ],
        domain,
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["aiohttp", "httpx"])
async def http(request: pytest.FixtureRequest) -> AsyncIterator[Poster]:
    """The server's client (aiohttp), and httpx's, which callers may pass instead."""
    if request.param == "httpx":
        async with httpx.AsyncClient() as client:
            yield client
        return
    poster = AiohttpPoster()
    try:
        yield poster
    finally:
        await poster.aclose()


def _mock_client(handler: httpx.MockTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=handler)


# ---- against the real action server ---------------------------------------------------


@pytest.mark.anyio
async def test_events_and_responses_come_back_parsed(
    action_server: str, http: Poster, tracker: Tracker, domain: Domain
) -> None:
    result = await ActionClient(action_server, http).run(
        "action_check_deposit", tracker, domain, VERSION
    )
    assert result.problems == ()
    assert len(result.events) == 1
    assert isinstance(result.events[0], SlotSet)
    assert (result.events[0].name, result.events[0].value) == ("deposit_checked", True)
    texts = [r.get("text") for r in result.responses]
    assert texts[0] == "Yatırımınız kontrol ediliyor (papara)."
    assert result.responses[1]["response"] == "utter_wait"


# The first loop's session was never closed (its loop is gone): aiohttp says so at exit.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_one_poster_serves_a_second_event_loop(
    action_server: str, tracker: Tracker, domain: Domain
) -> None:
    """A session belongs to the loop that opened it; the poster opens one per loop."""
    poster = AiohttpPoster()
    client = ActionClient(action_server, poster)

    async def run() -> bool:
        result = await client.run("action_check_deposit", tracker, domain, VERSION)
        return result.problems == () and len(result.events) == 1

    assert asyncio.run(run())
    assert asyncio.run(run())  # the first loop is closed by now
    asyncio.run(poster.aclose())


@pytest.mark.anyio
async def test_a_rejection_raises_action_rejected(
    action_server: str, http: Poster, tracker: Tracker, domain: Domain
) -> None:
    with pytest.raises(ActionRejected) as caught:
        await ActionClient(action_server, http).run("action_reject_me", tracker, domain, VERSION)
    assert caught.value.action_name == "action_reject_me"
    assert caught.value.error == "bu adımda çalışamam"
    assert isinstance(caught.value, ActionServerError)


@pytest.mark.anyio
async def test_an_unknown_action_is_a_404_error(
    action_server: str, http: Poster, tracker: Tracker, domain: Domain
) -> None:
    with pytest.raises(ActionServerError, match="'action_yok' is not known") as caught:
        await ActionClient(action_server, http).run("action_yok", tracker, domain, VERSION)
    assert not isinstance(caught.value, ActionRejected)


@pytest.mark.anyio
async def test_malformed_events_are_dropped_with_a_problem(
    action_server: str, http: Poster, tracker: Tracker, domain: Domain
) -> None:
    result = await ActionClient(action_server, http).run(
        "action_malformed", tracker, domain, VERSION
    )
    assert [type(e) for e in result.events] == [SlotSet]
    assert len(result.problems) == 2
    assert result.problems[0].startswith("events[0]: event 'slot': 'name' must be a string")
    assert "unknown event 'no_such_event'" in result.problems[1]


# ---- failures, with the transport swapped or nothing listening ------------------------


@pytest.mark.anyio
async def test_a_dead_port_fails_quickly(http: Poster, tracker: Tracker, domain: Domain) -> None:
    url = f"http://127.0.0.1:{free_port()}/webhook"
    started = time.monotonic()
    with pytest.raises(ActionServerError, match="cannot reach the action server") as caught:
        await ActionClient(url, http, timeout=5).run("action_check_deposit", tracker, domain, "x")
    assert time.monotonic() - started < 2
    assert url in str(caught.value) and "'action_check_deposit'" in str(caught.value)


@pytest.mark.anyio
async def test_a_server_that_never_answers_times_out(
    http: Poster, tracker: Tracker, domain: Domain
) -> None:
    never = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await never.wait()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = ActionClient(f"http://127.0.0.1:{port}/webhook", http, timeout=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(ActionServerError, match=r"did not answer within 0\.3s"):
            await client.run("action_check_deposit", tracker, domain, VERSION)
    finally:
        never.set()
        server.close()
        await server.wait_closed()
    assert 0.3 <= time.monotonic() - started < 1.5


@pytest.mark.anyio
async def test_the_request_is_rasas_body_with_the_token(tracker: Tracker, domain: Domain) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"events": [], "responses": []})

    async with _mock_client(httpx.MockTransport(answer)) as http:
        client = ActionClient("http://actions/webhook", http, token="gizli")
        result = await client.run("action_check_deposit", tracker, domain, VERSION)
    assert result.events == () and result.responses == ()
    assert seen[0].url.params["token"] == "gizli"
    body = json.loads(seen[0].content)
    assert set(body) == {"next_action", "sender_id", "tracker", "domain", "version"}
    assert body["next_action"] == "action_check_deposit"
    assert body["sender_id"] == "oyuncu-42"
    assert body["tracker"] == tracker.as_dict()
    assert body["domain"] == domain.as_dict()
    assert body["version"] == VERSION


@pytest.mark.anyio
async def test_from_endpoint_reads_url_token_and_token_name(tmp_path: Path, http: Poster) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text(
        "action_endpoint:\n  url: http://localhost:5055/webhook\n"
        "  token: ${ACTION_TOKEN}\n  token_name: anahtar\n"
    )
    endpoint = read_endpoints(path, {"ACTION_TOKEN": "gizli"}).action_endpoint
    assert endpoint is not None
    client = ActionClient.from_endpoint(endpoint, http)
    assert (client.url, client.token, client.token_name) == (
        "http://localhost:5055/webhook",
        "gizli",
        "anahtar",
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(200, text="<html>gizli hata</html>"), "malformed JSON for 'action_x'"),
        (httpx.Response(200, json={"events": {}, "responses": []}), "malformed JSON"),
        (httpx.Response(200, json=["events"]), "malformed JSON"),
        (httpx.Response(400, json={"error": "gizli hata"}), "HTTP 400 for 'action_x'"),
        (httpx.Response(500, json={"error": "gizli hata"}), "HTTP 500 for 'action_x'"),
        (httpx.Response(404, json={"error": "gizli hata"}), "'action_x' is not known"),
    ],
    ids=["not-json", "events-not-a-list", "not-a-mapping", "400-unnamed", "500", "404"],
)
async def test_bad_answers_are_errors_without_the_body(
    tracker: Tracker, domain: Domain, response: httpx.Response, expected: str
) -> None:
    async with _mock_client(httpx.MockTransport(lambda _: response)) as http:
        with pytest.raises(ActionServerError, match=expected) as caught:
            await ActionClient("http://actions/webhook", http).run(
                "action_x", tracker, domain, VERSION
            )
    assert "gizli" not in str(caught.value)
    assert not isinstance(caught.value, ActionRejected)


@pytest.mark.anyio
async def test_bad_responses_are_dropped_and_bot_events_kept(
    tracker: Tracker, domain: Domain
) -> None:
    answer = {
        "events": [{"event": "bot", "text": "Merhaba", "timestamp": 5.0}],
        "responses": [{"text": "Merhaba"}, "düz metin"],
    }
    async with _mock_client(httpx.MockTransport(lambda _: httpx.Response(200, json=answer))) as h:
        result = await ActionClient("http://actions/webhook", h).run(
            "action_x", tracker, domain, VERSION
        )
    assert [type(e) for e in result.events] == [BotUttered]
    assert result.responses == ({"text": "Merhaba"},)
    assert result.problems == ("responses[1]: a response must be a mapping, found str",)


# ---- the CLI ----------------------------------------------------------------------------


def test_bot_run_actions_serves_health_and_lists_actions(tmp_path: Path) -> None:
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "__init__.py").write_text(ACTIONS, encoding="utf-8")
    server, base = start_action_server(tmp_path, "actions")
    try:
        listed = httpx.get(f"{base}/actions", timeout=5).json()
    finally:
        output = stop(server)
    assert {item["name"] for item in listed} == {
        "action_check_deposit",
        "action_reject_me",
        "action_malformed",
    }
    assert "action_check_deposit" in output
    assert "Traceback" not in output


def test_bot_run_actions_without_the_package_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [*BOT, "run", "actions", "--actions", "yok_boyle_paket", "-p", str(free_port())],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot import the actions package 'yok_boyle_paket'" in result.stderr
    assert "Traceback" not in result.stderr
