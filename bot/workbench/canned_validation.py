"""``bot data validate`` on the console's canned responses: ``canned.yml`` beside the
domain reads without error, and each intent a reply fits is one the domain knows."""

from __future__ import annotations

import re
from pathlib import Path

from bot.dialogue.domain import Domain
from bot.errors import DataError
from bot.handover.canned import read_canned
from bot.validation_codes import level_of, render
from bot.workbench.validation import Issue

__all__ = ["canned_issues"]

_WHERE = re.compile(r"^(.*?:\d+): (.*)$", re.DOTALL)


def canned_issues(path: Path, domain: Domain) -> list[Issue]:
    """The problems of the canned file at ``path``; none when there is no such file."""
    if not path.is_file():
        return []
    try:
        responses = read_canned(path)
    except DataError as error:
        found = _WHERE.match(str(error))
        source, problem = found.groups() if found else (str(path), str(error))
        return [Issue(level_of("D501"), "D501", source, render("D501", problem=problem))]
    known = {intent.name for intent in domain.intents}
    return [
        Issue(
            level_of("D502"),
            "D502",
            response.source,
            render("D502", shortcut=response.shortcut, intent=intent),
        )
        for response in responses
        for intent in response.intents
        if intent not in known
    ]
