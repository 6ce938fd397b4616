"""``bot shell``: talk to the whole bot in the terminal, as with ``rasa shell``.

The bot's texts are printed, buttons numbered: typing a button's number sends its
payload. ``/restart`` starts a fresh conversation; ``/stop`` or Ctrl-D ends the chat.
Custom actions run on the action server of endpoints.yml when it names one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
from rich.console import Console
from rich.markup import escape

from bot.config import read_endpoints
from bot.dialogue.action_client import ActionClient
from bot.dialogue.engine import Engine, UserMessage
from bot.errors import ModelError
from bot.model_storage import TrainedModel, load_model
from bot.server.embedded import EmbeddedServices
from bot.settings import Settings
from bot.store.memory import InMemoryLockStore, InMemoryTrackerStore

__all__ = ["ReadLine", "Write", "button_lines", "chat", "run_shell", "shell_engine"]

log = logging.getLogger(__name__)

ReadLine = Callable[[], str]
"""The player's next line; ``EOFError`` when there is none (Ctrl-D)."""
Write = Callable[[str], None]
"""Show one line of the conversation (rich markup)."""

CHANNEL = "cmdline"
STOP = ("/stop", "/exit", "/quit")
RESTART = "/restart"


def button_lines(message: Mapping[str, Any]) -> list[str]:
    """What the terminal shows of one bot message: its text, then numbered buttons."""
    lines = []
    if message.get("text"):
        lines.append(f"[bold green]Bot:[/] {escape(str(message['text']))}")
    for number, button in enumerate(message.get("buttons") or [], start=1):
        lines.append(f"  {number}. {escape(str(button.get('title', button.get('payload'))))}")
    if message.get("image"):
        lines.append(f"  [image] {escape(str(message['image']))}")
    return lines


def _chosen(text: str, buttons: Sequence[Mapping[str, Any]]) -> str:
    """The payload of button number ``text``, or ``text`` itself."""
    if text.isdecimal() and 1 <= int(text) <= len(buttons):
        payload = buttons[int(text) - 1].get("payload")
        if isinstance(payload, str) and payload:
            return payload
    return text


async def chat(engine: Engine, read: ReadLine, write: Write, sender_id: str = "shell") -> int:
    """Chat until ``/stop`` or the end of input; returns the number of messages sent."""
    conversation = sender_id
    restarts = 0
    buttons: list[Mapping[str, Any]] = []
    sent = 0
    while True:
        try:
            line = await anyio.to_thread.run_sync(read)
        except EOFError:
            break
        text = line.strip()
        if not text:
            continue
        if text in STOP:
            break
        if text == RESTART:
            restarts += 1
            conversation = f"{sender_id}-{restarts}"
            buttons = []
            write("[dim]A new conversation starts.[/]")
            continue
        message = UserMessage(_chosen(text, buttons), conversation, input_channel=CHANNEL)
        replies = await engine.handle(message)
        sent += 1
        buttons = []
        for reply in replies:
            for shown in button_lines(reply):
                write(shown)
            buttons = list(reply.get("buttons") or buttons)
    return sent


def shell_engine(model: TrainedModel, action_client: ActionClient | None) -> Engine:
    """An engine for one terminal: in-memory conversations, the model's NLU."""
    if model.core is None:
        raise ModelError(f"model {model.name} has no dialogue policies; train it with 'bot train'")
    nlu = model.nlu
    if nlu is None:
        raise ModelError(f"model {model.name} has no NLU pipeline; train it with 'bot train'")

    async def parse(text: str) -> Mapping[str, Any]:
        return await anyio.to_thread.run_sync(nlu.parse, text)

    return Engine(
        model.core.domain,
        model.core.policies,
        parse,
        InMemoryTrackerStore(),
        InMemoryLockStore(),
        action_client=action_client,
    )


def run_shell(model_path: Path, endpoints_path: Path, console: Console) -> int:
    """``bot shell``: load the model and chat in the terminal."""
    model = load_model(model_path)
    endpoint = read_endpoints(endpoints_path).action_endpoint if endpoints_path.exists() else None
    token = Settings().action_token  # DESTEK_ACTION_TOKEN, as `bot run actions` checks it
    secret = token.get_secret_value() if token else None  # else the embedded server's

    def read() -> str:
        return console.input("[bold cyan]Siz:[/] ")

    async def main() -> int:
        async with httpx.AsyncClient() as http:
            client = ActionClient.from_endpoint(endpoint, http, secret=secret) if endpoint else None
            engine = shell_engine(model, client)
            if model.nlu is not None:
                await anyio.to_thread.run_sync(model.nlu.warm_up)
            where = f"actions at {endpoint.url}" if endpoint else "no action server"
            console.print(
                f"[bold]{model.name}[/] loaded ({where}). Type a message; the number of a "
                "button sends it; /restart starts over; /stop or Ctrl-D quits."
            )
            await chat(engine, read, console.print)
        return 0

    # Like `bot run`, start the action server and mock backend when nothing serves them.
    with EmbeddedServices(endpoint.url if endpoint else None, Path.cwd()) as services:
        secret = services.action_token or secret
        return anyio.run(main)
