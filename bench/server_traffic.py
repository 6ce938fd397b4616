"""Player-like traffic for the server benchmark, and the services the bot's actions reach.

Each simulated player chats as players do: a conversation starts with a greeting or not,
sometimes with a filler of its own ("bi sorum var", "hocam"), then asks something and
thanks or says goodbye, or just leaves. About half the conversations ask about the
account (balance, a missing deposit or bonus, a withdrawal, the KYC check): the bot then
asks who the player is, sends a one-time code through the mock backend, and answers
once the code is typed back. Players answer what the bot asks (their user name, e-mail or
phone, the code from the backend's outbox, the amount, method and time of a deposit, a
bonus code), so the same players drive Destek and Rasa through the same turns. A
conversation ends when the bot hands it to a human.

Each player has an account of its own: the first nine are the backend's demo players,
with their stories (a pending deposit, an overdue withdrawal...); the benchmark's backend
adds plain ones for the rest (:data:`EXTRA_PLAYERS`). Past that many players, accounts
are shared, and a lock per account keeps two players from reading each other's code.

The questions come from data/tests/nlu_heldout_strangers.yml (player messages written by
someone who never saw the training data), minus any that data/nlu.yml holds, wrapped in
fillers, lower-cased, stripped of diacritics or given a typo at random. The plans are
drawn from one seed before the run, so every run sends the same conversations.

``python -m bench.server_traffic backend --port N --db FILE`` serves that mock backend,
with the one-time-code limits lifted (players verify again and again), counting the
actions' requests; :func:`backend_server` and :func:`action_server` start it and
``bot run actions``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from actions.backend import API_PREFIX, seed
from actions.backend.seed import PLAYERS, DemoPlayer
from bench.conversations import ADMIN_TOKEN, API_TOKEN, UNLIMITED_CODES
from bench.servers import ServerProcess, free_port
from bot.workbench.training import load_training_data

__all__ = [
    "ACCOUNT_TOPICS",
    "Backstage",
    "ChatPlayer",
    "Conversation",
    "PlayerStats",
    "action_server",
    "backend_requests",
    "backend_server",
    "plan_players",
    "stranger_texts",
]

ROOT = Path(__file__).resolve().parent.parent
STRANGERS = ROOT / "data/tests/nlu_heldout_strangers.yml"
ACCOUNT_TOPICS = ("balance", "deposit_missing", "withdrawal_status", "bonus_missing", "kyc_status")
QUESTIONS = ("deposit_methods", "withdrawal_request", "kyc_documents", "bonus_info",
             "technical_issue", "password_reset", "out_of_scope")  # fmt: skip
HUMAN = ("human_handoff", "complaint")
OPENERS = ("bi sorum var", "yaa", "hocam", "orda kimse var mı", "bakar mısınız",
           "abi bi sey sorcam")  # fmt: skip
PREFIXES = ("", "", "", "", "hocam ", "abi ", "yaa ", "bi sorum var ", "pardon ", "kanka ",
            "slm ", "merhaba ")  # fmt: skip
SUFFIXES = ("", "", "", "", " yaa", " hocam", " lütfen", "?", " acil", " bakar mısınız", "!!",
            " abi", " ya")  # fmt: skip
SMALL_TALK_FILLERS = ("", "", "", " hocam", " abi", " yaa", "!!", " 🙏", " knk")
SMALL_TALK = ("greet", "thank", "goodbye")
LEAVE = ("boşver sonra bakarım", "tamam gerek yok", "sonra yazarım")
AMOUNTS = ("1500 tl", "bin lira", "500", "2.000 TL", "750 tl attım", "300tl")
METHODS = ("papara", "havale", "paparayla", "kripto usdt", "kredi kartı", "eft yaptım")
TIMES = ("dün akşam", "1 saat önce", "bilmiyorum", "bugün öğlen", "dun aksam 9 gibi")
BONUS_CODES = ("HOSGELDIN100", "YATIRIM20", "haftasonu50", "kodum yok")
_FOLD = str.maketrans("çğıöşüÇĞİÖŞÜâî", "cgiosuCGIOSUai")
_CODE = re.compile(r"\b(\d{6})\b")
MAX_ANSWERS = 6  # answers to the bot's questions in one conversation, then the player leaves

# What the bot's last message asks for, by words it uses; a handover ends the conversation.
HANDED_OVER = ("aktarıyorum", "bağlıyorum", "iletiyorum", "Sıranız", "temsilcimiz yok",
               "kilitlendi")  # fmt: skip
ASKS = (
    ("code", ("6 haneli", "kod hatalı", "6 rakamdan")),
    ("identifier", ("kullanıcı adınızı",)),
    ("amount", ("tutar ne kadardı", "önce tutarı")),
    ("method", ("hangi yöntemle yatırdınız", "hangi yöntemle yaptınız")),
    ("time", ("ne zaman yaptınız",)),
    ("bonus_code", ("bonus kodunu",)),
)
VERIFIED = "kimliğinizi doğruladım"


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    email: str
    phone: str

    def identifier(self, rng: random.Random) -> str:
        local = "0" + self.phone[3:]  # +905321234567 → 05321234567
        return rng.choice(
            (self.username, self.username, self.email, local, f"{local[:4]} {local[4:7]} "
             f"{local[7:9]} {local[9:]}")
        )  # fmt: skip


_FIRST = ("mert", "burcu", "kaan", "seda", "onur", "gizem", "baris", "ece", "tolga", "derya")
_LAST = ("aksoy", "yavuz", "tekin", "korkmaz", "bulut", "erdem", "polat", "kurt", "sahin",
         "aydemir", "gunes", "ozkan", "cetin", "kara", "tas", "bozkurt", "uysal", "cakir",
         "yurt", "sezer")  # fmt: skip
EXTRA_PLAYERS = tuple(
    DemoPlayer(2000 + i, f"{first}_{last}", f"{first.title()} {last.title()}",
               f"{first}.{last}@example.org", f"+90544{i:07d}", 0, "active", 90, "tr",
               (250.0 + i, 0.0, 250.0 + i))
    for i, (first, last) in enumerate((f, last) for last in _LAST for f in _FIRST)
)  # fmt: skip
ACCOUNTS = tuple(
    Account(p.id, p.username, p.email, p.phone)
    for p in (*PLAYERS, *EXTRA_PLAYERS)
    if p.status == "active"
)


@dataclass(frozen=True, slots=True)
class Conversation:
    """What a player means to say in one conversation; ``leaves`` when asked who they are."""

    messages: tuple[str, ...]
    leaves: bool


# ---- the plans ------------------------------------------------------------------------------


def stranger_texts() -> dict[str, list[str]]:
    """The strangers' messages by intent, without any the training data holds."""
    trained = {e.text.casefold() for e in load_training_data([ROOT / "data/nlu.yml"]).examples}
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in load_training_data([STRANGERS]).examples:
        if example.intent is not None and example.text.casefold() not in trained:
            by_intent[example.intent].append(example.text)
    return by_intent


