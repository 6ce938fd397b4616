"""``bot agents add|list|disable``: operators in the queue store endpoints.yml names.

The store is the one ``bot run`` uses (the ``tracker_store:`` section's database;
SQLite at destek.db without one). A password is never taken from the command line:
it is asked twice at the terminal, or read from standard input with
``--password-stdin`` (for scripts: ``printf '%s' "$PW" | bot agents add ...``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

from bot.errors import ConfigError
from bot.handover.agents import ROLES, new_agent, split_names
from bot.store.queue_base import QueueStore

__all__ = ["add_agents_parser"]

T = TypeVar("T")
console = Console(stderr=True)


def _store(endpoints: Path) -> QueueStore:
    from bot.config import read_endpoints
    from bot.store.factory import queue_store_from_endpoint
    from bot.store.memory_queue import InMemoryQueueStore

    options = None
    if endpoints.exists():
        section = read_endpoints(endpoints).tracker_store
        options = None if section is None else section.options
    store = queue_store_from_endpoint(options)
    if isinstance(store, InMemoryQueueStore):
        raise ConfigError(
            f"{endpoints}: the tracker store is in memory, so agents would be lost; "
            "configure a SQL tracker_store"
        )
    return store


def _with_store(args: argparse.Namespace, work: Callable[[QueueStore], Awaitable[T]]) -> T:
    async def run() -> T:
        store = _store(Path(args.endpoints))
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise ConfigError("the two passwords differ")
    else:
        raise ConfigError("no terminal to ask the password at: pipe it with --password-stdin")
    return password


def cmd_agents_add(args: argparse.Namespace) -> int:
    agent = new_agent(
        login=args.login,
        name=args.name or args.login,
        password=_password(args),
        role=args.role,
        skills=split_names(args.skills),
        languages=split_names(args.languages),
        teams=split_names(args.teams),
        max_chats=args.max_chats,
        now=time.time(),
    )
    _with_store(args, lambda store: store.add_agent(agent))
    console.print(f"Added {agent.role} [bold]{agent.login}[/] ({agent.name}).", highlight=False)
    return 0


def cmd_agents_list(args: argparse.Namespace) -> int:
    agents = _with_store(args, lambda store: store.agents())
    table = Table(title="Agents")
    for column in ("login", "name", "role", "skills", "languages", "teams", "max chats", "status"):
        table.add_column(column)
    for agent in agents:
        status = "disabled" if agent.disabled else agent.status
        table.add_row(
            agent.login,
            agent.name,
            agent.role,
            ", ".join(agent.skills),
            ", ".join(agent.languages),
            ", ".join(agent.teams),
            str(agent.max_chats),
            status,
        )
    Console().print(table)  # made now: COLUMNS as the shell has it
    return 0


def cmd_agents_disable(args: argparse.Namespace) -> int:
    from bot.cli_privacy import terminal_actor
    from bot.store.audit import AGENT_DISABLED
    from bot.store.sql import SQLTrackerStore
    from bot.store.sql_audit import SQLAuditLog

    async def disable(store: QueueStore) -> bool:
        done = await store.set_agent_disabled(args.login, True, time.time())
        if done and isinstance(store, SQLTrackerStore):  # as the console's admin page does
            details = {"disabled": True}
            await SQLAuditLog(store).record(terminal_actor(), AGENT_DISABLED, args.login, details)
        return done

    done = _with_store(args, disable)
    if not done:
        raise ConfigError(f"no agent with login {args.login!r}")
    console.print(f"Disabled [bold]{args.login}[/]; they can no longer log in.", highlight=False)
    return 0


def add_agents_parser(verbs: Any) -> None:
    """Add ``agents`` and its sub-commands to the ``bot`` parser's verbs."""
    agents = verbs.add_parser("agents", help="add, list and disable operators")
    agents.add_argument("--endpoints", default="endpoints.yml", help="where the stores are")
    sub = agents.add_subparsers(dest="part", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="add an operator (the password is asked, never an argument)")
    add.add_argument("--login", required=True)
    add.add_argument("--name", help="shown to players and colleagues (default: the login)")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--skills", default="general", help="comma-separated: finance,kyc,...")
    add.add_argument("--languages", default="tr", help="comma-separated: tr,en")
    add.add_argument("--teams", default="", help="comma-separated team names")
    add.add_argument("--max-chats", type=int, default=3, help="chats at once (1-50)")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(func=cmd_agents_add)

    listing = sub.add_parser("list", help="show every operator")
    listing.set_defaults(func=cmd_agents_list)

    disable = sub.add_parser("disable", help="stop an operator from logging in")
    disable.add_argument("login")
    disable.set_defaults(func=cmd_agents_disable)
