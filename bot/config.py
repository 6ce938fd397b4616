"""Read config.yml, endpoints.yml and credentials.yml (Rasa 3.x formats).

config.yml names the pipeline and policies; an absent or empty ``pipeline:`` or
``policies:`` means "use the defaults" and reads as ``None``. endpoints.yml and
credentials.yml may use ``${ENV_VAR}``; the variables come in as a mapping argument, since
only ``bot/settings.py`` reads the environment.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_str,
    kind_of,
    plain,
)
from bot.yaml_io import (
    LineDict,
    LineList,
    read_yaml,
    read_yaml_mapping,
)

__all__ = [
    "ChannelCredentials",
    "ComponentConfig",
    "Endpoints",
    "ProjectConfig",
    "ServiceConfig",
    "read_config",
    "read_credentials",
    "read_endpoints",
]

_ENV_VAR = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONFIG_KEYS = ("recipe", "language", "assistant_id", "pipeline", "policies")


@dataclass(frozen=True, slots=True)
class ComponentConfig:
    """One ``- name: X`` entry of ``pipeline:`` or ``policies:`` with its other keys."""

    name: str
    options: Mapping[str, Any]
    line: int
    source: str


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """config.yml. ``pipeline``/``policies`` are ``None`` when the defaults apply."""

    path: str
    recipe: str = "default.v1"
    language: str | None = None
    assistant_id: str | None = None
    pipeline: tuple[ComponentConfig, ...] | None = None
    policies: tuple[ComponentConfig, ...] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """One section of endpoints.yml (``action_endpoint``, ``tracker_store``, ...)."""

    name: str
    options: Mapping[str, Any]
    source: str

    @property
    def type(self) -> str | None:
        value = self.options.get("type")
        return value if isinstance(value, str) else None

    @property
    def url(self) -> str | None:
        value = self.options.get("url")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Endpoints:
    """endpoints.yml: the configured sections by name; an empty section is left out."""

    services: Mapping[str, ServiceConfig] = field(default_factory=dict)

    def get(self, name: str) -> ServiceConfig | None:
        return self.services.get(name)

    @property
    def action_endpoint(self) -> ServiceConfig | None:
        return self.get("action_endpoint")

    @property
    def tracker_store(self) -> ServiceConfig | None:
        return self.get("tracker_store")

    @property
    def lock_store(self) -> ServiceConfig | None:
        return self.get("lock_store")

    @property
    def event_broker(self) -> ServiceConfig | None:
        return self.get("event_broker")

    @property
    def privacy(self) -> ServiceConfig | None:
        """What the stores mask (:mod:`bot.privacy_config`)."""
        return self.get("privacy")


@dataclass(frozen=True, slots=True)
class ChannelCredentials:
    """One channel of credentials.yml; ``rest:`` with nothing under it has no options."""

    channel: str
    options: Mapping[str, Any]
    source: str


def _components(data: LineDict, key: str, path: str) -> tuple[ComponentConfig, ...] | None:
    value = data.get(key)
    where = f"{path}:{data.line_of(key)}"
    if value is None or value == []:
        return None
    if isinstance(value, str):
        raise ConfigError(
            f"{where}: {key} must be a list of components (- name: ...); "
            f"templates such as {value!r} are no longer supported"
        )
    entries = expect_list(value, where, f"'{key}'", error=ConfigError)
    out = []
    for index, raw in enumerate(entries):
        line = entries.line_at(index)
        if not isinstance(raw, dict) or "name" not in raw:
            raise ConfigError(
                f"{path}:{line}: each entry of {key} must be a mapping with name: "
                f"(like '- name: RulePolicy'), found {kind_of(raw)}"
            )
        entry = expect_mapping(raw, f"{path}:{line}", "an entry", error=ConfigError)
        where = f"{path}:{entry.line_of('name')}"
        name = expect_str(entry["name"], where, "name", error=ConfigError)
        options = {k: plain(v) for k, v in entry.items() if k != "name"}
        out.append(ComponentConfig(name, options, line, f"{path}:{line}"))
    return tuple(out)


def _optional_str(data: LineDict, key: str, path: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return expect_str(value, f"{path}:{data.line_of(key)}", key, error=ConfigError)


def read_config(path: str | Path) -> ProjectConfig:
    """Read config.yml; ``ConfigError`` names the line of anything malformed."""
    name = str(path)
    data = read_yaml_mapping(path, error=ConfigError)
    return ProjectConfig(
        path=name,
        recipe=_optional_str(data, "recipe", name) or "default.v1",
        language=_optional_str(data, "language", name),
        assistant_id=_optional_str(data, "assistant_id", name),
        pipeline=_components(data, "pipeline", name),
        policies=_components(data, "policies", name),
        extra={k: plain(v) for k, v in data.items() if k not in _CONFIG_KEYS},
    )


def _expand(text: str, env: Mapping[str, str], where: str, key: str | None = None) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if not _ENV_NAME.match(name):
            raise ConfigError(f"{where}: {match.group(0)!r} is not a valid ${{VARIABLE}} name")
        if name not in env and key is not None:
            raise ConfigError(
                f"{where}: {key} needs the environment variable {name}, which is not set; "
                f"set it before starting the server, or write the value in the file"
            )
        if name not in env:
            raise ConfigError(f"{where}: the environment variable {name} is not set")
        return env[name]

    return _ENV_VAR.sub(replace, text)


def _interpolate(
    value: Any, env: Mapping[str, str], path: str, line: int, key: str | None = None
) -> Any:
    """``value`` as plain data with every ``${VAR}`` in its strings replaced.

    With ``key`` (the dotted key of ``value``, as in ``telegram.access_token``), an unset
    variable's message names the key and says how to fix it.
    """
    if isinstance(value, LineDict):
        return {
            k: _interpolate(v, env, path, value.value_line(k), _subkey(key, k))
            for k, v in value.items()
        }
    if isinstance(value, LineList):
        return [
            _interpolate(v, env, path, value.line_at(i), _subkey(key, str(i)))
            for i, v in enumerate(value)
        ]
    if isinstance(value, str) and "${" in value:
        return _expand(value, env, f"{path}:{line}", key)
    return plain(value)


def _subkey(key: str | None, sub: object) -> str | None:
    return None if key is None else f"{key}.{sub}"


def _sections(
    path: str | Path, env: Mapping[str, str] | None, what: str
) -> dict[str, tuple[dict[str, Any], str]]:
    name = str(path)
    data = read_yaml_mapping(path, error=ConfigError)
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for key, value in data.items():
        where = f"{name}:{data.line_of(key)}"
        if key == "version":
            continue
        if value is None:
            out[str(key)] = ({}, where)
            continue
        section = expect_mapping(value, where, f"the {what} {key!r}", error=ConfigError)
        out[str(key)] = (_interpolate(section, env or {}, name, section.line), where)
    return out


def read_endpoints(path: str | Path, env: Mapping[str, str] | None = None) -> Endpoints:
    """Read endpoints.yml, replacing ``${VAR}`` from ``env``; empty sections are dropped."""
    sections = _sections(path, env, "endpoint")
    return Endpoints(
        {
            key: ServiceConfig(key, options, where)
            for key, (options, where) in sections.items()
            if options
        }
    )


def read_credentials(
    path: str | Path, env: Mapping[str, str] | None = None, *, unread: Container[str] = ()
) -> dict[str, ChannelCredentials]:
    """Read credentials.yml: channel name to its options, ``${VAR}`` replaced from ``env``.

    Channels named in ``unread`` (ones the server will skip) come back with no options:
    their sections are neither checked nor interpolated, so a Rasa project's
    ``slack: {slack_token: ${SLACK_TOKEN}}`` needs no variable set.

    Raises:
        ConfigError: one line naming the file, the line, the key and the fix.
    """
    name = str(path)
    data = read_yaml(path, error=ConfigError)
    if data is None:
        return {}
    if not isinstance(data, LineDict):
        raise ConfigError(
            f"{name}:1: the file must map channel names to their settings "
            f"(like 'rest:' on a line of its own), found {kind_of(data)}"
        )
    out: dict[str, ChannelCredentials] = {}
    for key, value in data.items():
        channel, where = str(key), f"{name}:{data.line_of(key)}"
        if key == "version":
            continue
        if channel in unread or value is None:
            out[channel] = ChannelCredentials(channel, {}, where)
            continue
        if not isinstance(value, LineDict):
            raise ConfigError(
                f"{where}: the channel {channel!r} must be a mapping of its settings, found "
                f"{kind_of(value)}; indent 'setting: value' lines under '{channel}:', "
                "or leave it empty"
            )
        options = _interpolate(value, env or {}, name, value.line, channel)
        out[channel] = ChannelCredentials(channel, options, where)
    return out
