"""The contract every NLU component keeps.

``__init__`` only stores its options. ``train`` learns from the training messages (already
processed by the components before it) and returns ``self``; learned state ends in ``_``.
``process`` fills in one message; ``process_batch`` may do many at once. Components that
add something later components need (normalisation, tokens, features) set
``featurizes = True`` so the pipeline runs them over the training messages as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

from bot.nlu.message import Message
from bot.nlu.training_data import TrainingData

__all__ = ["Component"]


class Component:
    component_name: ClassVar[str] = ""
    featurizes: ClassVar[bool] = False

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        return self

    def process(self, message: Message) -> None:
        raise NotImplementedError

    def process_batch(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.process(message)

    def warm_up(self) -> None:
        """Load anything heavy (an encoder) before the first request; called after load."""

    def __getstate__(self) -> dict[str, Any]:
        # Persisted with pickle: drop private handles (``_name``) that are reloaded lazily.
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
