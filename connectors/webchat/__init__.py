"""The web chat: an embeddable widget on its own websocket, and Rasa's socket.io channel."""

from __future__ import annotations

from connectors.webchat.channel import WebChatChannel

__all__ = ["WebChatChannel"]