def dress(text: str, rng: random.Random, small_talk: bool = False) -> str:
    """A player's version: fillers around it, and maybe lower case, no diacritics, a typo."""
    if small_talk:
        text += rng.choice(SMALL_TALK_FILLERS)
    else:
        text = rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.4:
        text = text.translate(_FOLD)
    if rng.random() < 0.25:
        text = typo(text, rng)
    return text


def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    at = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # two letters swapped
        w = w[: at - 1] + w[at] + w[at - 1] + w[at + 1 :]
    elif kind == 1:  # a letter dropped
        w = w[:at] + w[at + 1 :]
    else:  # a letter doubled
        w = w[:at] + w[at] + w[at:]
    words[i] = w
    return " ".join(words)


def plan_conversation(
    texts: dict[str, list[str]], rng: random.Random, seen: set[str]
) -> Conversation:
    def say(intent: str) -> str:
        for _ in range(50):  # a text said before is drawn again: no cache can answer
            text = dress(rng.choice(texts[intent]), rng, intent in SMALL_TALK)
            if text not in seen:
                break
        seen.add(text)
        return text

    said: list[str] = []
    if rng.random() < 0.45:
        said.append(say("greet"))
    if rng.random() < 0.15:
        said.append(rng.choice(OPENERS))
    kind = rng.random()
    if kind < 0.04:
        return Conversation((*said, say(rng.choice(HUMAN))), False)
    account = kind < 0.54
    said.append(say(rng.choice(ACCOUNT_TOPICS if account else QUESTIONS)))
    leaves = account and rng.random() < 0.12
    if rng.random() < 0.35:
        said.append(say(rng.choice(ACCOUNT_TOPICS if rng.random() < 0.5 else QUESTIONS)))
    if rng.random() < 0.55:
        said.append(say("thank"))
    if rng.random() < 0.4:
        said.append(say("goodbye"))
    return Conversation(tuple(said), leaves)


