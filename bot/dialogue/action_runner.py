"""Running one action: a built-in, a form, a response or a custom action over HTTP.

:class:`ActionRunner` turns an action name into the events it produces. A custom action
that refuses raises :class:`~bot.errors.ActionRejected` so the policies can choose
again; one that fails, times out or has no action server to run on gives the player an
apology and a follow-up handover instead of an error.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.dialogue.action_client import ActionClient
from bot.dialogue.builtin_actions import BUILTIN_ACTIONS, bot_uttered, non_text_reply, run_builtin
from bot.dialogue.domain import Domain
from bot.dialogue.events import BotUttered, Event, FollowupAction, SlotSet
from bot.dialogue.forms import run_form
from bot.dialogue.handoff import HANDOFF_ACTION
from bot.dialogue.responses import BotMessage, is_retrieval_action, render_response
from bot.dialogue.tracker import Tracker
from bot.errors import ActionRejected, ActionServerError

__all__ = ["ACTION_FAILED_RESPONSE", "ACTION_FAILED_TEXT", "ActionRunner"]

log = logging.getLogger(__name__)

ACTION_FAILED_RESPONSE = "utter_action_failed"
"""The domain's apology when an action fails; without it a Turkish bot says
:data:`ACTION_FAILED_TEXT` and a bot in another language says nothing it was not given."""
TURKISH = ("tr", "az")
ACTION_FAILED_TEXT = (
    "Üzgünüm, şu anda bu işlemi tamamlayamıyorum. Sizi bir müşteri temsilcimize "
    "aktarıyorum; konuyu sizin için inceleyecek."
)


class ActionRunner:
    """Runs actions for one domain; ``action_client`` None means no action server."""

    def __init__(
        self,
        domain: Domain,
        action_client: ActionClient | None,
        protocol_version: str,
        rng: random.Random,
        language: str = "tr",
    ) -> None:
        self.domain = domain
        self.action_client = action_client
        self.protocol_version = protocol_version
        self.rng = rng
        self.language = language

    def followup(self, events: Sequence[Event]) -> str | None:
        """The action ``events`` ask to run next, if it is one the bot knows."""
        names = [e.name for e in events if isinstance(e, FollowupAction)]
        if not names:
            return None
        if not self.domain.knows_action(names[-1]) and names[-1] not in BUILTIN_ACTIONS:
            log.warning("an action asked to follow up with unknown action %r; ignored", names[-1])
            return None
        return names[-1]

    async def execute(self, name: str, tracker: Tracker, channel: str | None) -> list[Event]:
        """The events of action ``name``; ActionRejected if it refuses to run."""
        if name in BUILTIN_ACTIONS:
            return run_builtin(name, tracker, self.domain, self._renderer(channel))
        if name in self.domain.forms:
            form = self.domain.forms[name]
            return await run_form(form, tracker, self.domain, self._runner(channel))
        if name in self.domain.responses or is_retrieval_action(name, self.domain):
            # A retrieval action (utter_faq) says what ResponseSelector chose, or nothing.
            message = render_response(name, self.domain, tracker, channel=channel, rng=self.rng)
            return [] if message is None else [bot_uttered(message, message.get("response", name))]
        return await self._remote(name, tracker, channel)

    def non_text(self, tracker: Tracker, channel: str | None) -> list[Event]:
        """The built-in answer to a message without text."""
        return non_text_reply(tracker, self._renderer(channel))

    def apology(self, tracker: Tracker, channel: str | None = None) -> list[Event]:
        """What the player is told when something failed (see :data:`ACTION_FAILED_RESPONSE`)."""
        if ACTION_FAILED_RESPONSE in self.domain.responses:
            message = render_response(ACTION_FAILED_RESPONSE, self.domain, tracker, channel=channel)
            return [] if message is None else [bot_uttered(message, ACTION_FAILED_RESPONSE)]
        if self.language.lower()[:2] in TURKISH:
            return [bot_uttered({"text": ACTION_FAILED_TEXT})]
        return []

    def failure(self, reason: str, tracker: Tracker) -> list[Event]:
        """An action could not run: apologise and hand over."""
        events: list[Event] = self.apology(tracker)
        if "handoff_reason" in self.domain.slots:
            events.append(SlotSet("handoff_reason", reason))
        return [*events, FollowupAction(HANDOFF_ACTION)]

    def _renderer(self, channel: str | None) -> Callable[[str, Tracker], BotMessage | None]:
        def render(name: str, tracker: Tracker) -> BotMessage | None:
            return render_response(name, self.domain, tracker, channel=channel, rng=self.rng)

        return render

    def _runner(self, channel: str | None) -> Callable[[str, Tracker], Awaitable[list[Event]]]:
        async def run(name: str, tracker: Tracker) -> list[Event]:
            return await self.execute(name, tracker, channel)

        return run

    async def _remote(self, name: str, tracker: Tracker, channel: str | None) -> list[Event]:
        if self.action_client is None:
            log.error("action %r needs an action server, and endpoints.yml names none", name)
            return self.failure("action_failed", tracker)
        try:
            result = await self.action_client.run(name, tracker, self.domain, self.protocol_version)
        except ActionRejected:
            raise
        except ActionServerError as exc:
            log.error("conversation %s: action %r failed: %s", tracker.sender_id, name, exc)
            return self.failure("action_failed", tracker)
        for problem in result.problems:
            log.warning("action %r returned a malformed event, dropped: %s", name, problem)
        messages = [self._remote_message(m, tracker, channel) for m in result.responses]
        return [*(m for m in messages if m is not None), *result.events]

    def _remote_message(
        self, message: Mapping[str, Any], tracker: Tracker, channel: str | None
    ) -> BotUttered | None:
        template = message.get("response") or message.get("template")
        if isinstance(template, str) and template:
            extra = {k: v for k, v in message.items() if k not in ("response", "template")}
            rendered = render_response(
                template, self.domain, tracker, channel=channel, rng=self.rng, extra=extra
            )
            if rendered is None:
                log.warning("an action asked for response %r, which the domain lacks", template)
                return None
            return bot_uttered(rendered, template)
        return bot_uttered(message)
