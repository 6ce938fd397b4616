"""Rasa's socket.io channel, so a page that embeds rasa-webchat connects unchanged.

The client emits ``session_request {"session_id"}`` and gets ``session_confirm`` with the
id (a new one when it sent none); it emits ``user_uttered {"message", "session_id",
"customData"}`` (the event names are Rasa's options) and gets one ``bot_uttered`` per
part of each answer, in Rasa's shapes: ``{"text"}``, ``{"text", "quick_replies":
[{"content_type": "text", "title", "payload"}]}``, ``{"attachment": {"type": "image",
"payload": {"src"}}}``... As in Rasa, the conversation is the socket's own unless
``session_persistence`` is set, when it is the ``session_id`` of the message (8 to 128
letters, digits and ``_.:-`` with at least one letter; another gets a new id).

The message's metadata is its ``metadata_key`` field (a JSON string is read too);
rasa-webchat's ``customData`` is kept under ``customData``, where the engine finds the
signed player token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import socketio

from bot.channels import BotMessage, SenderLimit, UserMessage
from connectors.webchat.options import WebChatOptions
from connectors.webchat.rate_limit import (
    ENGINEIO_PING_INTERVAL,
    ENGINEIO_PING_TIMEOUT,
    refusal,
    retry_after,
)
from connectors.webchat.relay import (
    RASA_SESSION_ID,
    Follower,
    Frame,
    SessionRelay,
    new_session_id,
    topic,
)
from connectors.webchat.websocket import MAX_TEXT, FrameError

__all__ = ["CHANNEL", "SocketIOServer", "rasa_messages"]

log = logging.getLogger(__name__)

CHANNEL = "socketio"
ERROR_EVENT = "destek_error"


class SocketIOServer:
    """The socket.io server; :meth:`asgi_app` is mounted at the ``socketio_path``."""

    def __init__(self, relay: SessionRelay, options: WebChatOptions) -> None:
        self.relay = relay
        self.options = options
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=options.cors_allowed_origins,
            ping_interval=ENGINEIO_PING_INTERVAL,  # half-open clients go after 45 s
            ping_timeout=ENGINEIO_PING_TIMEOUT,
        )
        # The server's per-sender limit, once the channel is installed.
        self.sender_limit: Callable[[], SenderLimit | None] = lambda: None
        self._followers: dict[str, Follower] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        namespace = options.namespace or "/"
        self.sio.on("connect", self._connect, namespace=namespace)
        self.sio.on("disconnect", self._disconnect, namespace=namespace)
        self.sio.on("session_request", self._session_request, namespace=namespace)
        self.sio.on(options.user_message_evt, self._user_uttered, namespace=namespace)
        self._namespace = namespace

    def asgi_app(self) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.sio, socketio_path=None)

    async def stop(self) -> None:
        for sid in list(self._followers):
            await self._unfollow(sid)
        await self.sio.shutdown()

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        self._locks[sid] = asyncio.Lock()
        if not self.options.session_persistence:
            await self._follow(sid, sid)

    async def _disconnect(self, sid: str, reason: Any = None) -> None:
        await self._unfollow(sid)
        self._locks.pop(sid, None)

    async def _session_request(self, sid: str, data: Any = None) -> None:
        requested = data.get("session_id") if isinstance(data, dict) else None
        valid = isinstance(requested, str) and RASA_SESSION_ID.match(requested)
        session_id = requested if valid and isinstance(requested, str) else new_session_id()
        if self.options.session_persistence:
            await self._follow(sid, self.relay.ids.conversation(session_id))
        await self.sio.emit("session_confirm", session_id, to=sid, namespace=self._namespace)

    async def _user_uttered(self, sid: str, data: Any = None) -> None:
        try:
            message = self._user_message(sid, data)
        except FrameError as error:
            log.info("socket.io message refused (%s): %s", error.code, error.message)
            await self.sio.emit(ERROR_EVENT, {"code": error.code, "message": error.message},
                                to=sid, namespace=self._namespace)  # fmt: skip
            return
        seconds = await retry_after(self.sender_limit(), f"webchat:{message.sender_id}")
        if seconds:  # not taken: the client may send it again after `retry_after`
            await self.sio.emit(ERROR_EVENT, refusal(seconds), to=sid, namespace=self._namespace)
            return
        # Replies go out under the socket's lock too: a message sent right after this one
        # must not have its answer emitted between this answer's parts.
        async with self._locks.setdefault(sid, asyncio.Lock()):
            turn = await self.relay.turn(message, origin=sid)
            for reply in turn.replies:
                for part in rasa_messages(reply):
                    await self._emit_bot(sid, part)

    def _user_message(self, sid: str, data: Any) -> UserMessage:
        """The player's message of a ``user_uttered`` event; raises :class:`FrameError`."""
        if not isinstance(data, dict):
            event = self.options.user_message_evt
            raise FrameError("invalid_message", f"{event} carries an object")
        text = data.get("message", "")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise FrameError("invalid_message", f"'message' is a text of at most {MAX_TEXT}")
        sender_id = sid
        if self.options.session_persistence:
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not RASA_SESSION_ID.match(session_id):
                raise FrameError("no_session", "send the session_id of session_confirm")
            sender_id = self.relay.ids.conversation(session_id)
        metadata = self._metadata(data)
        return UserMessage(text=text, sender_id=sender_id, input_channel=CHANNEL,
                           metadata=metadata)  # fmt: skip

    def _metadata(self, data: dict[str, Any]) -> dict[str, Any]:
        raw = data.get(self.options.metadata_key)
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                log.warning("socket.io message metadata is not JSON; ignored")
        metadata = dict(raw) if isinstance(raw, dict) else {}
        custom = data.get("customData")
        if isinstance(custom, dict):
            metadata.setdefault("customData", custom)
        return metadata

    async def _emit_bot(self, sid: str, message: Any) -> None:
        await self.sio.emit(self.options.bot_message_evt, message, to=sid,
                            namespace=self._namespace)  # fmt: skip

    async def _follow(self, sid: str, session_id: str) -> None:
        current = self._followers.get(sid)
        if current is not None and current.topic == topic(session_id):
            return
        await self._unfollow(sid)

        async def deliver(frame: Frame) -> None:
            message = frame.get("message")
            if frame.get("type") in ("bot", "agent") and isinstance(message, dict):
                for part in rasa_messages(message):
                    await self._emit_bot(sid, part)

        follower = self.relay.follower(session_id, sid, deliver)
        self._followers[sid] = follower
        await follower.start()

    async def _unfollow(self, sid: str) -> None:
        follower = self._followers.pop(sid, None)
        if follower is not None:
            await follower.stop()


def rasa_messages(message: BotMessage) -> list[Any]:
    """What Rasa's socket.io channel emits for one bot message, in its order."""
    parts: list[Any] = []
    text = message.get("text")
    buttons = message.get("buttons") or message.get("quick_replies")
    if buttons:
        chunks = _paragraphs(text) or [""]
        parts += [{"text": chunk} for chunk in chunks[:-1]]
        quick = [
            {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
            for b in buttons
            if isinstance(b, dict)
        ]
        parts.append({"text": chunks[-1], "quick_replies": quick})
    elif text:
        parts += [{"text": chunk} for chunk in _paragraphs(text)]
    custom = message.get("custom")
    if custom:
        parts.append(custom.get("data", custom) if isinstance(custom, dict) else custom)
    if message.get("image"):
        parts.append({"attachment": {"type": "image", "payload": {"src": message["image"]}}})
    if message.get("attachment"):
        parts.append({"attachment": message["attachment"]})
    for element in message.get("elements") or ():
        payload = {"template_type": "generic", "elements": element}
        parts.append({"attachment": {"type": "template", "payload": payload}})
    return parts


def _paragraphs(text: Any) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return []
    return [part for part in text.strip().split("\n\n") if part]