def plan_players(
    texts: dict[str, list[str]], players: int, messages: int, seed: int
) -> list[list[Conversation]]:
    """Enough conversations for each player to send ``messages`` (a conversation takes
    at least one), drawn from ``seed``."""
    rng = random.Random(seed)
    seen: set[str] = set()
    return [[plan_conversation(texts, rng, seen) for _ in range(messages)] for _ in range(players)]


# ---- the players ---------------------------------------------------------------------------


@dataclass
class PlayerStats:
    """What the players saw, summed over a run."""

    conversations: int = 0
    identifications: int = 0  # the bot asked who the player is
    verified: int = 0  # a code was accepted
    handovers: int = 0
    silent: int = 0  # answers without a message
    lock_wait_s: float = 0.0  # the harness's waits for an account's code window

    def as_dict(self) -> dict[str, float | int]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in vars(self).items()}


@dataclass
class Backstage:
    """What players reach besides the bot: the backend's outbox (the "SMS" with the code)
    and one lock per demo account, held from sending its identifier until its code is read,
    so two conversations verifying the same account never read each other's code."""

    backend_url: str
    http: httpx.AsyncClient
    stats: PlayerStats = field(default_factory=PlayerStats)
    locks: dict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))

    async def code_sent_to(self, account: Account) -> str:
        response = await self.http.get(
            f"{self.backend_url}/outbox",
            params={"to": account.phone},
            headers={"X-Admin-Token": ADMIN_TOKEN},
        )
        response.raise_for_status()
        for message in response.json()["messages"]:  # newest first
            found = _CODE.search(message["body"])
            if found:
                return found.group(1)
        return "000000"


class ChatPlayer:
    """One player (:class:`bench.loadgen.Player`): its plans in order, ``budget`` messages."""

    def __init__(
        self, tag: str, index: int, plans: Sequence[Conversation], budget: int, stage: Backstage
    ) -> None:
        self.tag = tag
        self.index = index
        self.plans = deque(plans)
        self.budget = budget
        self.stage = stage
        self.account = ACCOUNTS[index % len(ACCOUNTS)]
        self.rng = random.Random(f"{tag}-{index}")  # answers only: the plans are fixed
        self.sender = ""
        self.conversation: Conversation | None = None
        self.pending: deque[str] = deque()
        self.answers = 0
        self.numbered = 0
        self.locked: asyncio.Lock | None = None  # held while this player's code is on its way
        self.wants_lock = False

    async def next_message(self, answer: bytes | None) -> bytes | None:
        text = await self._next_text(answer)
        if self.locked is not None:
            self.locked.release()
            self.locked = None
        if text is None:
            return None
        self.budget -= 1
        return json.dumps({"sender": self.sender, "message": text}, ensure_ascii=False).encode()

    async def ready(self) -> None:
        if self.wants_lock:
            self.wants_lock = False
            started = time.perf_counter()
            self.locked = self.stage.locks[self.account.id]
            await self.locked.acquire()
            self.stage.stats.lock_wait_s += time.perf_counter() - started

    async def _next_text(self, answer: bytes | None) -> str | None:
        if self.budget <= 0:
            return None
        asked = self._read(answer) if answer is not None else None
        if asked == "ended":
            self.pending.clear()
        elif asked is not None and self.conversation is not None and self.answers < MAX_ANSWERS:
            self.answers += 1
            return await self._answer(asked)
        if not self.pending:
            self._start_conversation()
        return self.pending.popleft()

    def _read(self, answer: bytes) -> str | None:
        """What the bot asks for; "ended" after a handover, a silence or a player leaving."""
        try:
            said = [str(m.get("text") or "") for m in json.loads(answer) if isinstance(m, dict)]
        except (ValueError, TypeError):
            said = []
        stats = self.stage.stats
        if not said:
            stats.silent += 1
            return "ended"
        if any(VERIFIED in text for text in said):
            stats.verified += 1
        if any(marker in text for text in said for marker in HANDED_OVER):
            stats.handovers += 1
            return "ended"
        last = said[-1].casefold()
        for what, markers in ASKS:
            if any(marker.casefold() in last for marker in markers):
                return what
        return None

    async def _answer(self, asked: str) -> str:
        rng = self.rng
        if asked == "identifier":
            self.stage.stats.identifications += 1
            assert self.conversation is not None
            if self.conversation.leaves:
                self.pending.clear()
                return rng.choice(LEAVE)
            self.wants_lock = True
            return self.account.identifier(rng)
        if asked == "code":
            if self.locked is None:  # a code the bot sent on its own: read it under the lock
                async with self.stage.locks[self.account.id]:
                    return await self.stage.code_sent_to(self.account)
            return await self.stage.code_sent_to(self.account)
        choices = {"amount": AMOUNTS, "method": METHODS, "time": TIMES, "bonus_code": BONUS_CODES}
        return rng.choice(choices[asked])

    def _start_conversation(self) -> None:
        self.conversation = self.plans.popleft()
        self.pending = deque(self.conversation.messages)
        self.sender = f"{self.tag}-{self.index}-{self.numbered}"
        self.numbered += 1
        self.answers = 0
        self.stage.stats.conversations += 1


