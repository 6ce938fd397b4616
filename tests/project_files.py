"""Writing project files (domain.yml, data/*.yml, ...) in tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write"]


def write(path: str, text: str) -> str:
    """Write ``text`` to ``path`` (relative to the working directory), making folders."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text, encoding="utf-8")
    return path
