"""Build the stores from the ``tracker_store:`` and ``lock_store:`` sections of endpoints.yml.

The sections have Rasa's shape::

    tracker_store:
      type: SQL
      dialect: postgresql      # or sqlite; alternatively url: <full SQLAlchemy URL>
      url: db.internal         # the host, as in Rasa
      port: 5432
      db: destek
      username: destek
      password: ${DB_PASSWORD}
      query: {sslmode: require}

``lock_store:`` and ``fanout:`` take ``type: redis`` with Rasa's Redis keys (see
:mod:`bot.store.redis_connection`); the lock store also takes ``timeout`` and ``lease``
(seconds).

The tracker and queue stores mask personal data before they store it, as the
``privacy:`` section says (:mod:`bot.privacy_config`; without one, every type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import URL

from bot.channels import Fanout
from bot.errors import ConfigError
from bot.privacy_config import PrivacyConfig
from bot.store.base import LockStore, TrackerStore
from bot.store.fanout import InMemoryFanout
from bot.store.masked_stores import (
    MaskedInMemoryQueueStore,
    MaskedInMemoryTrackerStore,
    MaskedSQLQueueStore,
    MaskedSQLTrackerStore,
)
from bot.store.masking import StoreMasking
from bot.store.memory import DEFAULT_LOCK_TIMEOUT, InMemoryLockStore
from bot.store.queue_base import QueueStore
from bot.store.redis_connection import (
    CONNECTION_KEYS,
    key_prefix_from_options,
    positive_seconds,
    redis_endpoint_from_options,
)
from bot.store.redis_fanout import RedisFanout
from bot.store.redis_lock import DEFAULT_LEASE, RedisLockStore

__all__ = [
    "DEFAULT_SQLITE_DB",
    "fanout_from_endpoint",
    "lock_store_from_endpoint",
    "queue_store_from_endpoint",
    "sql_url_from_endpoint",
    "tracker_store_from_endpoint",
]

DEFAULT_SQLITE_DB = "destek.db"
_SQL_TYPES = ("sql",)
_MEMORY_TYPES = ("in_memory", "memory")
_REDIS_TYPES = ("redis",)
# Rasa's RedisLockStore takes concurrent_mode; our Redis lock store always allows it.
_REDIS_LOCK_KEYS = ("type", *CONNECTION_KEYS, "key_prefix", "timeout", "lease", "concurrent_mode")
_REDIS_FANOUT_KEYS = ("type", *CONNECTION_KEYS, "key_prefix")
_DIALECTS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
}


def tracker_store_from_endpoint(
    options: Mapping[str, Any] | None, privacy: Mapping[str, Any] | None = None
) -> TrackerStore:
    """The tracker store a ``tracker_store:`` section asks for; SQLite at destek.db without
    one. It masks what the ``privacy:`` section (``privacy``) says, every type without one.

    Raises:
        ConfigError: the type is unknown, the connection keys or the privacy section are
            malformed.
    """
    masking = StoreMasking(PrivacyConfig.from_options(privacy))
    if not options:
        return MaskedSQLTrackerStore(f"sqlite:///{DEFAULT_SQLITE_DB}", masking)
    store_type = _store_type(options, "tracker_store", default="sql")
    if store_type in _MEMORY_TYPES:
        return MaskedInMemoryTrackerStore(masking)
    if store_type in _SQL_TYPES:
        return MaskedSQLTrackerStore(sql_url_from_endpoint(options), masking)
    raise ConfigError(
        f"endpoints.yml: unknown tracker_store type {options['type']!r} "
        f"(known: {', '.join(_SQL_TYPES + _MEMORY_TYPES)})"
    )


def queue_store_from_endpoint(
    options: Mapping[str, Any] | None, privacy: Mapping[str, Any] | None = None
) -> QueueStore:
    """The live-agent queue store, in the tracker store's database (the same
    ``tracker_store:`` section): SQL, or in memory when the trackers are. Summaries,
    tickets and notes are masked as the ``privacy:`` section (``privacy``) says.

    Raises:
        ConfigError: the type is unknown, the connection keys or the privacy section are
            malformed.
    """
    masking = StoreMasking(PrivacyConfig.from_options(privacy))
    if not options:
        return MaskedSQLQueueStore(f"sqlite:///{DEFAULT_SQLITE_DB}", masking)
    store_type = _store_type(options, "tracker_store", default="sql")
    if store_type in _MEMORY_TYPES:
        return MaskedInMemoryQueueStore(masking)
    if store_type in _SQL_TYPES:
        return MaskedSQLQueueStore(sql_url_from_endpoint(options), masking)
    raise ConfigError(
        f"endpoints.yml: unknown tracker_store type {options['type']!r} "
        f"(known: {', '.join(_SQL_TYPES + _MEMORY_TYPES)})"
    )


def sql_url_from_endpoint(options: Mapping[str, Any]) -> str:
    """The SQLAlchemy URL of a ``type: sql`` section: its full ``url``, or one built from
    Rasa's keys ``dialect``, ``url`` (the host), ``port``, ``db``, ``username``,
    ``password`` and ``query``.
    """
    url = _optional_str(options, "url")
    if url is not None and "://" in url:
        return url
    dialect = (_optional_str(options, "dialect") or "sqlite").lower()
    if dialect not in _DIALECTS:
        raise ConfigError(
            f"endpoints.yml: unsupported tracker_store dialect {dialect!r} "
            f"(supported: sqlite, postgresql)"
        )
    query = options.get("query") or {}
    if not isinstance(query, Mapping):
        raise ConfigError("endpoints.yml: tracker_store.query must be a mapping")
    built = URL.create(
        _DIALECTS[dialect],
        username=_optional_str(options, "username"),
        password=_optional_str(options, "password"),
        host=url,
        port=_optional_port(options),
        database=_optional_str(options, "db")
        or (DEFAULT_SQLITE_DB if dialect == "sqlite" else None),
        query={str(key): str(value) for key, value in query.items()},
    )
    return built.render_as_string(hide_password=False)


def lock_store_from_endpoint(options: Mapping[str, Any] | None) -> LockStore:
    """The lock store a ``lock_store:`` section asks for; in memory without one.

    ``timeout`` (seconds, default 60) bounds the wait for a conversation's lock.

    Raises:
        ConfigError: the type is unknown, or a key is unknown (Redis) or malformed.
    """
    if not options:
        return InMemoryLockStore()
    store_type = _store_type(options, "lock_store", default="in_memory")
    if store_type in _REDIS_TYPES:
        return _redis_lock_store(options)
    if store_type not in _MEMORY_TYPES:
        raise ConfigError(
            f"endpoints.yml: unknown lock_store type {options['type']!r} "
            f"(known: {', '.join(_MEMORY_TYPES + _REDIS_TYPES)})"
        )
    timeout = options.get("timeout", DEFAULT_LOCK_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError("endpoints.yml: lock_store.timeout must be a positive number")
    return InMemoryLockStore(timeout=float(timeout))


def fanout_from_endpoint(options: Mapping[str, Any] | None) -> Fanout:
    """The event fan-out a ``fanout:`` section asks for; in process without one.

    Raises:
        ConfigError: the type is unknown, or a key is unknown (Redis) or malformed.
    """
    if not options:
        return InMemoryFanout()
    fanout_type = _store_type(options, "fanout", default="in_memory")
    if fanout_type in _REDIS_TYPES:
        _check_keys(options, "fanout", _REDIS_FANOUT_KEYS)
        return RedisFanout(
            redis_endpoint_from_options(options, "fanout"),
            key_prefix=key_prefix_from_options(options, "fanout"),
        )
    if fanout_type not in _MEMORY_TYPES:
        raise ConfigError(
            f"endpoints.yml: unknown fanout type {options['type']!r} "
            f"(known: {', '.join(_MEMORY_TYPES + _REDIS_TYPES)})"
        )
    return InMemoryFanout()


def _redis_lock_store(options: Mapping[str, Any]) -> RedisLockStore:
    _check_keys(options, "lock_store", _REDIS_LOCK_KEYS)
    return RedisLockStore(
        redis_endpoint_from_options(options, "lock_store"),
        timeout=positive_seconds(
            options.get("timeout", DEFAULT_LOCK_TIMEOUT), "lock_store.timeout"
        ),
        lease=positive_seconds(options.get("lease", DEFAULT_LEASE), "lock_store.lease"),
        key_prefix=key_prefix_from_options(options, "lock_store"),
    )


def _check_keys(options: Mapping[str, Any], section: str, known: tuple[str, ...]) -> None:
    unknown = sorted(str(key) for key in options if key not in known)
    if unknown:
        raise ConfigError(
            f"endpoints.yml: unknown {section} key {unknown[0]!r} (known: {', '.join(known)})"
        )


def _store_type(options: Mapping[str, Any], section: str, default: str) -> str:
    store_type = options.get("type", default)
    if not isinstance(store_type, str):
        raise ConfigError(f"endpoints.yml: {section}.type must be a string")
    return store_type.strip().lower()


def _optional_str(options: Mapping[str, Any], key: str) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"endpoints.yml: tracker_store.{key} must be a string")
    return str(value)


def _optional_port(options: Mapping[str, Any]) -> int | None:
    port = options.get("port")
    if port is None:
        return None
    try:
        return int(port)
    except (TypeError, ValueError):
        raise ConfigError("endpoints.yml: tracker_store.port must be a number") from None
