"""``/console/ws``: the console's live view, one socket per open page.

The cookie of the console's session signs the socket in. The socket follows the
queue's topic and the agent's own from the start (a supervisor's also the SLA alerts;
``hello`` says they are followed), and the conversations the page asks for with
``watch`` frames (its chats and the open one; ``watching`` says they are followed), if
the agent may see them. What arrives on those topics goes to the page as typed
:class:`SocketFrame`s; the pages fetch the details they need over the API. A content
editor, who takes no chats, follows nothing.

The socket closes with 4401 once its session ends (logout on any worker, the agent
disabled, the shift's end): it checks every ``sessions.socket_check`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from bot.errors import StoreError
from bot.handover.agent_actions import SUPERVISOR_ROLES
from bot.handover.agents import CHAT_ROLES
from bot.handover.topics import QUEUE_TOPIC, SUPERVISOR_TOPIC, agent_topic, conversation_topic
from bot.server.console.floor import ConsoleProblem, Floor
from bot.server.console.history import history_items
from bot.server.console.schemas import SocketFrame, WatchFrame
from bot.server.console.sessions import Session
from bot.store.queue_base import Agent

__all__ = ["socket_router"]

log = logging.getLogger(__name__)
socket_router = APIRouter()
NOT_SIGNED_IN, OTHER_ORIGIN, NO_CONSOLE = 4401, 4403, 4404
Translate = Callable[[Mapping[str, Any]], SocketFrame]


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on a socket; one from another site is refused."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host")


@socket_router.websocket("/console/ws")
async def console_socket(websocket: WebSocket) -> None:
    floor: Floor | None = getattr(websocket.app.state, "console_floor", None)
    if floor is None:
        await websocket.close(NO_CONSOLE)
        return
    if not _same_origin(websocket):
        await websocket.close(OTHER_ORIGIN)
        return
    found = await floor.sessions.current(websocket)
    await websocket.accept()
    if found is None:  # accepted first, so the page reads why and shows the sign-in
        await websocket.close(NOT_SIGNED_IN)
        return
    agent, session = found
    await ConsoleSocket(websocket, floor, agent, session).run()


def _queue_frame(message: Mapping[str, Any]) -> SocketFrame:
    sender_id = message.get("sender_id")
    kind = str(message.get("type"))
    return SocketFrame(type="queue", kind=kind, sender_id=sender_id if sender_id else None)


def _assigned_frame(message: Mapping[str, Any]) -> SocketFrame:
    return SocketFrame(type="assigned", sender_id=str(message.get("sender_id")))


def _conversation_frame(sender_id: str) -> Translate:
    def frame(message: Mapping[str, Any]) -> SocketFrame:
        events = message.get("events")
        items = history_items(events) if isinstance(events, list) else []
        kind = str(message.get("type"))
        return SocketFrame(type="conversation", kind=kind, sender_id=sender_id, items=items)

    return frame


class ConsoleSocket:
    def __init__(
        self, websocket: WebSocket, floor: Floor, agent: Agent, session: Session | None = None
    ) -> None:
        self.websocket = websocket
        self.floor = floor
        self.agent = agent
        self.session = session
        self.outbox: asyncio.Queue[SocketFrame] = asyncio.Queue()
        self.watched: dict[str, asyncio.Task[None]] = {}

    async def run(self) -> None:
        fixed = []
        if self.agent.role in CHAT_ROLES:
            fixed += [
                await self._follow(QUEUE_TOPIC, _queue_frame),
                await self._follow(agent_topic(self.agent.id), _assigned_frame),
            ]
        if self.agent.role in SUPERVISOR_ROLES:  # chats waiting past their SLA
            fixed.append(await self._follow(SUPERVISOR_TOPIC, _queue_frame))
        if self.session is not None:
            fixed.append(asyncio.create_task(self._end_with_session(self.session)))
        writer = asyncio.create_task(self._write())
        await self.outbox.put(SocketFrame(type="hello"))
        try:
            await self._read()
        finally:
            for task in [*fixed, *self.watched.values(), writer]:
                task.cancel()
            for task in [*fixed, *self.watched.values(), writer]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _read(self) -> None:
        while True:
            try:
                text = await self.websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            try:
                watch = WatchFrame.model_validate_json(text)
            except ValidationError:
                continue  # a frame the console does not know is ignored
            await self._watch(set(watch.sender_ids))

    async def _end_with_session(self, session: Session) -> None:
        """Close with 4401 once the session has ended (the page shows the sign-in)."""
        sessions = self.floor.sessions
        while True:
            try:
                if await sessions.still_valid(session) is None:
                    break
            except StoreError:  # the store is down: ask again, the page keeps working
                log.info("console socket: the session could not be checked; retrying")
            await asyncio.sleep(sessions.socket_check)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await self.websocket.close(NOT_SIGNED_IN)

    async def _watch(self, wanted: set[str]) -> None:
        if self.agent.role not in CHAT_ROLES:
            await self.outbox.put(SocketFrame(type="watching"))
            return
        for sender_id in set(self.watched) - wanted:
            self.watched.pop(sender_id).cancel()
        for sender_id in wanted - set(self.watched):
            try:
                await self.floor.visible_entry(self.agent, sender_id)
            except ConsoleProblem:
                continue
            topic = conversation_topic(sender_id)
            self.watched[sender_id] = await self._follow(topic, _conversation_frame(sender_id))
        await self.outbox.put(SocketFrame(type="watching"))

    async def _follow(self, topic: str, translate: Translate) -> asyncio.Task[None]:
        """Subscribe to ``topic`` and return once subscribed (or once that failed)."""
        ready = asyncio.Event()

        async def relay() -> None:
            try:
                async with self.floor.queue.fanout.subscribe(topic) as messages:
                    ready.set()
                    async for message in messages:
                        await self.outbox.put(translate(message))
            finally:
                ready.set()

        task = asyncio.create_task(relay())
        await ready.wait()
        return task

    async def _write(self) -> None:
        while True:
            frame = await self.outbox.get()
            try:
                await self.websocket.send_text(frame.model_dump_json())
            except (WebSocketDisconnect, RuntimeError):
                return
