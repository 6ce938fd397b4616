"""Service levels: how long a waiting conversation may wait for its first human answer.

Targets are per priority (operators promise 15 s to 3 min). A conversation waiting past
its target rises one priority step, once, and supervisors are alerted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.errors import ConfigError
from bot.store.queue_base import QueueEntry

__all__ = ["DEFAULT_TARGETS", "SlaPolicy"]

# priority -> seconds to the first human answer: responsible gambling (3) first.
DEFAULT_TARGETS: Mapping[int, float] = {3: 15.0, 2: 30.0, 1: 60.0, 0: 180.0}
MIN_TARGET, MAX_TARGET = 5.0, 3600.0


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """``targets`` maps a priority to seconds; a priority above every key takes the
    highest key's target, one below every key the lowest key's."""

    targets: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    step: int = 1

    def __post_init__(self) -> None:
        if not self.targets:
            raise ConfigError("handover sla: at least one priority needs a target")
        for priority, seconds in self.targets.items():
            if not MIN_TARGET <= seconds <= MAX_TARGET:
                raise ConfigError(
                    f"handover sla: priority {priority}: {seconds:g} s is outside "
                    f"{MIN_TARGET:g}-{MAX_TARGET:g} s"
                )

    def target(self, priority: int) -> float:
        """Seconds a conversation of this priority may wait."""
        if priority in self.targets:
            return self.targets[priority]
        keys = sorted(self.targets)
        below = [key for key in keys if key <= priority]
        return self.targets[below[-1]] if below else self.targets[keys[0]]

    def deadline(self, entry: QueueEntry) -> float:
        return entry.requested_at + self.target(entry.priority)

    def overdue(self, waiting: Iterable[QueueEntry], now: float) -> list[QueueEntry]:
        """The waiting conversations past their target, not escalated yet, most urgent first."""
        late = [e for e in waiting if not e.escalated and now > self.deadline(e)]
        return sorted(late, key=lambda e: (-e.priority, e.requested_at))
