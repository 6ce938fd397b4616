"""``python -m actions.backend``: serve the mock account backend with uvicorn.

The tokens come from the environment (``DESTEK_BACKEND_TOKEN``, the one the custom actions
send, and ``DESTEK_BACKEND_ADMIN_TOKEN``): a command line is visible to every user of the
machine in ``ps``. ``--api-token`` and ``--admin-token`` override them for a quick demo.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from actions.backend.app import create_app
from actions.backend.config import BackendConfig

TOKEN_ENV = "DESTEK_BACKEND_TOKEN"
ADMIN_TOKEN_ENV = "DESTEK_BACKEND_ADMIN_TOKEN"


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
    parser.add_argument(
        "--reseed", action="store_true", help="wipe the database and seed the demo players anew"
    )
    parser.add_argument(
        "--no-seed", action="store_true", help="do not seed an empty database with demo players"
    )
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    config = BackendConfig(
        db_path=args.db,
        api_token=args.api_token,
        admin_token=args.admin_token,
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


if __name__ == "__main__":
    main()
