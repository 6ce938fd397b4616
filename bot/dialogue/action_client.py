"""Running a custom action on the action server: Rasa's ``RemoteAction`` over httpx.

:meth:`ActionClient.run` POSTs Rasa's request body (``next_action``, ``sender_id``,
``tracker`` with every event, ``domain``, ``version``) and reads the answer:

- 200: the events, parsed, and the responses as the server sent them. Malformed events
  are dropped and described in :attr:`ActionResult.problems`, as Rasa logs and drops them.
- 400 ``{"action_name", "error"}``: the action rejected itself; :class:`ActionRejected`
  lets the engine ask the policies again.
- 404, any other status, a timeout or an unreachable server: :class:`ActionServerError`.

The action server may ask for a shared secret: :attr:`ActionClient.secret` goes in the
header ``X-Destek-Action-Token`` (what ``bot run actions`` checks); endpoints.yml's
``token`` still goes in the query, as Rasa sends it.

Error messages are for the logs: they name the action, the URL and the cause, never the
response body, and never the token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import ServiceConfig
from bot.dialogue.action_http import Poster, PostFailed, PostTimedOut, post
from bot.dialogue.domain import Domain
from bot.dialogue.event_reader import parse_events
from bot.dialogue.events import Event
from bot.dialogue.tracker import Tracker
from bot.errors import ActionRejected, ActionServerError, ConfigError
from bot.yaml_io import kind_of

__all__ = ["ACTION_TOKEN_HEADER", "ActionClient", "ActionResult"]

logger = logging.getLogger(__name__)

ACTION_TOKEN_HEADER = "X-Destek-Action-Token"


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action answered: events to apply, responses to send, events dropped."""

    events: tuple[Event, ...]
    responses: tuple[Mapping[str, Any], ...]
    problems: tuple[str, ...] = ()


class ActionClient:
    """Calls one action server; ``http`` is shared and owned by the caller.

    Args:
        url: the webhook URL (``action_endpoint.url`` in endpoints.yml).
        http: the client used for every call: the server's
            :class:`~bot.dialogue.action_http.AiohttpPoster`, or an ``httpx.AsyncClient``
            (tests swap its transport).
        timeout: seconds an action may take, connecting included.
        token: sent as the ``token_name`` query parameter when set, as Rasa does.
        secret: sent in the ``X-Destek-Action-Token`` header when set.
    """

    __slots__ = ("http", "secret", "timeout", "token", "token_name", "url")

    def __init__(
        self,
        url: str,
        http: Poster,
        timeout: float = 10.0,
        token: str | None = None,
        token_name: str = "token",
        secret: str | None = None,
    ) -> None:
        self.url = url
        self.http = http
        self.timeout = timeout
        self.token = token
        self.token_name = token_name
        self.secret = secret

    @classmethod
    def from_endpoint(
        cls,
        endpoint: ServiceConfig,
        http: Poster,
        timeout: float = 10.0,
        secret: str | None = None,
    ) -> ActionClient:
        """A client for endpoints.yml's ``action_endpoint`` (``url``, ``token``, ``token_name``)
        that also sends ``secret`` (``DESTEK_ACTION_TOKEN``) in its header.

        Raises:
            ConfigError: the section has no ``url``, or a token that is not text.
        """
        if endpoint.url is None:
            raise ConfigError(f"{endpoint.source}: {endpoint.name} needs a url")
        token = endpoint.options.get("token")
        token_name = endpoint.options.get("token_name", "token")
        if token is not None and not isinstance(token, str | int):
            raise ConfigError(f"{endpoint.source}: token must be text, found {kind_of(token)}")
        if not isinstance(token_name, str):
            raise ConfigError(
                f"{endpoint.source}: token_name must be text, found {kind_of(token_name)}"
            )
        token = None if token is None else str(token)
        return cls(endpoint.url, http, timeout, token, token_name, secret)

    async def run(self, name: str, tracker: Tracker, domain: Domain, version: str) -> ActionResult:
        """Run the action ``name`` on ``tracker``.

        Raises:
            ActionRejected: the action refused to run (HTTP 400).
            ActionServerError: the action is unknown, the server failed, timed out, could
                not be reached, or answered something that is not Rasa's reply.
        """
        body = {
            "next_action": name,
            "sender_id": tracker.sender_id,
            "tracker": tracker.as_dict(),
            "domain": domain.as_dict(),
            "version": version,
        }
        status, content = await self._post(name, body)
        if status == 200:
            return self._result(name, content)
        if status == 400:
            raise self._rejection(name, content)
        if status == 404:
            raise ActionServerError(f"action {name!r} is not known to the action server")
        if status in (401, 403):
            raise ActionServerError(
                f"the action server at {self.url} refused the engine (HTTP "
                f"{status}) for {name!r}: set DESTEK_ACTION_TOKEN to its secret"
            )
        raise ActionServerError(
            f"the action server at {self.url} answered HTTP {status} for {name!r}"
        )

    async def _post(self, name: str, body: dict[str, Any]) -> tuple[int, bytes]:
        params = {} if self.token is None else {self.token_name: self.token}
        headers = {} if self.secret is None else {ACTION_TOKEN_HEADER: self.secret}
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            return await post(self.http, self.url, content, params, headers, self.timeout)
        except PostTimedOut:
            raise ActionServerError(
                f"the action server at {self.url} did not answer within "
                f"{self.timeout:g}s for {name!r}"
            ) from None
        except PostFailed as exc:
            raise ActionServerError(
                f"cannot reach the action server at {self.url} for {name!r}: {exc}"
            ) from exc

    def _result(self, name: str, content: bytes) -> ActionResult:
        malformed = ActionServerError(f"action server answered malformed JSON for {name!r}")
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise malformed from None
        if not isinstance(data, Mapping):
            raise malformed
        # Rasa reads a missing "events" or "responses" as empty; a wrong type is an error.
        raw_events, raw_responses = data.get("events", []), data.get("responses", [])
        if not isinstance(raw_events, list) or not isinstance(raw_responses, list):
            raise malformed
        events, problems = parse_events(raw_events)
        responses: list[Mapping[str, Any]] = []
        for index, item in enumerate(raw_responses):
            if isinstance(item, Mapping):
                responses.append(dict(item))
            else:
                problems.append(
                    f"responses[{index}]: a response must be a mapping, found {type(item).__name__}"
                )
        for problem in problems:
            logger.warning("action %r: dropped %s", name, problem)
        return ActionResult(tuple(events), tuple(responses), tuple(problems))

    def _rejection(self, name: str, content: bytes) -> ActionServerError:
        try:
            data = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, Mapping) or not isinstance(data.get("action_name"), str):
            return ActionServerError(
                f"the action server at {self.url} answered HTTP 400 for {name!r} "
                "without naming the rejected action"
            )
        error = data.get("error")
        return ActionRejected(data["action_name"], error if isinstance(error, str) else None)
