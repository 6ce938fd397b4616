"""BackendClient keeps its connections to the backend between actions, and never reuses
a client across event loops or a connection the backend has dropped."""

from __future__ import annotations

import asyncio

from actions.backend import API_PREFIX
from actions.backend_client import BackendClient, BackendSettings
from tests.actions.conftest import API_TOKEN, Backend


def settings_for(backend: Backend) -> BackendSettings:
    return BackendSettings(url=backend.url + API_PREFIX, token=API_TOKEN, timeout=5.0)


def test_actions_in_one_loop_share_one_client_that_outlives_each_action(
    backend: Backend,
) -> None:
    settings = settings_for(backend)

    async def two_actions() -> tuple[int | None, int | None, bool]:
        async with BackendClient(settings) as first:
            one = await first.lookup_player("username", "ahmet_yilmaz")
        async with BackendClient(settings) as second:
            two = await second.lookup_player("username", "ahmet_yilmaz")
        return one, two, first._http is second._http and not second._http.is_closed

    one, two, shared = asyncio.run(two_actions())
    assert one is not None and one == two
    assert shared


def test_a_new_event_loop_gets_a_client_of_its_own(backend: Backend) -> None:
    settings = settings_for(backend)

    async def lookup() -> tuple[int | None, object]:
        async with BackendClient(settings) as client:
            return await client.lookup_player("username", "zeynep.kaya"), client._http

    first_id, first_http = asyncio.run(lookup())
    second_id, second_http = asyncio.run(lookup())  # the first loop is closed by now
    assert first_id is not None and first_id == second_id
    assert first_http is not second_http


def test_other_settings_get_another_client(backend: Backend) -> None:
    settings = settings_for(backend)
    other = BackendSettings(url=settings.url, token="another-token", timeout=5.0)

    async def both() -> bool:
        return BackendClient(settings)._http is not BackendClient(other)._http

    assert asyncio.run(both())


def test_outside_a_loop_the_client_is_its_own_and_closed_after_use(backend: Backend) -> None:
    client = BackendClient(settings_for(backend))

    async def use() -> int | None:
        async with client:
            return await client.lookup_player("username", "ahmet_yilmaz")

    assert asyncio.run(use()) is not None
    assert client._http.is_closed


def test_a_connection_the_backend_dropped_between_actions_is_not_reused() -> None:
    """A backend that closes an idle keep-alive connection (a restart, an idle timeout)
    without saying so: the next action opens a new connection instead of failing."""
    body = b'{"id": 7}'
    answer = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    connections: list[int] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()  # keep-alive promised (HTTP/1.1, no "Connection: close"), then dropped

    async def two_actions() -> list[int | None]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        settings = BackendSettings(url=f"http://127.0.0.1:{port}", token="t", timeout=5.0)
        found = []
        async with server:
            for _ in range(2):
                async with BackendClient(settings) as client:
                    found.append(await client.lookup_player("username", "ahmet"))
                await asyncio.sleep(0.05)  # the server's close reaches the client
        return found

    assert asyncio.run(two_actions()) == [7, 7]
    assert len(connections) == 2
