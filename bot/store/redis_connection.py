"""Where Redis is, read from an endpoints.yml section, and the clients that talk to it.

The ``lock_store:`` and ``fanout:`` sections share Rasa's connection keys::

    lock_store:
      type: redis
      url: redis.internal      # the host, as in Rasa; or a full redis:// or rediss:// URL
      port: 6379
      db: 1
      username: destek         # Redis 6 ACL user, optional
      password: ${REDIS_PASSWORD}
      use_ssl: false
      socket_timeout: 5        # seconds any one Redis call may take
      key_prefix: destek       # keys are destek:lock:<conversation>, channels destek:fanout:<topic>
      client_name: destek-eu1  # how the connections are named in CLIENT LIST (optional)

With a full URL, the separate keys fill in what the URL leaves out; a key that
contradicts the URL is an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from bot.errors import ConfigError

__all__ = [
    "CONNECTION_KEYS",
    "DEFAULT_KEY_PREFIX",
    "RedisEndpoint",
    "describe_failure",
    "is_transient",
    "key_prefix_from_options",
    "positive_seconds",
    "redis_endpoint_from_options",
]

DEFAULT_KEY_PREFIX = "destek"
DEFAULT_SOCKET_TIMEOUT = 5.0
CONNECTION_KEYS = (
    "url",
    "port",
    "db",
    "username",
    "password",
    "use_ssl",
    "socket_timeout",
    "client_name",
)
_KEY_PREFIX = re.compile(r"[A-Za-z0-9_-]+")
_CLIENT_NAME = re.compile(r"[!-~]{1,64}")  # Redis refuses spaces and newlines in a name
_SCHEMES = {"redis": False, "rediss": True}


@dataclass(frozen=True, slots=True)
class RedisEndpoint:
    """One Redis server and database; ``db`` is 1 by default, as in Rasa's lock store."""

    host: str = "localhost"
    port: int = 6379
    db: int = 1
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ssl: bool = False
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT
    # Set on every connection (CLIENT SETNAME), so an operator can tell this deployment's
    # connections apart in CLIENT LIST, and end only those (CLIENT KILL NAME ...).
    client_name: str | None = None

    @property
    def where(self) -> str:
        """``host:port/db`` for messages; never the password."""
        return f"{self.host}:{self.port}/{self.db}"

    def client(self) -> Redis:
        """A client with its own pool; it connects on its first command.

        Every call is bounded by ``socket_timeout``. A failed call is tried once more on
        a fresh connection (a pooled one may be stale after Redis restarted), at once;
        the stores do their own, longer retrying.
        """
        return Redis(
            host=self.host,
            port=self.port,
            db=self.db,
            username=self.username,
            password=self.password,
            ssl=self.ssl,
            socket_timeout=self.socket_timeout,
            socket_connect_timeout=self.socket_timeout,
            retry=Retry(NoBackoff(), 1),
            decode_responses=True,
            client_name=self.client_name,
        )


def describe_failure(exc: BaseException, endpoint: RedisEndpoint) -> str:
    """``Redis at host:port/db: ConnectionError: <first line>``, any password masked."""
    reason = (str(exc).strip().splitlines() or [""])[0]
    if endpoint.password:
        reason = reason.replace(endpoint.password, "***")
    return f"Redis at {endpoint.where}: {type(exc).__name__}: {reason}".rstrip(": ")


def is_transient(exc: BaseException) -> bool:
    """Whether trying again may help: Redis is away, restarting or failing over, rather
    than refusing the credentials or the command."""
    if isinstance(exc, redis_errors.AuthenticationError | redis_errors.AuthorizationError):
        return False
    return isinstance(
        exc,
        redis_errors.ConnectionError
        | redis_errors.TimeoutError
        | redis_errors.ReadOnlyError
        | OSError,
    )


