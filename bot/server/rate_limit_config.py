"""The ``rate_limits:`` section of endpoints.yml, checked when the server starts.

::

    rate_limits:
      enabled: true
      per_sender: {per_minute: 60, burst: 60}   # one conversation's messages
      per_ip: {per_minute: 600, burst: 200}     # every request of one address
      exempt: [127.0.0.0/8, "::1"]              # addresses not limited per address
      type: redis                               # optional: see below
      url: redis.internal                       # Rasa's Redis keys, as lock_store's
      key_prefix: destek

Without ``type``, the buckets live in the lock store's Redis when it has one (so every
worker shares them) and in this process's memory otherwise. ``exempt`` lists addresses
or networks whose requests are not counted per address (a reverse proxy that does not
pass ``X-Forwarded-For``, an office NAT, Telegram's webhook ranges); their messages are
still counted per sender. Loopback is exempt by default: a proxy on the same host, the
benchmarks and the tests all arrive from it, and ``bot run`` already takes the real
client from ``X-Forwarded-For`` when the proxy is on loopback (uvicorn's default).

The defaults leave people alone: nobody types 60 messages a minute, and the burst of 60
covers a widget sending again what a dropped connection left unacknowledged and a
scripted client (a test, a load generator) playing a whole conversation at machine
speed; a flood is thousands a minute. 600 requests a minute from one address is an
office of agents, not one browser.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.errors import ConfigError
from bot.store.redis_connection import (
    CONNECTION_KEYS,
    DEFAULT_KEY_PREFIX,
    RedisEndpoint,
    key_prefix_from_options,
    redis_endpoint_from_options,
)

__all__ = ["BucketRule", "RateLimitConfig", "rate_limit_config"]

SECTION = "rate_limits"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class BucketRule:
    """A token bucket: ``burst`` tokens at most, refilled at ``per_minute`` a minute."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    per_minute: float = Field(gt=0, le=1_000_000)
    burst: int = Field(ge=1, le=1_000_000)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    per_sender: _Rule = _Rule(per_minute=60, burst=60)
    per_ip: _Rule = _Rule(per_minute=600, burst=200)
    exempt: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1"])
    type: str | None = None

    @field_validator("exempt")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # ValueError names the entry
        return value

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in ("memory", "redis"):
            raise ValueError("must be memory or redis")
        return value


@dataclass(frozen=True, slots=True)
class RateLimitConfig:
    """The checked section (``rate_limit_config(None)``: the defaults); ``redis`` is None
    when the buckets live in memory."""

    enabled: bool
    per_sender: BucketRule
    per_ip: BucketRule
    exempt: tuple[Network, ...]
    redis: RedisEndpoint | None = None
    key_prefix: str = DEFAULT_KEY_PREFIX


def rate_limit_config(
    options: Mapping[str, Any] | None, lock_store: Mapping[str, Any] | None = None
) -> RateLimitConfig:
    """The rate limits of endpoints.yml's ``rate_limits:`` (None: the defaults).

    ``lock_store``: that section's options; its Redis holds the buckets unless
    ``rate_limits`` names a ``type`` of its own.

    Raises:
        ConfigError: an unknown key or a malformed value, named as ``rate_limits.<key>``.
    """
    given = dict(options or {})
    connection = {k: given.pop(k) for k in CONNECTION_KEYS if k in given}
    prefix = given.pop("key_prefix", None)
    try:
        section = _Section.model_validate(given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join([SECTION, *(str(p) for p in err['loc'])])}: {_message(err)}"
            for err in exc.errors()
        )
        raise ConfigError(f"endpoints.yml: {problems}") from None
    redis, shared = _redis(section.type, connection, lock_store or {})
    if prefix is not None:
        shared = key_prefix_from_options({"key_prefix": prefix}, SECTION)
    return RateLimitConfig(
        enabled=section.enabled,
        per_sender=BucketRule(section.per_sender.per_minute, section.per_sender.burst),
        per_ip=BucketRule(section.per_ip.per_minute, section.per_ip.burst),
        exempt=tuple(ipaddress.ip_network(e, strict=False) for e in section.exempt),
        redis=redis,
        key_prefix=shared,
    )


def _redis(
    kind: str | None, connection: Mapping[str, Any], lock_store: Mapping[str, Any]
) -> tuple[RedisEndpoint | None, str]:
    """Where the buckets live: the section's own Redis, the lock store's, or memory."""
    if kind == "redis":
        return redis_endpoint_from_options(connection, SECTION), DEFAULT_KEY_PREFIX
    if connection:
        keys = ", ".join(sorted(connection))
        raise ConfigError(f"endpoints.yml: {SECTION}.{keys} need 'type: redis' beside them")
    if kind is None and lock_store.get("type") == "redis":
        endpoint = redis_endpoint_from_options(lock_store, "lock_store")
        return endpoint, key_prefix_from_options(lock_store, "lock_store")
    return None, DEFAULT_KEY_PREFIX


def _message(err: Mapping[str, Any]) -> str:
    message = str(err.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
