"""A fake Telegram Bot API on loopback, for the real python-telegram-bot to talk to.

It serves ``/bot<TOKEN>/<method>`` with the Bot API's JSON shapes (``{"ok": true,
"result": ...}``, whole Message objects for the send methods), records every call with
its decoded parameters, hands out the updates a test feeds through ``getUpdates``, and
can be told to fail a method's next calls (a 429 with ``retry_after``, a 5xx).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.live_server import LiveServer

__all__ = ["BOT_ID", "BOT_USERNAME", "TOKEN", "Call", "FakeTelegram"]

TOKEN = "123456:TEST-token_for-the-fake"
BOT_ID = 123456
BOT_USERNAME = "destek_test_bot"
MAX_LONG_POLL = 2.0
"""The fake holds getUpdates open at most this long, whatever timeout is asked."""
# Parameters the library sends as plain strings; the others are JSON-encoded.
_STRINGS = {"text", "caption", "url", "secret_token", "callback_query_id", "photo", "parse_mode"}
_TRUE_METHODS = {"answerCallbackQuery", "setWebhook", "deleteWebhook"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


class FakeTelegram:
    """``with FakeTelegram() as fake:`` serves the fake Bot API at ``fake.base_url``."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "Destek",
                         "username": username}  # fmt: skip
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._changed = threading.Condition()
        self._message_ids = itertools.count(1)
        self._server = LiveServer(self._app())

    def __enter__(self) -> FakeTelegram:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # ---- what a test does ------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue ``update`` for getUpdates."""
        with self._changed:
            self._updates.append(update)

    def fail_next(
        self, method: str, status: int = 429, *, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error ``status``."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": _reason(status)}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
            body["description"] += f": retry after {retry_after}"
        with self._changed:
            self._failures.setdefault(method, []).extend([(status, body)] * times)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self._changed:
            return [call.params for call in self.calls if call.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 15.0,
        where: Callable[[dict[str, Any]], bool] = lambda params: True,
    ) -> list[dict[str, Any]]:
        """The calls of ``method`` matching ``where``, once there are ``count`` of them.

        Raises:
            AssertionError: fewer arrived within ``timeout`` seconds.
        """

        def matching() -> list[dict[str, Any]]:
            return [c.params for c in self.calls if c.method == method and where(c.params)]

        with self._changed:
            if not self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                seen = [call.method for call in self.calls]
                raise AssertionError(f"{count} {method} call(s) expected; calls: {seen}")
            return matching()

    # ---- the Bot API ---------------------------------------------------------------------

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def api(token: str, method: str, request: Request) -> JSONResponse:
            if token != self.token:
                return _error(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            params = await _params(request)
            with self._changed:
                self.calls.append(Call(method, params))
                self._changed.notify_all()
                failures = self._failures.get(method)
                failure = failures.pop(0) if failures else None
            if failure is not None:
                return _error(*failure)
            if method == "getUpdates":
                return _ok(await self._updates_after(params, request))
            result = self._result(method, params)
            if result is None:
                return _error(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return _ok(result)

        return app

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method in _TRUE_METHODS:
            return True
        if method.startswith("send"):
            return self._message(method, params)
        return None

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": self.bot_user,
        }
        if method == "sendMessage":
            message["text"] = params["text"]
        if method == "sendPhoto":
            message["photo"] = [{"file_id": "photo-1", "file_unique_id": "p1", "width": 640,
                                 "height": 480}]  # fmt: skip
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _updates_after(self, params: dict[str, Any], request: Request) -> list[Any]:
        """Updates from ``offset`` on, waiting up to the long-poll timeout for one."""
        offset = int(params.get("offset") or 0)
        with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_LONG_POLL)
        while True:
            with self._changed:
                if self._updates:
                    return list(self._updates)
            if time.monotonic() >= deadline or await request.is_disconnected():
                return []
            await asyncio.sleep(0.02)  # the server's own long-poll wait, not a test's


def _ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


def _error(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _reason(status: int) -> str:
    return {429: "Too Many Requests", 400: "Bad Request: chat not found", 403: "Forbidden"}.get(
        status, "Internal Server Error"
    )


async def _params(request: Request) -> dict[str, Any]:
    """The call's parameters (form-encoded, as the library sends them without files),
    JSON-encoded ones decoded as the Bot API does."""
    body = (await request.body()).decode("utf-8")
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        params[key] = value if key in _STRINGS else _json_or_text(value)
    return params


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
