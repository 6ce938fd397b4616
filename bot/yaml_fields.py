"""Typed access to YAML data: each helper returns the value or says what is wrong, and where.

``where`` is always ``file:line``, so a message reads
``domain.yml:12: 'intents' must be a list, found the text 'greet'``.
"""

from __future__ import annotations

from typing import Any

from bot.errors import DataError, DestekError
from bot.yaml_io import LineDict, LineList, kind_of

__all__ = [
    "expect_list",
    "expect_mapping",
    "expect_names",
    "expect_str",
    "kind_of",
    "plain",
]


def expect_mapping(
    value: Any, where: str, what: str, *, error: type[DestekError] = DataError
) -> LineDict:
    """``value`` if it is a mapping, else ``error("where: what must be a mapping, ...")``."""
    if isinstance(value, LineDict):
        return value
    if isinstance(value, dict):
        return LineDict(value)
    raise error(f"{where}: {what} must be a mapping, found {kind_of(value)}")


def expect_list(
    value: Any, where: str, what: str, *, error: type[DestekError] = DataError
) -> LineList:
    if isinstance(value, LineList):
        return value
    if isinstance(value, list):
        return LineList(value)
    raise error(f"{where}: {what} must be a list, found {kind_of(value)}")


def expect_str(value: Any, where: str, what: str, *, error: type[DestekError] = DataError) -> str:
    """A non-empty string; numbers are refused too, since names are never numbers."""
    if isinstance(value, str) and value.strip():
        return value
    raise error(f"{where}: {what} must be a non-empty text, found {kind_of(value)}")


def expect_names(
    value: Any, where: str, what: str, *, error: type[DestekError] = DataError
) -> tuple[str, ...]:
    """A name or a list of names, as a tuple; numbers become text (Rasa reads them so)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        out.append(expect_str(item, where, what, error=error))
    return tuple(out)


def plain(value: Any) -> Any:
    """The same data as ordinary dicts and lists (for options and JSON output)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
