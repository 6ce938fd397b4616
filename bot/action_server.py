"""``bot run actions``: rasa_sdk's action server for a project's actions, behind a secret.

The actions answer with players' balances and documents, trusting the tracker they are
sent (``verified: true``), so only the engine may call them. The engine proves itself with
a shared secret: the header ``X-Destek-Action-Token`` (what Destek sends), or Rasa's query
parameter (``?token=``, named by ``token_name``: what a Rasa engine sends when
endpoints.yml's ``action_endpoint`` has a ``token``). Both are compared in constant time.
``/health`` stays open, for supervisors and load balancers. The secret comes from
``DESTEK_ACTION_TOKEN`` or a file, never the command line (``ps`` shows that to everyone).

rasa_sdk's Sanic app is used as it is; the check is one request middleware in front of it.
"""

from __future__ import annotations

import hmac
import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.dialogue.action_client import ACTION_TOKEN_HEADER
from bot.errors import ConfigError

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

__all__ = [
    "ACTION_TOKEN_HEADER",
    "OPEN_PATHS",
    "build_action_app",
    "read_token_file",
    "require_token",
]

OPEN_PATHS = frozenset({"/health"})


def read_token_file(path: Path) -> str:
    """The secret in ``path`` (one line; surrounding white space is not part of it).

    Raises:
        ConfigError: the file cannot be read or holds no secret.
    """
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the action server token file {path}: {exc}") from exc
    if not token:
        raise ConfigError(f"the action server token file {path} is empty")
    return token


def require_token(app: Sanic[Any, Any], secret: str, token_name: str = "token") -> None:
    """Answer 401 to every request but ``/health`` that does not carry ``secret``."""
    expected = secret.encode()

    async def check(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_TOKEN_HEADER) or request.args.get(token_name)
        if given is not None and hmac.compare_digest(given.encode(), expected):
            return None
        from sanic import response

        return response.json(
            {"error": "unauthorized", "message": "missing or wrong action server token"},
            status=401,
            headers={"WWW-Authenticate": ACTION_TOKEN_HEADER},
        )

    app.register_middleware(check, "request")


def build_action_app(
    package_name: str,
    secret: str | None,
    *,
    token_name: str = "token",
    cors: Any = "*",
    auto_reload: bool = False,
) -> tuple[Sanic[Any, Any], list[str]]:
    """rasa_sdk's app for the actions in ``package_name`` (imported from the working
    directory), checking ``secret`` when one is given; and the actions' names.

    Raises:
        ConfigError: the package cannot be imported.
    """
    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    if str(Path.cwd()) not in sys.path:  # the console script does not put the project there
        sys.path.insert(0, str(Path.cwd()))
    try:
        package = importlib.import_module(package_name)
    except ImportError as exc:
        raise ConfigError(f"cannot import the actions package {package_name!r}: {exc}") from exc
    executor = ActionExecutor()
    executor.register_package(package)
    app = create_app(executor, cors_origins=cors, auto_reload=auto_reload)
    if secret is not None:
        require_token(app, secret, token_name)
    return app, sorted(executor.actions)
