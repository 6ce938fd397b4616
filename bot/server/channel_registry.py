"""Which connector serves each channel name of credentials.yml.

Names are Rasa's where Rasa has the channel (``rest``, ``callback``, ``socketio``,
``telegram``); ``webchat`` is Destek's widget, which speaks socket.io too, so
``socketio`` and ``webchat`` build one channel whose options are ``webchat``'s over
``socketio``'s. Connectors are imported only when named.

A credentials.yml written for Rasa keeps working: a channel Rasa ships and Destek does
not serve (every ``rasa init`` project has ``rasa:``) is skipped with a warning, and a
key that is a dotted path (``addons.custom_channel.MyIO``) names a custom channel class,
imported from the project and checked against :class:`bot.channels.InputChannel`.
Anything else stops the server with one line naming the file, the line and the fix.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.channels import ChannelContext, ChannelFactory, InputChannel
from bot.config import ChannelCredentials, read_credentials
from bot.errors import ConfigError

__all__ = [
    "CHANNELS",
    "DEFAULT_CHANNELS",
    "RASA_ONLY_CHANNELS",
    "ChannelPlan",
    "ConfiguredChannel",
    "channel_factory",
    "configured_channels",
]

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

RASA_ONLY_CHANNELS: dict[str, str] = {
    "rasa": "Rasa X/Enterprise's 'talk to your bot' channel",
    "cmdline": "Rasa's terminal channel; `bot shell` is Destek's",
    "facebook": "Facebook Messenger",
    "slack": "Slack",
    "mattermost": "Mattermost",
    "twilio": "Twilio SMS",
    "twilio_voice": "Twilio Voice",
    "botframework": "Microsoft Bot Framework",
    "rocketchat": "Rocket.Chat",
    "webexteams": "Webex Teams",
    "hangouts": "Google Hangouts Chat",
    "audiocodes": "AudioCodes VoiceAI Connect",
    "audiocodes_stream": "AudioCodes voice streaming",
    "vier_cvg": "VIER Cognitive Voice Gateway",
    "jambonz": "Jambonz",
    "twilio_media_streams": "Twilio Media Streams",
    "browser_audio": "Rasa's browser audio channel",
    "genesys": "Genesys",
    "studio_chat": "Rasa Studio's chat",
}
"""Rasa's built-in channels (``rasa/core/channels``) that Destek does not serve."""

SERVED = "rest, callback, socketio (or webchat), telegram and whatsapp"
_INTERFACE = ("install", "start", "stop")


@dataclass(frozen=True, slots=True)
class ConfiguredChannel:
    """One channel to serve: its name, its options and what builds it.

    ``source`` is where it was configured (``credentials.yml:5``, or ``default``);
    ``custom`` channels come from the project, and what they build is checked.
    """

    name: str
    options: Mapping[str, Any]
    factory: ChannelFactory
    source: str
    custom: bool = False

    def build(self, context: ChannelContext) -> InputChannel:
        """The running channel.

        Raises:
            ConfigError: the channel refuses its options, or (custom) its factory fails
                or builds something without ``install``/``start``/``stop``.
        """
        if not self.custom:
            return self.factory(context)
        try:
            channel = self.factory(context)
        except ConfigError:
            raise
        except Exception as exc:  # the project's own code: name it, do not crash
            raise ConfigError(
                f"{self.source}: the custom channel {self.name} could not be built from "
                f"a ChannelContext ({_one_line(exc)}); see bot/channels.py"
            ) from exc
        _check_interface(channel, self.name, self.source)
        return channel


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """The channels credentials.yml asks for, and warnings about what is not served."""

    channels: tuple[ConfiguredChannel, ...]
    warnings: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [channel.name for channel in self.channels]


