"""End-to-end conversations: a trained model, the real action server and the mock backend.

:func:`conversation_services` starts the mock account backend (uvicorn in a thread, a
temporary SQLite file) and ``bot run actions`` for the ``actions`` package (a child
process pointed at that backend). :class:`ConversationRunner` then plays each
conversation of a test-story file through an :class:`~bot.dialogue.engine.Engine`:
it resets the backend, sends the player's texts and compares the actions the engine ran
in each turn with the story's ``action:`` steps, in order.

In the stories, ``{otp}`` stands for the one-time code the backend just sent the player
being verified, and ``metadata: {login: <username>}`` on a user step sends a signed
player token for that seeded player with the message, as a website would.

``python -m bench.conversations -m models`` runs data/tests/conversations_heldout.yml.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt

from actions.backend import API_PREFIX, BackendConfig, SystemClock, create_app
from bench.servers import ServerProcess, ThreadServer, free_port
from bot.dialogue.action_client import ActionClient
from bot.dialogue.conversation_state import ACTION_LISTEN, ACTION_SESSION_START
from bot.dialogue.engine import Engine, EngineConfig, UserMessage
from bot.dialogue.events import ActionExecuted
from bot.model_storage import TrainedModel, load_model
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore
from bot.yaml_fields import expect_list, expect_mapping
from bot.yaml_io import read_yaml_mapping

__all__ = [
    "Conversation",
    "ConversationResult",
    "ConversationRunner",
    "Services",
    "Turn",
    "conversation_services",
    "read_conversations",
]

ROOT = Path(__file__).resolve().parent.parent
API_TOKEN = "bench-api-token"
ADMIN_TOKEN = "bench-admin-token"
TOKEN_SECRET = "bench-player-token-secret-of-32-bytes-or-more"
OTP = "{otp}"
SKIPPED = (ACTION_LISTEN, ACTION_SESSION_START)


# ---- the conversations --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One user step and the actions the bot should run after it."""

    text: str
    expected: tuple[str, ...]
    login: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Conversation:
    name: str
    turns: tuple[Turn, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """``difference`` describes the first turn whose actions differ (None: passed)."""

    conversation: Conversation
    difference: str | None
    actions: tuple[tuple[str, ...], ...]

    @property
    def passed(self) -> bool:
        return self.difference is None


def read_conversations(path: Path) -> list[Conversation]:
    """The ``user:``/``intent:`` and ``action:`` steps of each story of a test-story file;
    slot and loop steps are not checked end to end."""
    data = read_yaml_mapping(path)
    stories = expect_list(data.get("stories"), f"{path}:1", "stories")
    out = []
    for index, raw in enumerate(stories):
        where = f"{path}:{stories.line_at(index)}"
        story = expect_mapping(raw, where, "a story")
        steps = expect_list(story.get("steps"), where, "steps")
        turns: list[Turn] = []
        for i, step in enumerate(steps):
            at = f"{path}:{steps.line_at(i)}"
            if not isinstance(step, Mapping):
                continue
            if "user" in step or "intent" in step:
                text = str(step["user"]) if step.get("user") is not None else f"/{step['intent']}"
                metadata = step.get("metadata") or {}
                login = metadata.get("login") if isinstance(metadata, Mapping) else None
                turns.append(Turn(text.strip(), (), login, at))
            elif "action" in step and step["action"] not in SKIPPED:
                if not turns:
                    raise ValueError(f"{at}: an action before the first user step")
                last = turns[-1]
                turns[-1] = Turn(last.text, (*last.expected, str(step["action"])), last.login, at)
        out.append(Conversation(str(story.get("story", "")), tuple(turns), where))
    return out


# ---- the services ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Services:
    backend_url: str  # the API root, ending in /api/v1
    action_url: str  # the action server's webhook


# Benchmarks verify the same players again and again, seconds apart: the backend's
# one-time-code limits would refuse them.
UNLIMITED_CODES: dict[str, Any] = {
    "otp_min_interval": timedelta(0),
    "otp_sends_per_hour": 1_000_000,
    "otp_sends_per_requester_per_hour": 1_000_000,
    "otp_player_failures_per_hour": 1_000_000,
}


@contextlib.contextmanager
def conversation_services(actions_package: str = "actions") -> Iterator[Services]:
    """The mock backend (in this process) and the action server (a child process)."""
    with tempfile.TemporaryDirectory(prefix="destek-bench-") as work:
        config = BackendConfig(
            db_path=Path(work) / "backend.sqlite3",
            api_token=API_TOKEN,
            admin_token=ADMIN_TOKEN,
            **UNLIMITED_CODES,
        )
        backend = ThreadServer(create_app(config, SystemClock(), random.Random(7)))
        with backend.running() as backend_root:
            api = backend_root + API_PREFIX
            port = free_port()
            env = {
                **os.environ,
                "DESTEK_BACKEND_URL": api,
                "DESTEK_BACKEND_TOKEN": API_TOKEN,
                "DESTEK_BACKEND_TIMEOUT": "5",
            }
            command = [sys.executable, "-m", "bot.cli", "run", "actions", "-i", "127.0.0.1"]
            command += ["-p", str(port), "--actions", actions_package]
            server = ServerProcess(command, port, "/health", env=env, cwd=ROOT)
            with server.running(timeout=60):
                yield Services(api, f"http://127.0.0.1:{port}/webhook")


# ---- playing conversations -------------------------------------------------------------


class ConversationRunner:
    """Plays conversations through an engine built on ``model``; one at a time."""

    def __init__(self, model: TrainedModel, services: Services, http: httpx.AsyncClient) -> None:
        if model.core is None or model.nlu is None:
            raise ValueError(f"model {model.name} needs both NLU and dialogue policies")
        self.model = model
        self.services = services
        self.http = http
        self.admin = {"X-Admin-Token": ADMIN_TOKEN}
        self.api = {"Authorization": f"Bearer {API_TOKEN}"}

    def engine(self) -> Engine:
        assert self.model.core is not None and self.model.nlu is not None
        nlu = self.model.nlu

        async def parse(text: str) -> Mapping[str, Any]:
            return await asyncio.to_thread(nlu.parse, text)

        return Engine(
            self.model.core.domain,
            self.model.core.policies,
            parse,
            InMemoryTrackerStore(),
            InMemoryLockStore(),
            action_client=ActionClient(self.services.action_url, self.http),
            config=EngineConfig(player_token_secret=TOKEN_SECRET, seed=7),
        )

    async def reset(self) -> None:
        url = f"{self.services.backend_url}/admin/reset"
        (await self.http.post(url, headers=self.admin)).raise_for_status()

    async def run(self, conversation: Conversation) -> ConversationResult:
        await self.reset()
        engine = self.engine()
        sender = "bench-player"
        seen: list[tuple[str, ...]] = []
        for number, turn in enumerate(conversation.turns, start=1):
            actions = await self.turn(engine, sender, turn)
            seen.append(actions)
            if actions != turn.expected:
                expected = ", ".join(turn.expected) or "nothing"
                ran = ", ".join(actions) or "nothing"
                difference = (
                    f"turn {number} ({turn.source}) {turn.text!r}: expected {expected}; ran {ran}"
                )
                return ConversationResult(conversation, difference, tuple(seen))
        return ConversationResult(conversation, None, tuple(seen))

    async def turn(self, engine: Engine, sender: str, turn: Turn) -> tuple[str, ...]:
        """Send one user step; the actions the engine ran for it."""
        text = turn.text
        if OTP in text:
            text = text.replace(OTP, await self.latest_code(engine, sender))
        metadata = {"player_token": await self.player_token(turn.login)} if turn.login else {}
        before = len((await engine.tracker(sender)).events)
        await engine.handle(UserMessage(text, sender, "bench", metadata))
        events = (await engine.tracker(sender)).events[before:]
        return tuple(
            e.name
            for e in events
            if isinstance(e, ActionExecuted) and e.name is not None and e.name not in SKIPPED
        )

    async def player_token(self, username: str) -> str:
        url = f"{self.services.backend_url}/players/lookup"
        response = await self.http.get(url, params={"username": username}, headers=self.api)
        response.raise_for_status()
        player = response.json()
        claims = {"sub": str(player["id"]), "username": username, "aud": "destek-player",
                  "exp": int(time.time()) + 3600}  # fmt: skip
        return jwt.encode(claims, TOKEN_SECRET, algorithm="HS256")

    async def latest_code(self, engine: Engine, sender: str) -> str:
        """The six-digit code of the newest message to the player being verified (the
        conversation's ``player_id``), or of the newest message at all."""
        player_id = (await engine.tracker(sender)).get_slot("player_id")
        recipients: list[str | None] = [None]
        if player_id is not None:
            url = f"{self.services.backend_url}/players/{player_id}"
            response = await self.http.get(url, headers=self.api)
            if response.status_code == 200:
                recipients = [response.json()["phone"], response.json()["email"], None]
        for to in recipients:
            params = {"to": to} if to else {}
            url = f"{self.services.backend_url}/outbox"
            response = await self.http.get(url, params=params, headers=self.admin)
            response.raise_for_status()
            for message in response.json()["messages"]:  # newest first
                found = re.search(r"\b(\d{6})\b", message["body"])
                if found:
                    return found.group(1)
        return "000000"  # no code was sent: the bot will find this one wrong

    async def run_all(self, conversations: Sequence[Conversation]) -> list[ConversationResult]:
        return [await self.run(c) for c in conversations]


@contextlib.asynccontextmanager
async def runner_for(model: TrainedModel, services: Services) -> AsyncIterator[ConversationRunner]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield ConversationRunner(model, services, http)


def run_conversations(model: TrainedModel, path: Path) -> list[ConversationResult]:
    """Start the services and play every conversation of ``path``."""
    conversations = read_conversations(path)

    async def play(services: Services) -> list[ConversationResult]:
        async with runner_for(model, services) as runner:
            return await runner.run_all(conversations)

    with conversation_services() as services:
        return asyncio.run(play(services))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-m", "--model", default="models")
    parser.add_argument("--stories", default="data/tests/conversations_heldout.yml")
    args = parser.parse_args()
    results = run_conversations(load_model(Path(args.model)), Path(args.stories))
    for result in results:
        if not result.passed:
            print(f"FAIL {result.conversation.name}: {result.difference}")
    passed = sum(r.passed for r in results)
    print(f"{passed}/{len(results)} conversations handled end to end")


if __name__ == "__main__":
    main()
