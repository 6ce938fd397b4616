"""Which connector serves each channel name of credentials.yml.

Names are Rasa's where Rasa has the channel (``rest``, ``callback``, ``socketio``,
``telegram``); ``webchat`` is Destek's widget, which speaks socket.io too, so
``socketio`` and ``webchat`` build one channel whose options are ``webchat``'s over
``socketio``'s. Connectors are imported only when named.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.channels import ChannelFactory
from bot.config import read_credentials
from bot.errors import ConfigError

__all__ = ["CHANNELS", "DEFAULT_CHANNELS", "channel_factory", "configured_channels"]

CHANNELS: dict[str, str] = {
    "rest": "connectors.rest:RestChannel",
    "callback": "connectors.callback:CallbackChannel",
    "webchat": "connectors.webchat:WebChatChannel",
    "telegram": "connectors.telegram:TelegramChannel",
    "whatsapp": "connectors.whatsapp:WhatsAppChannel",
}
ALIASES = {"socketio": "webchat"}
DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {"rest": {}, "webchat": {}}
"""Served when there is no credentials.yml."""


def configured_channels(path: Path, env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Channel name to its options, from credentials.yml (the defaults without one).

    Raises:
        ConfigError: a channel Destek does not have, or a malformed file.
    """
    if not path.exists():
        return {name: dict(options) for name, options in DEFAULT_CHANNELS.items()}
    channels: dict[str, dict[str, Any]] = {}
    sections = read_credentials(path, env)
    unknown = [name for name in sections if name not in CHANNELS and name not in ALIASES]
    if unknown:
        known = ", ".join(sorted([*CHANNELS, *ALIASES]))
        raise ConfigError(f"{path}: unknown channel {', '.join(unknown)}; known: {known}")
    # Aliases first, so the channel's own section wins where both set a key.
    for name in sorted(sections, key=lambda n: n not in ALIASES):
        target = ALIASES.get(name, name)
        channels.setdefault(target, {}).update(sections[name].options)
    return channels


def channel_factory(name: str) -> ChannelFactory:
    module_name, _, attribute = CHANNELS[name].partition(":")
    factory: ChannelFactory = getattr(importlib.import_module(module_name), attribute)
    return factory
