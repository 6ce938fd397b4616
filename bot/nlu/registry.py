"""The component registry: each ``name:`` in config.yml's pipeline is one registered class.

Modelled on spaCy's ``Language.factory``: a decorator registers a name, refuses a taken
one, and keeps default options that are merged under the user's.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.errors import ConfigError

__all__ = ["ComponentRegistry", "registry"]

C = TypeVar("C", bound=type)


class ComponentRegistry:
    """Maps component names (and Rasa aliases) to classes and their default options."""

    def __init__(self) -> None:
        self._classes: dict[str, type] = {}
        self._defaults: dict[str, dict[str, Any]] = {}
        self._aliases: dict[str, str] = {}

    def component(
        self,
        name: str,
        *,
        defaults: Mapping[str, Any] | None = None,
        aliases: tuple[str, ...] = (),
    ) -> Callable[[C], C]:
        """Register a class under ``name``; ``aliases`` are Rasa names it stands in for."""

        def register(cls: C) -> C:
            for key in (name, *aliases):
                if key in self._classes or key in self._aliases:
                    raise ValueError(f"component name {key!r} is already registered")
            self._classes[name] = cls
            self._defaults[name] = dict(defaults or {})
            for alias in aliases:
                self._aliases[alias] = name
            cls.component_name = name  # type: ignore[attr-defined]
            return cls

        return register

    def known(self) -> list[str]:
        return sorted([*self._classes, *self._aliases])

    def resolve(self, name: str) -> str:
        """The registered name for ``name`` or one of its aliases."""
        self._load_builtins()
        if name in self._classes:
            return name
        if name in self._aliases:
            return self._aliases[name]
        close = difflib.get_close_matches(name, self.known(), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown component {name!r}.{hint} Known: {', '.join(self.known())}")

    def component_class(self, name: str) -> type:
        return self._classes[self.resolve(name)]

    def defaults(self, name: str) -> dict[str, Any]:
        return dict(self._defaults[self.resolve(name)])

    def create(self, name: str, options: Mapping[str, Any] | None = None) -> Any:
        """Build a component: registered defaults overlaid with ``options``.

        Unknown option keys are refused with the list of accepted ones, unless the class
        accepts ``**kwargs`` (a Rasa alias that ignores options it has no use for).
        """
        key = self.resolve(name)
        cls = self._classes[key]
        merged = {**self._defaults[key], **dict(options or {})}
        params = inspect.signature(cls).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        accepted = [p for p in params if p not in ("self", "args", "kwargs")]
        unknown = sorted(set(merged) - set(accepted))
        if unknown and not takes_any:
            raise ConfigError(
                f"component {name!r} has no option {', '.join(map(repr, unknown))}; "
                f"its options are: {', '.join(accepted) or '(none)'}"
            )
        try:
            return cls(**merged)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"component {name!r}: {exc}") from exc

    def _load_builtins(self) -> None:
        # Importing the package registers every built-in component exactly once.
        import bot.nlu.components  # noqa: F401


registry = ComponentRegistry()
