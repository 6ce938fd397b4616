"""The widget's own protocol: JSON text frames on ``/webhooks/webchat/ws``.

Client to server::

    {"type": "hello", "session_id": "<32 hex>" | null}    first; a new id when null
    {"type": "message", "text": "...", "message_id"?: "...", "title"?: "...",
     "metadata"?: {"player_token": "..."}}                a click sends the payload as text
    {"type": "ping"}

Server to client::

    {"type": "session", "session_id", "history": [{"sender", "text", "timestamp", ...}]}
    {"type": "typing"}                                    the bot is working on an answer
    {"type": "bot", "message": {"text", "buttons", "image", ...}}
    {"type": "user", "text", "timestamp"}                 sent from another tab
    {"type": "ack", "message_id", "stored": bool}         after the turn is stored
    {"type": "error", "code", "message", "message_id"?}   refused; the socket stays open
    {"type": "error", "code": "rate_limited", "message_id", "retry_after"}
                                                          not taken: send it again later
    {"type": "pong"}

A retried ``message_id`` (the widget resends what was not acknowledged after a
reconnection) is answered with an ``ack`` and no second turn. A socket without a frame
for ``idle_timeout`` seconds (90; the widget pings every 25) is closed with 1001.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Annotated, Any, Literal

from fastapi import WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocketState

from bot.channels import SenderLimit, TranscriptEntry, UserMessage
from connectors.webchat.rate_limit import IDLE_CLOSE_CODE, refusal, retry_after
from connectors.webchat.relay import SESSION_ID, UNAVAILABLE, Frame, SessionRelay, new_session_id

__all__ = ["CHANNEL", "MAX_FRAME", "MAX_TEXT", "WS_PATH", "FrameError", "serve_socket"]

log = logging.getLogger(__name__)

CHANNEL = "webchat"
WS_PATH = "/webhooks/webchat/ws"
MAX_FRAME = 32_000
MAX_TEXT = 10_000
IDLE_TIMEOUT = 90.0


class Hello(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["hello"]
    session_id: str | None = Field(default=None, pattern=SESSION_ID.pattern)


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["message"]
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    message_id: str | None = Field(default=None, min_length=1, max_length=128)
    title: str | None = Field(default=None, max_length=MAX_TEXT)
    metadata: dict[str, Any] = Field(default_factory=dict)


class Ping(BaseModel):
    type: Literal["ping"]


ClientFrame = Annotated[Hello | Message | Ping, Field(discriminator="type")]
FRAMES: TypeAdapter[Hello | Message | Ping] = TypeAdapter(ClientFrame)
KNOWN_TYPES = ("hello", "message", "ping")


class FrameError(Exception):
    """A client frame the protocol refuses; ``code`` and ``message`` go in the error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Connection:
    """One socket: sends are serialised; live frames wait until the history is sent."""

    def __init__(
        self,
        websocket: WebSocket,
        limit: SenderLimit | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
    ) -> None:
        self.websocket = websocket
        self.limit = limit
        self.idle_timeout = idle_timeout
        self.origin = uuid.uuid4().hex
        self.opened = asyncio.Event()
        self._lock = asyncio.Lock()

    async def send(self, frame: Frame) -> None:
        """Send ``frame``; raises WebSocketDisconnect when the socket has gone."""
        async with self._lock:
            if self.websocket.application_state != WebSocketState.CONNECTED:
                raise WebSocketDisconnect(1006)
            await self.websocket.send_text(json.dumps(frame, ensure_ascii=False))

    async def offer(self, frame: Frame) -> bool:
        """Send ``frame`` if the socket is still open; False once it has gone (the
        tracker store is the record, so a turn goes on without its socket)."""
        try:
            await self.send(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            log.debug("socket %s closed; a frame was dropped", self.origin)
            return False
        return True

    async def forward(self, frame: Frame) -> None:
        """Send a frame from the fan-out once the session's history has been sent."""
        await self.opened.wait()
        await self.offer(frame)

    async def receive(self) -> Hello | Message | Ping:
        """The next valid frame; raises :class:`FrameError` for a bad one, and
        WebSocketDisconnect once the client has left or stayed silent too long."""
        try:
            async with asyncio.timeout(self.idle_timeout):
                event = await self.websocket.receive()
        except TimeoutError:
            await self.close(IDLE_CLOSE_CODE, "idle")
            raise WebSocketDisconnect(IDLE_CLOSE_CODE) from None
        if event["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(event.get("code", 1000))
        text = event.get("text")
        if text is None:
            raise FrameError("binary_frame", "frames must be JSON text")
        return parse_frame(text)

    async def close(self, code: int, reason: str) -> None:
        async with self._lock:
            if self.websocket.application_state == WebSocketState.CONNECTED:
                await self.websocket.close(code=code, reason=reason)

    async def refuse(self, error: FrameError, message_id: str | None = None) -> None:
        frame: Frame = {"type": "error", "code": error.code, "message": error.message}
        if message_id is not None:
            frame["message_id"] = message_id
        await self.send(frame)


def parse_frame(text: str) -> Hello | Message | Ping:
    """A client frame from its JSON text.

    Raises:
        FrameError: too large, not JSON, an unknown ``type``, or a malformed field.
    """
    if len(text) > MAX_FRAME:
        raise FrameError("frame_too_large", f"frames are limited to {MAX_FRAME} characters")
    try:
        data = json.loads(text)
    except ValueError:
        raise FrameError("invalid_json", "the frame is not valid JSON") from None
    except RecursionError:  # "[[[[...]]]]" thousands deep
        raise FrameError("invalid_json", "the frame nests too deeply") from None
    if not isinstance(data, dict):
        raise FrameError("invalid_frame", "a frame is a JSON object with a 'type'")
    if data.get("type") not in KNOWN_TYPES:
        known = ", ".join(KNOWN_TYPES)
        raise FrameError("unknown_type", f"unknown frame type {data.get('type')!r}; known: {known}")
    try:
        return FRAMES.validate_python(data)
    except ValidationError as exc:
        raise FrameError("invalid_frame", _describe(exc)) from None
    except RecursionError:
        raise FrameError("invalid_frame", "the frame nests too deeply") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"][1:]) or "frame"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


async def serve_socket(
    websocket: WebSocket,
    relay: SessionRelay,
    *,
    limit: SenderLimit | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
) -> None:
    """Run one widget socket until the client leaves (or stays silent ``idle_timeout``
    seconds); ``limit``: the server's per-sender limit on messages."""
    await websocket.accept()
    connection = Connection(websocket, limit, idle_timeout)
    try:
        session_id, signed = await _handshake(connection, relay)
        follower = relay.follower(session_id, connection.origin, connection.forward)
        await follower.start()
        try:
            history = await _history(connection, relay, session_id)
            await connection.send({"type": "session", "session_id": signed,
                                   "history": history})  # fmt: skip
            connection.opened.set()
            await _conversation(connection, relay, session_id)
        finally:
            await follower.stop()
    except WebSocketDisconnect:
        log.debug("web chat socket %s left", connection.origin)


async def _history(
    connection: Connection, relay: SessionRelay, session_id: str
) -> list[TranscriptEntry]:
    try:
        return await relay.history(session_id)
    except Exception:
        log.exception("no history for web chat session %s", session_id)
        await connection.refuse(FrameError("unavailable", UNAVAILABLE))
        await connection.websocket.close(code=1011)
        raise WebSocketDisconnect(1011) from None


async def _handshake(connection: Connection, relay: SessionRelay) -> tuple[str, str]:
    """``(conversation id, session id)`` of the session the client resumes or begins."""
    while True:
        try:
            frame = await connection.receive()
        except FrameError as error:
            await connection.refuse(error)
            continue
        if isinstance(frame, Hello):
            session_id = frame.session_id or new_session_id()
            return relay.ids.conversation(session_id), session_id
        if isinstance(frame, Ping):
            await connection.send({"type": "pong"})
            continue
        await connection.refuse(
            FrameError("no_session", "send a 'hello' frame first"), frame.message_id
        )


async def _conversation(connection: Connection, relay: SessionRelay, session_id: str) -> None:
    while True:
        try:
            frame = await connection.receive()
        except FrameError as error:
            await connection.refuse(error)
            continue
        if isinstance(frame, Ping):
            await connection.send({"type": "pong"})
        elif isinstance(frame, Hello):
            await connection.refuse(FrameError("session_started", "the session has started"))
        else:
            await _answer(connection, relay, session_id, frame)


async def _answer(
    connection: Connection, relay: SessionRelay, session_id: str, frame: Message
) -> None:
    seconds = await retry_after(connection.limit, f"webchat:{session_id}")
    if seconds:  # refused before the turn, without an ack: the widget sends it again
        refused: Frame = {"type": "error", **refusal(seconds), "message_id": frame.message_id}
        await connection.send(refused)
        return
    await connection.offer({"type": "typing"})
    message = UserMessage(
        text=frame.text,
        sender_id=session_id,
        input_channel=CHANNEL,
        metadata=frame.metadata,
        message_id=frame.message_id,
    )
    turn = await relay.turn(message, origin=connection.origin, title=frame.title)
    frames: list[Frame] = [{"type": "bot", "message": reply} for reply in turn.replies]
    frames.append({"type": "ack", "message_id": frame.message_id, "stored": turn.stored})
    for answer in frames:
        if not await connection.offer(answer):
            raise WebSocketDisconnect(1006)
