"""The simulated people of ``bench/handover.py``: a web chat player on
``/webhooks/webchat/ws`` and an operator signed into the console (HTTP with its
cookie, and ``/console/ws``). Each records when it saw what, on one monotonic clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

__all__ = ["ConsoleAgent", "Player"]

API = "/console/api"
ANSWERS = (
    "Merhaba, ben {name}. Çekim talebinizi kontrol ediyorum, bir dakika lütfen.",
    "Merhaba, {name} ben. Hesabınızı görüyorum; yatırımınız 10 dakika içinde yansıyacak.",
    "İyi günler, ben {name}. Belgeleriniz inceleniyor, sonucu bu sohbetten ileteceğim.",
    "Merhaba, {name} ben. Şifre sıfırlama bağlantısını e-posta adresinize gönderdim.",
    "Merhaba, ben {name}. Bonusunuz hesabınıza tanımlandı, kontrol eder misiniz?",
)
THINK = (0.2, 1.0)  # seconds an agent reads and types before each answer


class Player:
    """One widget session: says hello, then something, then asks for a human."""

    def __init__(self, base_ws: str, session_id: str) -> None:
        self.url = f"{base_ws}/webhooks/webchat/ws"
        self.session_id = session_id
        self.heard: dict[str, float] = {}  # bot text -> when it first arrived
        self.requested_at: float | None = None
        self._changed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self._ws = await connect(self.url, open_timeout=30)
        await self._ws.send(json.dumps({"type": "hello", "session_id": self.session_id}))
        while json.loads(await self._ws.recv())["type"] != "session":
            pass
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        with contextlib.suppress(Exception):
            async for raw in self._ws:
                frame = json.loads(raw)
                if frame.get("type") == "bot":
                    text = str(frame["message"].get("text"))
                    self.heard.setdefault(text, time.perf_counter())
                    self._changed.set()

    async def say(self, text: str, message_id: str) -> None:
        assert self._ws is not None
        frame = {"type": "message", "text": text, "message_id": message_id}
        await self._ws.send(json.dumps(frame))

    async def wait_for_any_reply(self, timeout: float) -> None:
        """Until the bot has said something (the answer to the greeting)."""
        await self._wait(lambda: bool(self.heard), timeout)

    async def wait_for(self, text: str, timeout: float) -> float | None:
        """When ``text`` arrived, or None if it did not within ``timeout``."""
        await self._wait(lambda: text in self.heard, timeout)
        return self.heard.get(text)

    async def _wait(self, done: Any, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while not done():
            left = deadline - time.perf_counter()
            if left <= 0:
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


class ConsoleAgent:
    """An operator: signs in, goes online, and keeps the console socket open."""

    def __init__(self, base_url: str, login: str, password: str) -> None:
        self.login = login
        self.password = password
        self.base_ws = base_url.replace("http://", "ws://", 1)
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30)
        self.assigned: dict[str, float] = {}  # sender_id -> when its frame arrived
        self.sent: dict[str, tuple[str, float]] = {}  # sender_id -> (text, when posted)
        self.max_chats = 0
        self.most_held = 0  # the most chats the socket told of at once (none close here)
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None

    async def sign_in(self, online: bool = True) -> None:
        response = await self.http.post(
            f"{API}/login", json={"login": self.login, "password": self.password}
        )
        response.raise_for_status()
        self.max_chats = int(response.json()["max_chats"])
        cookie = self.http.cookies["destek_console"]
        self._ws = await connect(
            f"{self.base_ws}/console/ws",
            additional_headers={"Cookie": f"destek_console={cookie}"},
            open_timeout=30,
        )
        while json.loads(await self._ws.recv())["type"] != "hello":
            pass
        self._reader = asyncio.create_task(self._read())
        if online:
            await self.set_status("online")

    async def set_status(self, status: str) -> None:
        response = await self.http.put(f"{API}/me/status", json={"status": status})
        response.raise_for_status()

    async def _read(self) -> None:
        assert self._ws is not None
        with contextlib.suppress(Exception):
            async for raw in self._ws:
                frame = json.loads(raw)
                if frame.get("type") == "assigned" and frame.get("sender_id"):
                    self.assigned.setdefault(frame["sender_id"], time.perf_counter())
                    self.most_held = max(self.most_held, len(self.assigned))

    async def answer_all(self, seed: int, think: tuple[float, float] = THINK) -> int:
        """One message to each chat given to me, one after another as a person would
        (reading and typing ``think`` seconds before each); returns how many the API
        refused."""
        refused = 0
        pace = random.Random(seed)
        for number, sender_id in enumerate(list(self.assigned)):
            await asyncio.sleep(pace.uniform(*think))  # think time, not a synchronisation
            answer = ANSWERS[(seed + number) % len(ANSWERS)].format(name=self.login.title())
            text = f"{answer} (#{number})"
            started = time.perf_counter()
            response = await self.http.post(
                f"{API}/conversations/{sender_id}/messages", json={"text": text}
            )
            if response.status_code == 204:
                self.sent[sender_id] = (text, started)
            else:
                refused += 1
        return refused

    async def queue_view(self) -> dict[str, Any]:
        response = await self.http.get(f"{API}/queue")
        response.raise_for_status()
        view: dict[str, Any] = response.json()
        return view

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.http.aclose()
