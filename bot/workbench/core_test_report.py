"""What ``bot test core`` found: per-story mistakes, accuracies and the report files.

``story_report.json`` holds scikit-learn's classification report per action (Rasa's
shape) and the story accuracy; ``failed_test_stories.yml`` the failed stories in Rasa's
test story format with ``# predicted: X`` on each wrong step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

__all__ = [
    "FAILED_STORIES",
    "STORY_REPORT",
    "CoreTestReport",
    "Mistake",
    "StoryResult",
    "write_reports",
]

FAILED_STORIES = "failed_test_stories.yml"
STORY_REPORT = "story_report.json"


@dataclass(frozen=True, slots=True)
class Mistake:
    """One wrong prediction: ``kind`` is ``intent`` or ``action``."""

    kind: str
    expected: str
    predicted: str
    source: str


@dataclass(frozen=True, slots=True)
class StoryResult:
    """One straight version of a test story, replayed; ``yaml`` is it in Rasa's test
    story format, with ``# predicted: X`` on the wrong steps."""

    name: str
    source: str
    mistakes: tuple[Mistake, ...]
    yaml: tuple[str, ...] = field(repr=False)

    @property
    def passed(self) -> bool:
        return not self.mistakes


@dataclass(frozen=True, slots=True)
class CoreTestReport:
    results: tuple[StoryResult, ...]
    expected_actions: tuple[str, ...]
    predicted_actions: tuple[str, ...]

    @property
    def failed(self) -> list[StoryResult]:
        return [r for r in self.results if not r.passed]

    @property
    def story_accuracy(self) -> float:
        return _share(len(self.results) - len(self.failed), len(self.results))

    @property
    def action_accuracy(self) -> float:
        pairs = zip(self.expected_actions, self.predicted_actions, strict=True)
        return _share(sum(e == p for e, p in pairs), len(self.expected_actions))

    def report_dict(self) -> dict[str, Any]:
        """scikit-learn's classification report per action, and the story accuracy."""
        from sklearn.metrics import classification_report

        report: dict[str, Any] = {}
        if self.expected_actions:
            report = classification_report(
                list(self.expected_actions),
                list(self.predicted_actions),
                output_dict=True,
                zero_division=0,
            )
        report["conversation_accuracy"] = {
            "accuracy": self.story_accuracy,
            "correct": len(self.results) - len(self.failed),
            "total": len(self.results),
        }
        return report

    def summary(self) -> Table:
        table = Table(title="Test stories", show_header=False)
        table.add_row("stories", str(len(self.results)))
        table.add_row("story accuracy", f"{self.story_accuracy:.1%}")
        table.add_row("actions predicted", str(len(self.expected_actions)))
        table.add_row("action accuracy", f"{self.action_accuracy:.1%}")
        for result in self.failed:
            wrong = "; ".join(
                f"{m.kind} {m.expected} → {m.predicted} ({m.source})" for m in result.mistakes
            )
            table.add_row(f"[red]failed[/] {result.name}", wrong)
        return table


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


# ---- checking the stories against the domain -------------------------------------------


def write_reports(report: CoreTestReport, out_dir: Path) -> list[Path]:
    """``story_report.json`` and ``failed_test_stories.yml`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    story_report = out_dir / STORY_REPORT
    story_report.write_text(
        json.dumps(report.report_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    lines = ['version: "3.1"']
    if report.failed:
        lines.append("stories:")
        for result in report.failed:
            lines.extend(result.yaml)
    else:
        lines.append("stories: []  # every test story passed")
    failed = out_dir / FAILED_STORIES
    failed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [story_report, failed]