# ---- the services ----------------------------------------------------------------------


def backend_server(db: Path) -> ServerProcess:
    """The mock backend (``python -m bench.server_traffic backend``) on a free port."""
    port = free_port()
    command = [sys.executable, "-m", "bench.server_traffic", "backend", "--port", str(port)]
    return ServerProcess([*command, "--db", str(db)], port, f"{API_PREFIX}/health", cwd=ROOT)


def action_server(backend_url: str, package: str, token: str) -> ServerProcess:
    """``bot run actions`` for ``package``, pointed at the backend, checking ``token``."""
    port = free_port()
    env = {
        **os.environ,
        "DESTEK_BACKEND_URL": backend_url,
        "DESTEK_BACKEND_TOKEN": API_TOKEN,
        "DESTEK_BACKEND_TIMEOUT": "5",
        "DESTEK_ACTION_TOKEN": token,
    }
    command = [sys.executable, "-m", "bot.cli", "run", "actions", "-i", "127.0.0.1"]
    command += ["-p", str(port), "--actions", package]
    return ServerProcess(command, port, "/health", env=env, cwd=ROOT)


COUNT_PATH = "/bench/requests"
HARNESS_PATHS = (f"{API_PREFIX}/outbox", f"{API_PREFIX}/admin", f"{API_PREFIX}/health", COUNT_PATH)


class RequestCounter:
    """ASGI wrapper: counts the requests of the actions (not the players' outbox reads);
    ``GET /bench/requests`` says how many so far."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == COUNT_PATH:
            body = json.dumps({"requests": self.count}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "http" and not scope["path"].startswith(HARNESS_PATHS):
            self.count += 1
        await self.app(scope, receive, send)


def backend_requests(port: int) -> int:
    """How many requests the actions have made to the backend on ``port`` so far."""
    return int(httpx.get(f"http://127.0.0.1:{port}{COUNT_PATH}").json()["requests"])


def serve_backend(port: int, db: Path) -> None:
    import uvicorn

    from actions.backend import BackendConfig, SystemClock, create_app

    config = BackendConfig(
        db_path=db,
        api_token=API_TOKEN,
        admin_token=ADMIN_TOKEN,
        **UNLIMITED_CODES,  # players verify again and again
        password_resets_per_hour=1_000_000,
    )
    seed.PLAYERS = (*PLAYERS, *EXTRA_PLAYERS)  # type: ignore[assignment]  # seeded here too
    app = RequestCounter(create_app(config, SystemClock(), random.Random(7)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the benchmark's mock backend")
    parser.add_argument("what", choices=["backend"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    serve_backend(args.port, args.db)
