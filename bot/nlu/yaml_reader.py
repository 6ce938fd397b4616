"""Read Rasa 3.x NLU training data (the ``nlu:`` key of data/*.yml) into TrainingData.

An ``nlu:`` list holds ``intent:`` blocks (examples as a ``|`` block of ``- `` lines or
as a list of ``text:`` items), ``synonym:``, ``regex:`` and ``lookup:`` blocks. Files of a
data directory that hold only ``stories:``, ``rules:`` or ``responses:`` are passed over.

Problems that do not stop loading come back as :class:`DataWarning`s with the code that
``bot data validate`` reports them under. Examples are compared with annotations stripped
and through :func:`normalize_for_match`, so "şifre" under one intent and "sifre" under
another is a conflict.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import DataError
from bot.nlu.entity_annotations import parse_annotated
from bot.nlu.training_data import Example, LookupTable, RegexPattern, TrainingData
from bot.nlu.turkish_text import normalize_for_match
from bot.validation_codes import render
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_str,
    kind_of,
)
from bot.yaml_io import (
    DataWarning,
    LineDict,
    PathsArg,
    find_yaml_files,
    read_yaml_mapping,
)

__all__ = ["DataWarning", "load_nlu", "read_nlu", "read_nlu_dir"]

log = logging.getLogger(__name__)
_KINDS = ("intent", "synonym", "regex", "lookup")
_ITEM_KEYS = {*_KINDS, "examples", "metadata"}
_VERSION = re.compile(r"^[23](\.\d+)?$")


@dataclass(frozen=True, slots=True)
class _Seen:
    intent: str
    source: str


class _NluCollector:
    """Accumulates examples, synonyms, regexes and lookups over several files."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.examples: list[Example] = []
        self.synonyms: dict[str, str] = {}
        self.regexes: list[RegexPattern] = []
        self.lookups: list[LookupTable] = []
        self.warnings: list[DataWarning] = []
        self._exact: dict[tuple[str, str], str] = {}
        self._by_text: dict[str, _Seen] = {}
        self._synonym_sources: dict[str, tuple[str, str]] = {}

    def warn(self, source: str, code: str, **fields: Any) -> None:
        self.warnings.append(DataWarning(source, render(code, **fields), code))

    def read_file(self, path: Path) -> None:
        data = read_yaml_mapping(path)
        self._check_version(data, path)
        if data.get("nlu") is None:
            return
        items = expect_list(data["nlu"], f"{path}:{data.line_of('nlu')}", "'nlu'")
        # intent → the line and metadata of each block: another block is worth a warning
        # unless it carries other metadata (blocks are how examples get metadata of their own)
        intent_blocks: dict[str, list[tuple[int, Any]]] = {}
        for index, raw in enumerate(items):
            where = f"{path}:{items.line_at(index)}"
            item = expect_mapping(raw, where, "an nlu item")
            kind = self._kind_of_item(item, where)
            value = item[kind]
            if kind == "synonym" and isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)  # "- synonym: 1" maps "bir" to 1
            name = expect_str(value, f"{path}:{item.line_of(kind)}", f"the {kind} name")
            self._check_keys(item, path)
            if kind == "intent":
                metadata = item.get("metadata")
                blocks = intent_blocks.setdefault(name, [])
                same = next((line for line, other in blocks if other == metadata), None)
                if same is not None:
                    self.warn(where, "D105", intent=name, line=same)
                blocks.append((item.line, metadata))
                self._add_intent(name, item, path)
            elif kind == "synonym":
                for surface, source in self._lines(item, path):
                    self.add_synonym(surface, name, source)
            elif kind == "regex":
                patterns = self._lines(item, path)
                self.regexes.extend(RegexPattern(name, p, source) for p, source in patterns)
            else:
                elements = tuple(text for text, _ in self._lines(item, path))
                self.lookups.append(LookupTable(name, elements, where))

    def _check_version(self, data: LineDict, path: Path) -> None:
        if "version" not in data:
            return
        version = data["version"]
        if not isinstance(version, str) or not _VERSION.match(version):
            self.warn(f"{path}:{data.line_of('version')}", "D111", version=version)

    @staticmethod
    def _kind_of_item(item: LineDict, where: str) -> str:
        kinds = [k for k in _KINDS if k in item]
        if len(kinds) != 1:
            found = ", ".join(map(str, item)) or "none"
            raise DataError(
                f"{where}: an nlu item needs exactly one of intent:, synonym:, regex:, "
                f"lookup: (found keys: {found})"
            )
        return kinds[0]

    def _check_keys(self, item: LineDict, path: Path) -> None:
        for key in item:
            if key not in _ITEM_KEYS:
                self.warn(f"{path}:{item.line_of(key)}", "D112", key=key)

    def _lines(self, item: LineDict, path: Path) -> Iterator[tuple[str, str]]:
        """Each example of ``item`` as (text, ``file:line``), from a block or a list."""
        examples = item.get("examples")
        if examples is None:
            return
        if isinstance(examples, str):
            first = item.value_line("examples")
            for offset, raw in enumerate(examples.splitlines()):
                line = raw.strip()
                source = f"{path}:{first + offset}"
                if not line:
                    continue
                if not line.startswith("-"):
                    self.warn(source, "D110", line=line)
                    continue
                if line[1:].strip():
                    yield line[1:].strip(), source
                else:
                    self.warn(source, "D118")
            return
        entries = expect_list(examples, f"{path}:{item.line_of('examples')}", "'examples'")
        for index, entry in enumerate(entries):
            source = f"{path}:{entries.line_at(index)}"
            text = entry.get("text") if isinstance(entry, dict) else entry
            if isinstance(text, int | float) and not isinstance(text, bool):
                text = str(text)
            if not isinstance(text, str):
                raise DataError(f"{source}: an example must be a text, found {kind_of(text)}")
            if text.strip():
                yield text.strip(), source
            else:
                self.warn(source, "D118")

    def _add_intent(self, intent: str, item: LineDict, path: Path) -> None:
        added = 0
        for raw_text, source in self._lines(item, path):
            added += self._add_example(intent, raw_text, source)
        if added == 0:
            self.warn(f"{path}:{item.line}", "D103", intent=intent, count=0)

    def _add_example(self, intent: str, raw_text: str, source: str) -> int:
        first = self._exact.get((intent, raw_text))
        if first is not None:
            self.warn(source, "D106", text=raw_text, intent=intent, first=first)
            return 0
        self._exact[(intent, raw_text)] = source
        annotated = parse_annotated(raw_text, source)
        key = normalize_for_match(annotated.text)
        seen = self._by_text.setdefault(key, _Seen(intent, source))
        if seen.intent != intent:
            fields = {"text": raw_text, "intent": intent, "other": seen.intent}
            if self.strict:
                raise DataError(f"{source}: {render('D104', **fields, first=seen.source)}")
            self.warn(source, "D104", **fields, first=seen.source)
        for surface, canonical in annotated.synonyms:
            self.add_synonym(surface, canonical, source)
        self.examples.append(Example(annotated.text, intent, annotated.entities, source))
        return 1

    def add_synonym(self, surface: str, canonical: Any, source: str) -> None:
        canonical = str(canonical)
        if surface == canonical:
            return
        key = normalize_for_match(surface)
        earlier = self._synonym_sources.get(key)
        if earlier is not None and earlier[0] != canonical:
            fields = {"surface": surface, "value": canonical, "other": earlier[0]}
            self.warn(source, "D108", **fields, first=earlier[1])
        self._synonym_sources.setdefault(key, (canonical, source))
        self.synonyms[surface] = canonical

    def result(self) -> TrainingData:
        return TrainingData(
            tuple(self.examples), dict(self.synonyms), tuple(self.regexes), tuple(self.lookups)
        )


def load_nlu(paths: PathsArg, *, strict: bool = False) -> tuple[TrainingData, list[DataWarning]]:
    """Read the ``nlu:`` parts of files and directories (recursively, tests skipped).

    An example under two intents comes back as a D104 warning, which ``bot data
    validate`` reports as an error: the project ``rasa init`` writes has one ("good
    afternoon" under greet and goodbye) and must still train. With ``strict`` it raises
    ``DataError`` naming both places instead.
    """
    collector = _NluCollector(strict)
    for path in find_yaml_files(paths):
        collector.read_file(path)
    return collector.result(), collector.warnings


def read_nlu(paths: PathsArg, *, strict: bool = False) -> TrainingData:
    """The training data of one or more files or directories; warnings are logged."""
    data, warnings = load_nlu(paths, strict=strict)
    for warning in warnings:
        log.warning("%s", warning)
    return data


def read_nlu_dir(root: str | Path, *, strict: bool = False) -> TrainingData:
    """Every ``*.yml``/``*.yaml`` under ``root`` except ``tests/`` and ``test_*`` files."""
    if not Path(root).is_dir():
        raise DataError(f"{root}: not a directory")
    return read_nlu(root, strict=strict)