def configured_channels(path: Path, env: Mapping[str, str]) -> ChannelPlan:
    """The channels to serve, from credentials.yml (the defaults without one).

    Raises:
        ConfigError: an unknown channel, a custom channel that cannot be imported or does
            not fit, or a malformed file; one line naming the file, the line and the fix.
    """
    if not path.exists():
        defaults = (
            ConfiguredChannel(name, dict(options), channel_factory(name), "default")
            for name, options in DEFAULT_CHANNELS.items()
        )
        return ChannelPlan(tuple(defaults))
    sections = read_credentials(path, env, unread=RASA_ONLY_CHANNELS)
    warnings = [_skipped(s) for s in sections.values() if s.channel in RASA_ONLY_CHANNELS]
    for section in sections.values():
        _check_name(section)
    merged: dict[str, tuple[dict[str, Any], str]] = {}
    custom: list[ConfiguredChannel] = []
    # Aliases first, so the channel's own section wins where both set a key.
    for name in sorted(sections, key=lambda n: n not in ALIASES):
        section = sections[name]
        if name in CHANNELS or name in ALIASES:
            options, _ = merged.setdefault(ALIASES.get(name, name), ({}, section.source))
            options.update(section.options)
        elif "." in name:
            custom.append(_custom_channel(section))
    channels = [
        ConfiguredChannel(name, options, channel_factory(name), source)
        for name, (options, source) in merged.items()
    ]
    if not channels and not custom:
        warnings.append(
            f"{path}: no channel to serve; add `rest:` for Rasa's REST webhook "
            f"(Destek serves {SERVED})"
        )
    return ChannelPlan((*channels, *custom), tuple(warnings))


def channel_factory(name: str) -> ChannelFactory:
    """The factory of a channel Destek serves (a key of :data:`CHANNELS`)."""
    module_name, _, attribute = CHANNELS[name].partition(":")
    factory: ChannelFactory = getattr(importlib.import_module(module_name), attribute)
    return factory


def _skipped(section: ChannelCredentials) -> str:
    what = RASA_ONLY_CHANNELS[section.channel]
    return (
        f"{section.source}: skipping the channel {section.channel!r} ({what}): Rasa has it, "
        f"Destek does not serve it; Destek serves {SERVED}"
    )


def _check_name(section: ChannelCredentials) -> None:
    name = section.channel
    if name in CHANNELS or name in ALIASES or name in RASA_ONLY_CHANNELS or "." in name:
        return
    guess = _did_you_mean(name)
    if guess:
        raise ConfigError(f"{section.source}: unknown channel {name}; did you mean {guess!r}?")
    raise ConfigError(
        f"{section.source}: unknown channel {name}; Destek serves {SERVED}, and a custom "
        "channel is named by its class's dotted path (like addons.my_channel.MyChannel)"
    )


def _did_you_mean(name: str) -> str | None:
    served = [*CHANNELS, *ALIASES]
    close = difflib.get_close_matches(name.lower().replace("-", "_"), served, n=1, cutoff=0.7)
    return close[0] if close else None


def _custom_channel(section: ChannelCredentials) -> ConfiguredChannel:
    """Import the class (or function) a dotted credentials.yml key names, from the project."""
    name, where = section.channel, section.source
    guess = _did_you_mean(name)
    hint = f"; did you mean {guess!r}?" if guess else ""
    module_name, _, attribute = name.rpartition(".")
    if not module_name or not attribute:
        raise ConfigError(
            f"{where}: {name!r} is not a dotted path to a channel class "
            f"(like addons.my_channel.MyChannel){hint}"
        )
    project = str(Path.cwd())
    if project not in sys.path:  # `bot run`'s console script does not put the project there
        sys.path.insert(0, project)
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the project's module may fail in any way while importing
        raise ConfigError(
            f"{where}: cannot import the custom channel {name} ({_one_line(exc)}); "
            f"run the server from the project directory or fix the dotted path{hint}"
        ) from exc
    factory = getattr(module, attribute, None)
    if factory is None:
        raise ConfigError(f"{where}: the module {module_name} has no {attribute}{hint}")
    if not callable(factory) or inspect.ismodule(factory):
        raise ConfigError(
            f"{where}: {name} is not a class or function building a channel "
            f"(see bot/channels.py: ChannelFactory){hint}"
        )
    if inspect.isclass(factory):
        _check_interface(factory, name, where)
    return ConfiguredChannel(name, section.options, factory, where, custom=True)


def _check_interface(channel: object, name: str, where: str) -> None:
    missing = [m for m in _INTERFACE if not callable(getattr(channel, m, None))]
    not_async = [
        m
        for m in ("start", "stop")
        if m not in missing and not inspect.iscoroutinefunction(getattr(channel, m))
    ]
    if not missing and not not_async:
        return
    if missing:
        problem = f"it lacks {', '.join(m + '()' for m in missing)}"
        if callable(getattr(channel, "blueprint", None)):
            problem += " (it is a Rasa channel: Destek does not run Rasa's Sanic blueprints)"
    else:
        problem = f"{' and '.join(m + '()' for m in not_async)} must be async"
    raise ConfigError(
        f"{where}: the custom channel {name} does not fit Destek's channel interface: "
        f"{problem}; see bot/channels.py (InputChannel: install(app), async start(), "
        "async stop())"
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
