"""Secrets a project keeps between runs when none is given: made once, kept in a file.

A secret that signs something a client holds (a web-chat session, a REST caller's
credential) must outlive a restart and be the same in every worker, so it cannot be
made fresh at start-up. When neither the environment nor credentials.yml gives one,
:func:`project_secret` makes a random one in ``.destek/`` beside the project's files,
readable by its owner only, and every later run (and worker) reads the same file.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from bot.errors import ConfigError

__all__ = ["SECRETS_DIRECTORY", "project_secret"]

SECRETS_DIRECTORY = ".destek"
_MIN_LENGTH = 16


def project_secret(directory: Path, name: str) -> str:
    """The secret ``<directory>/.destek/<name>``, made (mode 0600) when it does not exist.

    Two processes starting at once agree: the file is created exclusively, and the one
    that loses the race reads the winner's.

    Raises:
        ConfigError: the file cannot be read or made, or holds too short a secret.
    """
    path = directory / SECRETS_DIRECTORY / name
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read(path)
        value = secrets.token_urlsafe(32)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(value + "\n")
        return value
    except OSError as exc:
        raise ConfigError(f"{path}: cannot keep the {name} secret there ({exc.strerror})") from exc


def _read(path: Path) -> str:
    for _ in range(40):  # a file being written by the process that won the race is empty
        value = path.read_text(encoding="utf-8").strip()
        if value:
            break
        time.sleep(0.05)
    if len(value) < _MIN_LENGTH:
        raise ConfigError(f"{path}: the secret is shorter than {_MIN_LENGTH} characters")
    return value
