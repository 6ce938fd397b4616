"""A loopback TCP proxy for outage tests: put it between a store and its server, then
``cut()`` and ``restore()`` the line, as if the server went away and came back, without
touching the shared server itself.

    async with TcpProxy("127.0.0.1", 6379) as proxy:
        store = SomeStore(port=proxy.port)
        proxy.cut()        # open connections are reset, new ones refused
        await proxy.turned_away.wait()   # the store tried to reconnect
        proxy.restore()

``freeze()`` holds every byte without closing anything, like a network partition in
which the server neither answers nor resets; ``thaw()`` lets it through again.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["TcpProxy"]


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``host:port``; ``cut()`` drops every connection and
    turns new ones away until ``restore()``.

    ``turned_away`` is set whenever a connection is refused during a cut;
    ``connected`` whenever one reaches the server (clear it to await the next).
    """

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.accepting = True
        self.turned_away = asyncio.Event()
        self.connected = asyncio.Event()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._transports: set[asyncio.WriteTransport] = set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port: int = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        self.cut()
        await self._server.wait_closed()

    def cut(self) -> None:
        """Reset every open connection and refuse new ones."""
        self.accepting = False
        self.turned_away.clear()
        for transport in self._transports:
            transport.abort()
        self._transports.clear()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self.accepting = True

    def freeze(self) -> None:
        """Stop forwarding data, keeping every connection open and accepting new ones."""
        self._flowing.clear()

    def thaw(self) -> None:
        """Forward data again, including what was held."""
        self._flowing.set()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.accepting:
            writer.transport.abort()
            self.turned_away.set()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer.transport, upstream_writer.transport}
        self._transports |= pair
        self.connected.set()
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer),
                self._pipe(upstream_reader, writer),
                return_exceptions=True,
            )
        finally:
            self._transports -= pair

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            with contextlib.suppress(OSError):
                writer.transport.abort()
