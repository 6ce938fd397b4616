"""Players for the fault suite: each one talks over the REST webhook as a person would,
one message after the other's answer, and keeps a ledger of what it sent and got.

A message that is not answered with a 200 (a 5xx, a 429, a reset connection, a timeout)
was not acknowledged: the player sends it again with the same ``message_id`` until it is,
as Telegram and WhatsApp do. The ledger then says, for every message, each attempt's
outcome, when it was acknowledged and what the bot answered.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

__all__ = ["SEEDED", "Attempt", "Ledger", "Sent", "Talk", "conversation_ids", "converse"]

WEBHOOK = "/webhooks/rest/webhook"
RETRYABLE = frozenset({429, 500, 502, 503, 504})
GIVE_UP = 180.0  # seconds a player keeps resending one message
REQUEST_TIMEOUT = 60.0
# The mock backend's seeded players a conversation may verify as; each is used by one
# conversation at a time, since a new one-time code replaces the player's previous one.
SEEDED = (
    "ahmet_yilmaz", "zeynep.kaya", "mehmet_demir", "elif_sahin", "burak_celik",
    "selin_arslan", "emre_ozturk", "ayse_dogan", "kemal_koc",
)  # fmt: skip
ORDINARY = (
    ("merhaba", "yatırım yöntemleri", "hangi bonuslar var", "site açılmıyor", "teşekkürler"),
    ("selam", "kampanyalar neler", "yatirim yontemleri neler", "teşekkür ederim"),
    ("slm", "bakiyem ne kadar", "oyuncu_{n}_yok", "uygulama açılmıyor", "tesekkurler"),
)
_CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Attempt:
    """One try: its outcome ("200", "503", "ConnectError"...) and when it began and
    ended (``time.time()``, the clock the server stamps events with)."""

    outcome: str
    began: float
    ended: float


@dataclass
class Sent:
    """One player message and what became of it."""

    sender: str
    message_id: str
    text: str
    first_sent: float
    attempts: list[Attempt] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].outcome == "200"

    @property
    def latency(self) -> float:
        """Seconds from the acknowledged attempt to its answer."""
        return self.attempts[-1].ended - self.attempts[-1].began

    @property
    def outcomes(self) -> list[str]:
        return [attempt.outcome for attempt in self.attempts]


@dataclass
class Ledger:
    """Every message sent, and the fault windows (name, start, end), on ``time.time()``."""

    sent: list[Sent] = field(default_factory=list)
    windows: list[tuple[str, float, float]] = field(default_factory=list)

    def during(self, start: float, end: float) -> str | None:
        """The fault whose window overlaps [start, end], if any."""
        for name, begin, finish in self.windows:
            if begin <= end and start <= finish:
                return name
        return None


@dataclass
class Talk:
    """What the players share: the bot, the backend's admin side, the ledger."""

    http: httpx.AsyncClient
    url: str
    backend: str
    backend_token: str
    admin_token: str
    run: str  # a prefix that keeps this run's conversation ids apart
    ledger: Ledger = field(default_factory=Ledger)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    free: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    think: tuple[float, float] = (0.3, 1.5)

    async def say(self, sender: str, text: str) -> list[str]:
        """Send until acknowledged (or given up); the bot's texts."""
        sent = Sent(sender, uuid.uuid4().hex, text, time.time())
        self.ledger.sent.append(sent)
        body = {"sender": sender, "message": text, "message_id": sent.message_id}
        while True:
            began, pause = time.time(), 0.5
            try:
                answer = await self.http.post(self.url + WEBHOOK, json=body)
            except httpx.TransportError as exc:  # reset, refused, timed out
                sent.attempts.append(Attempt(type(exc).__name__, began, time.time()))
            else:
                sent.attempts.append(Attempt(str(answer.status_code), began, time.time()))
                if answer.status_code == 200:
                    sent.replies = [m.get("text") or "" for m in answer.json()]
                    return sent.replies
                if answer.status_code not in RETRYABLE:
                    raise AssertionError(f"{text!r} was answered {answer.status_code}")
                pause = min(float(answer.headers.get("Retry-After", pause)), 5.0)
            if time.time() - sent.first_sent > GIVE_UP:
                return []
            await asyncio.sleep(pause)

    async def pause(self) -> None:
        await asyncio.sleep(random.uniform(*self.think))

    async def code_sent_to(self, username: str) -> str | None:
        """The newest one-time code the backend sent ``username``'s phone."""
        headers = {"Authorization": f"Bearer {self.backend_token}"}
        found = await self.http.get(
            f"{self.backend}/players/lookup", params={"username": username}, headers=headers
        )
        if found.status_code != 200:
            return None
        outbox = await self.http.get(
            f"{self.backend}/outbox",
            params={"to": found.json()["phone"]},
            headers={"X-Admin-Token": self.admin_token},
        )
        messages = outbox.json()["messages"] if outbox.status_code == 200 else []
        match = _CODE.search(messages[0]["body"]) if messages else None
        return match.group(1) if match else None


async def converse(talk: Talk, player: int) -> None:
    """One player: a conversation after another until told to stop. Every third player
    asks for their balance and proves who they are with a one-time code, when one of
    the seeded accounts is free; the others ask ordinary questions."""
    rounds = 0
    while not talk.stop.is_set():
        sender = f"{talk.run}-{player}-{rounds}"
        username = None
        if player % 3 == 0 and not talk.free.empty():
            username = talk.free.get_nowait()
        try:
            if username is not None:
                await _verify_and_ask(talk, sender, username)
            else:
                await _ordinary(talk, sender, ORDINARY[player % len(ORDINARY)], player)
        finally:
            if username is not None:
                talk.free.put_nowait(username)
        rounds += 1


async def _ordinary(talk: Talk, sender: str, texts: Sequence[str], player: int) -> None:
    for text in texts:
        await talk.say(sender, text.format(n=player))
        await talk.pause()


async def _verify_and_ask(talk: Talk, sender: str, username: str) -> None:
    await talk.say(sender, "merhaba")
    await talk.pause()
    asked = " ".join(await talk.say(sender, "bakiyem ne kadar"))
    await talk.pause()
    if "kullanıcı adınızı" in asked:
        answer = " ".join(await talk.say(sender, username))
        await talk.pause()
        code = await talk.code_sent_to(username) if "gönderdim" in answer else None
        if code is not None:
            await talk.say(sender, code)
            await talk.pause()
    await talk.say(sender, "çekimim ne zaman gelir")
    await talk.pause()
    await talk.say(sender, "teşekkürler")
    await talk.pause()


def conversation_ids(ledger: Ledger) -> list[str]:
    return list(dict.fromkeys(sent.sender for sent in ledger.sent))
