"""``bot data validate``: read every project file, run the checks, print the issues."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.nlu.yaml_reader import load_nlu
from bot.workbench.canned_validation import canned_issues
from bot.workbench.validation import Issue, validate_project

__all__ = ["validate_files"]


def collect_issues(domain: Path, data: Sequence[Path], config: Path) -> list[Issue]:
    project_config = read_config(config) if config.exists() else None
    training_data, nlu_warnings = load_nlu(list(data))
    stories = load_stories(list(data))
    project_domain = read_domain(domain)
    issues = validate_project(
        project_domain,
        training_data,
        stories.stories,
        stories.rules,
        project_config,
        nlu_warnings=nlu_warnings,
    )
    # the console's canned responses live beside the domain
    return issues + canned_issues(domain.parent / "canned.yml", project_domain)


def validate_files(
    *,
    domain: Path,
    data: Sequence[Path],
    config: Path,
    fail_on_warnings: bool,
    console: Console,
) -> int:
    """Print every issue; exit 1 on errors (or on warnings with ``--fail-on-warnings``)."""
    issues = collect_issues(domain, data, config)
    for issue in issues:
        colour = "red" if issue.level == "error" else "yellow"
        console.print(
            # Escaped: an example such as "[world](cuisine) food" is text, not rich markup.
            f"{escape(issue.source)}: [{colour}]{issue.level}[/] {issue.code}: "
            f"{escape(issue.message)}",
            highlight=False,
            soft_wrap=True,
        )
    errors = sum(1 for i in issues if i.level == "error")
    warnings = len(issues) - errors
    if not issues:
        console.print("[green]Data is valid:[/] no problems found.")
    else:
        console.print(f"{errors} error(s), {warnings} warning(s).")
    return 1 if errors or (fail_on_warnings and warnings) else 0
