"""``python -m actions.backend``: serve the mock account backend with uvicorn.

The tokens come from the environment (``DESTEK_BACKEND_TOKEN``, the one the custom actions
send, and ``DESTEK_BACKEND_ADMIN_TOKEN``) or from files (``--api-token-file``,
``--admin-token-file``): a command line is visible to every user of the machine in ``ps``.
``--api-token`` and ``--admin-token`` still override them for a quick demo, with a warning.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from actions.backend.app import create_app
from actions.backend.config import BackendConfig

TOKEN_ENV = "DESTEK_BACKEND_TOKEN"
ADMIN_TOKEN_ENV = "DESTEK_BACKEND_ADMIN_TOKEN"
log = logging.getLogger("actions.backend")


def build_parser() -> argparse.ArgumentParser:
    defaults = BackendConfig()
    parser = argparse.ArgumentParser(
        prog="python -m actions.backend",
        description="Serve the Destek mock account backend (JSON under /api/v1).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5056)
    parser.add_argument(
        "--db", type=Path, default=None, help="SQLite file; in memory when not given"
    )
    parser.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV, defaults.api_token),
        help=f"bearer token for /api/v1 (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get(ADMIN_TOKEN_ENV, defaults.admin_token),
        help=f"X-Admin-Token for admin routes (default: ${ADMIN_TOKEN_ENV})",
    )
    parser.add_argument("--api-token-file", type=Path, help="a file holding the bearer token")
    parser.add_argument("--admin-token-file", type=Path, help="a file holding the admin token")
    parser.add_argument(
        "--reseed", action="store_true", help="wipe the database and seed the demo players anew"
    )
    parser.add_argument(
        "--no-seed", action="store_true", help="do not seed an empty database with demo players"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    given = sys.argv[1:] if argv is None else list(argv)
    if any(arg.split("=")[0] in ("--api-token", "--admin-token") for arg in given):
        log.warning("a token on the command line is visible to every user in `ps`: use "
                    "%s, %s or --api-token-file", TOKEN_ENV, ADMIN_TOKEN_ENV)  # fmt: skip
    api_token = _from_file(parser, args.api_token_file) or args.api_token
    admin_token = _from_file(parser, args.admin_token_file) or args.admin_token
    config = BackendConfig(
        db_path=args.db,
        api_token=api_token,
        admin_token=admin_token,
        seed_demo_data=not args.no_seed,
        reseed=args.reseed,
    )
    # No access log: lookup query strings carry e-mail addresses and phone numbers.
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
    )


def _from_file(parser: argparse.ArgumentParser, path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        parser.error(f"cannot read the token file {path}: {exc}")
    if not token:
        parser.error(f"the token file {path} is empty")
    return token


if __name__ == "__main__":
    main()
