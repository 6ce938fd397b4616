"""PostgreSQL commits an append, and the connection dies before its answer arrives (a
restart at that instant): the store tries again, and must not store the turn twice."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import make_url

from bot.store.sql import SQLTrackerStore

pytestmark = pytest.mark.anyio

FIRST = [{"event": "user", "timestamp": 1.0, "text": "merhaba", "message_id": "m1"}]
TURN = [
    {"event": "user", "timestamp": 2.0, "text": "çekimim gelmedi", "message_id": "m2"},
    {"event": "bot", "timestamp": 2.0, "text": "Hemen bakıyorum."},
    {"event": "action", "timestamp": 2.0, "name": "action_listen"},
]


class AnswerDropper:
    """A loopback proxy to PostgreSQL that, once ``armed``, forwards the next request
    but swallows its answer and closes the connection: the server has done the work,
    the client only sees the line go dead."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.armed = False
        self.dropped = 0

    async def __aenter__(self) -> AnswerDropper:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port: int = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)

        async def pump(
            source: asyncio.StreamReader, sink: asyncio.StreamWriter, back: bool
        ) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    if back and self.armed:
                        self.armed = False
                        self.dropped += 1
                        break
                    sink.write(data)
                    await sink.drain()
            for end in (writer, upstream_writer):
                end.close()

        await asyncio.gather(
            pump(reader, upstream_writer, back=False),
            pump(upstream_reader, writer, back=True),
        )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_an_append_whose_answer_was_lost_is_stored_once(postgres_url: str) -> None:
    url = make_url(postgres_url)
    async with AnswerDropper(url.host or "127.0.0.1", url.port or 5432) as proxy:
        proxied = url.set(host="127.0.0.1", port=proxy.port)
        store = SQLTrackerStore(proxied.render_as_string(hide_password=False), backoff=0.01)
        try:
            await store.append("p", FIRST)  # opens the store and migrates the schema
            proxy.armed = True
            await store.append("p", TURN)
            assert proxy.dropped == 1
            assert await store.load("p") == [*FIRST, *TURN]
        finally:
            await store.close()
