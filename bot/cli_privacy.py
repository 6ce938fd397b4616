"""``bot privacy export|erase PLAYER`` and ``bot privacy audit``: a player's data on
request (KVKK/GDPR), in the stores endpoints.yml names, and the audit log.

PLAYER is a stored conversation id (``oyuncu-1``; ``telegram:<chat id>``,
``whatsapp:<number>`` and ``webchat:<session>`` for the channels with their own ids), or
``--player-id N``: every conversation whose ``player_id`` slot held account N. ``export``
writes one JSON document to standard output or ``--out FILE`` (readable by its owner
only). ``erase`` asks before it erases (``--yes`` for scripts): it cannot be undone.
Both are recorded in the audit log as done by ``cli:<your OS user>``.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from bot.errors import ConfigError, HandoverError
from bot.handover.privacy import PlayerPrivacy, PlayerQuery, tell_consoles
from bot.store.audit import ACTIONS, cli_actor
from bot.store.queue_base import QueueEntry

__all__ = ["add_privacy_parser", "terminal_actor"]

T = TypeVar("T")
console = Console(stderr=True)


def terminal_actor() -> str:
    try:
        return cli_actor(getpass.getuser())
    except (OSError, KeyError):  # no user name in this environment (some containers)
        return cli_actor(str(os.getuid()) if hasattr(os, "getuid") else "")


def _query(args: argparse.Namespace) -> PlayerQuery:
    try:
        return PlayerQuery(sender_id=args.player, player_id=args.player_id)
    except HandoverError as error:
        raise ConfigError(f"{error} (PLAYER or --player-id N)") from None


def _with_privacy(args: argparse.Namespace, work: Callable[[PlayerPrivacy], Awaitable[T]]) -> T:
    from bot.config import read_endpoints
    from bot.store.factory import (
        fanout_from_endpoint,
        lock_store_from_endpoint,
        queue_store_from_endpoint,
    )
    from bot.store.sql import SQLTrackerStore
    from bot.store.sql_audit import SQLAuditLog
    from bot.store.sql_privacy import SQLPrivacyStore

    endpoints = Path(args.endpoints)
    sections = read_endpoints(endpoints) if endpoints.exists() else None

    def options(name: str) -> Any:
        section = sections.get(name) if sections is not None else None
        return None if section is None else section.options

    async def run() -> T:
        async with AsyncExitStack() as stack:
            store = queue_store_from_endpoint(options("tracker_store"))
            stack.push_async_callback(store.close)
            if not isinstance(store, SQLTrackerStore):
                raise ConfigError(f"{endpoints}: the tracker store is in memory; nothing is kept")
            locks = fanout = None
            if options("lock_store"):  # Redis: wait for a turn a worker is running
                locks = lock_store_from_endpoint(options("lock_store"))
                stack.push_async_callback(locks.close)
            if options("fanout"):  # Redis: the workers' consoles drop an erased chat
                fanout = fanout_from_endpoint(options("fanout"))
                stack.push_async_callback(fanout.close)

            async def ended(entry: QueueEntry) -> None:
                if fanout is not None:
                    await tell_consoles(fanout, entry)

            privacy = PlayerPrivacy(SQLPrivacyStore(store), SQLAuditLog(store), locks, ended)
            return await work(privacy)

    return asyncio.run(run())


def cmd_privacy_export(args: argparse.Namespace) -> int:
    query = _query(args)
    document = _with_privacy(args, lambda privacy: privacy.export(query, terminal_actor()))
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    try:  # a player's data: readable by its owner only, from the first byte
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise ConfigError(f"{out}: cannot write the export ({error.strerror})") from None
    found = len(document["conversations"])
    console.print(f"Wrote {found} conversation(s) to [bold]{out}[/].", highlight=False)
    return 0


def _confirmed(args: argparse.Namespace, query: PlayerQuery) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise ConfigError("erasure cannot be undone: confirm with --yes")
    named = query.sender_id or f"player {query.player_id}"
    console.print(f"Erase everything stored about [bold]{named}[/]? It cannot be undone.")
    return input("Type 'yes' to erase: ").strip().lower() == "yes"


def cmd_privacy_erase(args: argparse.Namespace) -> int:
    query = _query(args)
    if not _confirmed(args, query):
        console.print("Nothing erased.")
        return 1
    erasure = _with_privacy(args, lambda privacy: privacy.erase(query, terminal_actor()))
    if erasure.reference is None:
        console.print("Nothing is stored about this player; nothing erased.")
        return 0
    counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in erasure.counts.items() if n)
    console.print(f"Erased ({erasure.reference}): {counts}.", highlight=False)
    return 0


def _moment(text: str | None, flag: str) -> float | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag}: an ISO 8601 date or time, like 2026-12-06T09:30") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def cmd_privacy_audit(args: argparse.Namespace) -> int:
    since, until = _moment(args.since, "--since"), _moment(args.until, "--until")
    if args.limit < 1:
        raise ConfigError("--limit: at least 1")
    records = _with_privacy(
        args, lambda privacy: privacy.audit.list(since, until, args.action, args.limit)
    )
    if args.format == "json":
        rows = [record.as_dict() for record in records]
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    table = Table(title="Audit log (UTC)")
    for column in ("at", "actor", "action", "subject", "details"):
        table.add_column(column)
    for record in records:
        details = json.dumps(dict(record.details), ensure_ascii=False)
        table.add_row(record.at_iso, record.actor, record.action, record.subject, details)
    Console().print(table)
    return 0


def add_privacy_parser(verbs: Any) -> None:
    """Add ``privacy`` and its sub-commands to the ``bot`` parser's verbs."""
    privacy = verbs.add_parser("privacy", help="export or erase a player's data; the audit log")
    privacy.add_argument("--endpoints", default="endpoints.yml", help="where the stores are")
    sub = privacy.add_subparsers(dest="part", metavar="ACTION", required=True)

    for name, helped, func in (
        ("export", "write everything stored about a player as JSON", cmd_privacy_export),
        ("erase", "remove or anonymise a player's data everywhere", cmd_privacy_erase),
    ):
        command = sub.add_parser(name, help=helped)
        command.add_argument("player", nargs="?", metavar="PLAYER", help="a conversation id")
        command.add_argument("--player-id", help="the account id: all its conversations")
        command.set_defaults(func=func)
        if name == "export":
            command.add_argument("--out", help="write to FILE (mode 600), not standard output")
        else:
            command.add_argument("--yes", action="store_true", help="do not ask to confirm")

    audit = sub.add_parser("audit", help="show the audit log, newest first")
    audit.add_argument("--since", help="from this UTC date or time (ISO 8601)")
    audit.add_argument("--until", help="before this UTC date or time (ISO 8601)")
    audit.add_argument("--action", choices=ACTIONS)
    audit.add_argument("--limit", type=int, default=100)
    audit.add_argument("--format", choices=["table", "json"], default="table")
    audit.set_defaults(func=cmd_privacy_audit)