def redis_endpoint_from_options(options: Mapping[str, Any], section: str) -> RedisEndpoint:
    """The endpoint of a ``type: redis`` section (see the module docstring).

    Raises:
        ConfigError: a connection key is malformed or contradicts the full URL; the
            message names the key.
    """
    keys = {key: options[key] for key in CONNECTION_KEYS if options.get(key) is not None}
    host = keys.pop("url", None)
    if host is not None and not isinstance(host, str):
        raise ConfigError(f"endpoints.yml: {section}.url must be a string")
    if host is not None and "://" in host:
        keys = _merge_url(_url_keys(host, section), keys, section)
    elif host is not None:
        keys["url"] = host
    return RedisEndpoint(
        host=_text(keys, "url", section) or "localhost",
        port=_integer(keys, "port", section, 6379, low=1, high=65535),
        db=_integer(keys, "db", section, 1, low=0, high=None),
        username=_text(keys, "username", section),
        password=_text(keys, "password", section),
        ssl=_flag(keys, "use_ssl", section),
        socket_timeout=_seconds(keys, "socket_timeout", section, DEFAULT_SOCKET_TIMEOUT),
        client_name=_client_name(keys, section),
    )


def key_prefix_from_options(options: Mapping[str, Any], section: str) -> str:
    """The ``key_prefix`` of a section: letters, digits, ``_`` and ``-``.

    Raises:
        ConfigError: the prefix is empty or has other characters.
    """
    prefix = options.get("key_prefix")
    if prefix is None:
        return DEFAULT_KEY_PREFIX
    if not isinstance(prefix, str) or not _KEY_PREFIX.fullmatch(prefix):
        raise ConfigError(
            f"endpoints.yml: {section}.key_prefix must be letters, digits, '_' or '-'"
        )
    return prefix


def _url_keys(url: str, section: str) -> dict[str, Any]:
    """The section keys a full ``redis://`` URL stands for."""
    bad_url = ConfigError(f"endpoints.yml: {section}.url is not a valid redis:// URL")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise bad_url from None
    if parts.scheme.lower() not in _SCHEMES or not parts.hostname:
        raise bad_url
    if parts.query or parts.fragment:
        raise ConfigError(
            f"endpoints.yml: {section}.url must not have a query; give the options as keys"
        )
    keys: dict[str, Any] = {"url": parts.hostname, "use_ssl": _SCHEMES[parts.scheme.lower()]}
    if port is not None:
        keys["port"] = port
    if parts.path.strip("/"):
        keys["db"] = parts.path.strip("/")
    if parts.username:
        keys["username"] = unquote(parts.username)
    if parts.password is not None:
        keys["password"] = unquote(parts.password)
    return keys


def _merge_url(from_url: dict[str, Any], given: dict[str, Any], section: str) -> dict[str, Any]:
    for key, value in given.items():
        if key in from_url and str(from_url[key]).lower() != str(value).lower():
            raise ConfigError(
                f"endpoints.yml: {section}.{key} contradicts {section}.url; give it once"
            )
    return {**given, **from_url}


def _text(keys: Mapping[str, Any], key: str, section: str) -> str | None:
    value = keys.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"endpoints.yml: {section}.{key} must be a string")
    return str(value)


def _integer(
    keys: Mapping[str, Any], key: str, section: str, default: int, low: int, high: int | None
) -> int:
    value = keys.get(key, default)
    try:
        if isinstance(value, bool | float):
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise ConfigError(f"endpoints.yml: {section}.{key} must be a whole number {bounds}")
    return number


def _seconds(keys: Mapping[str, Any], key: str, section: str, default: float) -> float:
    return positive_seconds(keys.get(key, default), f"{section}.{key}")


def positive_seconds(value: Any, name: str) -> float:
    """``value`` as a positive number of seconds; numbers given as text are accepted.

    Raises:
        ConfigError: it is not a positive number; the message names ``name``.
    """
    try:
        if isinstance(value, bool):
            raise ValueError
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 0.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"endpoints.yml: {name} must be a positive number of seconds")
    return seconds


def _client_name(keys: Mapping[str, Any], section: str) -> str | None:
    name = keys.get("client_name")
    if name is None:
        return None
    if not isinstance(name, str) or not _CLIENT_NAME.fullmatch(name):
        raise ConfigError(
            f"endpoints.yml: {section}.client_name must be 1-64 printable characters without spaces"
        )
    return name


def _flag(keys: Mapping[str, Any], key: str, section: str) -> bool:
    value = keys.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"endpoints.yml: {section}.{key} must be true or false")
