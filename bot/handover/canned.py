"""Canned responses: the replies an agent sends often, kept by content editors in
``canned.yml`` beside domain.yml, in the same Rasa-style YAML::

    version: "3.1"
    canned_responses:
      cekim_suresi:                      # the shortcut an agent types: /cekim_suresi
        title: Çekim süreleri
        intents: [withdrawal_status, withdrawal_request]
        text: |
          Merhaba {player_name}, çekim talepleriniz ...
      selamlama:
        title: Karşılama
        text:                            # or one text per language
          tr: Merhaba, ben {agent_name}.
          en: Hello, I am {agent_name}.

A text may use the ``{variables}`` of :data:`VARIABLES` only; anything else in braces is
refused with its file and line, so a typo never reaches a player as ``{palyer_name}``.
Searching and filling in the variables is :mod:`bot.handover.canned_search`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.yaml_fields import expect_mapping, expect_names, expect_str
from bot.yaml_io import LineDict, read_yaml_mapping

__all__ = [
    "DEFAULT_LANGUAGE",
    "VARIABLES",
    "VARIABLE_PATTERN",
    "CannedResponse",
    "read_canned",
    "unfilled_variables",
]

DEFAULT_LANGUAGE = "tr"
VARIABLES = (
    "player_name",  # the player's full name (account backend), else the name the bot knew
    "first_name",  # the first word of it
    "username",
    "agent_name",  # the agent who sends it
    "balance",  # real money, formatted in Turkish: 1.500,00 ₺
    "bonus_balance",
    "withdrawable",
    "vip_level",
)
"""The variables a canned text may use; each is filled from the conversation when known."""

VARIABLE_PATTERN = re.compile(r"\{([a-z_]+)\}")
_SHORTCUT = re.compile(r"[a-z0-9_]{2,40}")


def unfilled_variables(text: str) -> tuple[str, ...]:
    """The canned ``{variables}`` still standing in ``text`` (braces around anything
    else are the agent's own), each once, in order."""
    found = (m.group(1) for m in VARIABLE_PATTERN.finditer(text))
    return tuple(dict.fromkeys(name for name in found if name in VARIABLES))


_ENTRY_KEYS = ("title", "text", "intents")
_TOP_KEYS = ("version", "canned_responses")
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True, slots=True)
class CannedResponse:
    """One canned reply: ``texts`` by language (the default language first when given)."""

    shortcut: str
    title: str
    texts: Mapping[str, str] = field(hash=False)
    intents: tuple[str, ...] = ()
    source: str = field(default="", compare=False)  # canned.yml:12, for messages

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The text in ``language``, else in Turkish, else the first one written."""
        found = self.texts.get(language) or self.texts.get(DEFAULT_LANGUAGE)
        return found if found is not None else next(iter(self.texts.values()))


def read_canned(path: str | Path) -> tuple[CannedResponse, ...]:
    """The canned responses of one file, in file order.

    Raises:
        DataError: ``canned.yml:12: ...`` for bad YAML, an unknown key, a shortcut that is
            not lowercase ASCII, a missing title or text, or an unknown ``{variable}``.
    """
    name = str(path)
    data = read_yaml_mapping(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise DataError(
                f"{name}:{data.line_of(key)}: unknown key {key!r} (known: {', '.join(_TOP_KEYS)})"
            )
    entries = data.get("canned_responses")
    if entries is None:
        return ()
    where = f"{name}:{data.line_of('canned_responses')}"
    section = expect_mapping(entries, where, "'canned_responses'")
    return tuple(_entry(name, section, shortcut) for shortcut in section)


def _entry(name: str, section: LineDict, shortcut: Any) -> CannedResponse:
    where = f"{name}:{section.line_of(shortcut)}"
    if not isinstance(shortcut, str) or not _SHORTCUT.fullmatch(shortcut):
        raise DataError(
            f"{where}: the shortcut {shortcut!r} must be 2-40 lowercase ASCII letters, "
            "digits or '_' (agents type it after '/', e.g. cekim_suresi)"
        )
    entry = expect_mapping(section[shortcut], where, f"canned response {shortcut!r}")
    for key in entry:
        if key not in _ENTRY_KEYS:
            raise DataError(
                f"{name}:{entry.line_of(key)}: canned response {shortcut!r}: unknown key "
                f"{key!r} (known: {', '.join(_ENTRY_KEYS)})"
            )
    what = f"canned response {shortcut!r}"
    title = expect_str(entry.get("title"), where, f"{what}: 'title'").strip()
    if "text" not in entry:
        raise DataError(f"{where}: {what} needs a 'text'")
    texts = _texts(name, entry, what)
    intents = expect_names(
        entry.get("intents"), f"{name}:{entry.line_of('intents')}", f"{what}: 'intents'"
    )
    return CannedResponse(shortcut, title, texts, intents, where)


def _texts(name: str, entry: LineDict, what: str) -> dict[str, str]:
    value = entry["text"]
    if not isinstance(value, dict):
        line = entry.value_line("text")
        text = expect_str(value, f"{name}:{line}", f"{what}: 'text'")
        return {DEFAULT_LANGUAGE: _checked(text, name, line, what)}
    languages = expect_mapping(value, f"{name}:{entry.line_of('text')}", f"{what}: 'text'")
    if not languages:
        raise DataError(f"{name}:{entry.line_of('text')}: {what}: 'text' has no language")
    texts: dict[str, str] = {}
    for language, text in languages.items():
        line = languages.value_line(language)
        if not isinstance(language, str) or not _LANGUAGE.fullmatch(language):
            raise DataError(
                f"{name}:{languages.line_of(language)}: {what}: {language!r} is not a "
                "two-letter language code (tr, en...)"
            )
        checked = expect_str(text, f"{name}:{line}", f"{what}: 'text.{language}'")
        texts[language] = _checked(checked, name, line, f"{what} ({language})")
    return texts


def _checked(text: str, name: str, first_line: int, what: str) -> str:
    """``text`` if each brace is a known ``{variable}``; else the error with its line."""
    for offset, line_text in enumerate(text.split("\n")):
        line = first_line + offset
        for match in VARIABLE_PATTERN.finditer(line_text):
            if match.group(1) not in VARIABLES:
                raise DataError(
                    f"{name}:{line}: {what}: unknown variable {match.group(0)} "
                    f"(known: {', '.join('{' + v + '}' for v in VARIABLES)})"
                )
        stray = VARIABLE_PATTERN.sub("", line_text)
        if "{" in stray or "}" in stray:
            raise DataError(
                f"{name}:{line}: {what}: a brace that is not a variable; write variables "
                "as {player_name}, lowercase with '_'"
            )
    return text.strip()
