"""A web-chat session id is the browser's secret; the conversation's id is derived from it.

The browser keeps its session id (the widget's: 32 random hex digits the server made;
a socket.io client's: its own, as in Rasa) and presents it to resume the session. The
conversation is stored under a keyed hash of it, never under the session id itself, so
the ids the console, the logs and the tracker API show do not open the session: only
the browser that holds its session id can read or write it. The key is the channel's
secret (:attr:`bot.channels.ChannelContext.secret`): the same in every worker and after
a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

__all__ = ["SessionIds"]


class SessionIds:
    """Makes session ids and gives each its conversation's id."""

    __slots__ = ("_key",)

    def __init__(self, secret: str) -> None:
        # Without a secret (a channel built outside a server) the key is random: a
        # session then lasts as long as the process.
        self._key = (secret or uuid.uuid4().hex).encode()

    @staticmethod
    def new() -> str:
        return uuid.uuid4().hex

    def conversation(self, session_id: str) -> str:
        """The id the session's conversation is stored under (32 hex digits)."""
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()[:32]
