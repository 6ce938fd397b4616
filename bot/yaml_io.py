"""Read YAML files into Python data that remembers the line each value came from.

Every reader of Rasa files (nlu, domain, stories, config) goes through :func:`read_yaml`,
so a content editor's mistake always comes back as ``data/nlu.yml:12: what is wrong``.
Scalars follow YAML 1.2 like Rasa does (``yes``/``no``/``on``/``off`` stay strings,
``010`` is ten, no dates), duplicate keys are refused, and mappings and sequences come
back as :class:`LineDict` and :class:`LineList`, which know their lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.errors import DataError, DestekError

__all__ = [
    "DataWarning",
    "LineDict",
    "LineList",
    "PathsArg",
    "find_yaml_files",
    "kind_of",
    "read_yaml",
    "read_yaml_mapping",
]

PathsArg = str | Path | Iterable[str | Path]
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class DataWarning:
    """A problem found while reading data that does not stop loading.

    ``code`` is the validation code (see ``bot/validation_codes.py``) that decides whether
    ``bot data validate`` reports it as an error or a warning.
    """

    source: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class LineDict(dict[Any, Any]):
    """A mapping read from YAML; ``line`` is where it starts (1-based)."""

    __slots__ = ("_key_lines", "_value_lines", "line")

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = line
        self._key_lines: dict[Any, int] = {}
        self._value_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line of ``key`` itself, or the mapping's line if unknown."""
        return self._key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        """The line where the text of ``key``'s value begins.

        For a block scalar (``examples: |``) that is the line after the ``|``, so the
        n-th line of the string is at ``value_line(key) + n``.
        """
        return self._value_lines.get(key, self.line_of(key))


class LineList(list[Any]):
    """A sequence read from YAML; ``lines[i]`` is where item ``i`` begins."""

    __slots__ = ("line", "lines")

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line
        self.lines: list[int] = []

    def line_at(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def _content_line(node: Node) -> int:
    """1-based line where a node's content starts (after a block scalar's indicator)."""
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        return int(node.start_mark.line) + 2
    return int(node.start_mark.line) + 1


class _LineLoader(_BaseLoader):  # type: ignore[misc]
    """The safe loader with YAML 1.2 scalars and line-recording containers."""


def _construct_map(loader: Any, node: MappingNode) -> Any:
    data = LineDict(line=node.start_mark.line + 1)
    yield data
    explicit = {id(k) for k, _ in node.value if k.tag != _TAG + "merge"}
    loader.flatten_mapping(node)
    first_seen: dict[Any, Node] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                None, None, "a list or mapping cannot be used as a key", key_node.start_mark
            ) from None
        earlier = first_seen.get(key)
        if earlier is not None and id(earlier) in explicit and id(key_node) in explicit:
            raise ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {earlier.start_mark.line + 1})",
                key_node.start_mark,
            )
        first_seen[key] = key_node
        data[key] = loader.construct_object(value_node)
        data._key_lines[key] = key_node.start_mark.line + 1
        data._value_lines[key] = _content_line(value_node)


def _construct_seq(loader: Any, node: SequenceNode) -> Any:
    data = LineList(line=node.start_mark.line + 1)
    yield data
    data.extend(loader.construct_object(child) for child in node.value)
    data.lines = [_content_line(child) for child in node.value]


def _construct_bool(loader: Any, node: ScalarNode) -> bool:
    return str(loader.construct_scalar(node)).lower() in ("true", "yes", "on")


def _construct_int(loader: Any, node: ScalarNode) -> int:
    text = str(loader.construct_scalar(node)).replace("_", "")
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    try:
        if digits.startswith(("0o", "0x", "0b")):
            return sign * int(digits, 0)
        return sign * int(digits, 10)
    except ValueError:
        raise ConstructorError(None, None, f"{text!r} is not an integer", node.start_mark) from None


def _construct_float(loader: Any, node: ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower().replace("_", "")
    special = {".inf": "inf", "+.inf": "inf", "-.inf": "-inf", ".nan": "nan"}
    try:
        return float(special.get(text, text))
    except ValueError:
        raise ConstructorError(None, None, f"{text!r} is not a number", node.start_mark) from None


_CORE_SCHEMA = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
)
_REPLACED = {_TAG + name for name in ("bool", "int", "float", "timestamp", "value")}
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _name, _pattern, _first in _CORE_SCHEMA:
    _LineLoader.add_implicit_resolver(_TAG + _name, re.compile(_pattern), list(_first))
_LineLoader.add_constructor(_TAG + "map", _construct_map)
_LineLoader.add_constructor(_TAG + "seq", _construct_seq)
_LineLoader.add_constructor(_TAG + "bool", _construct_bool)
_LineLoader.add_constructor(_TAG + "int", _construct_int)
_LineLoader.add_constructor(_TAG + "float", _construct_float)


def _decode(raw: bytes, path: str, error: type[DestekError]) -> str:
    if raw.startswith(_UTF16_BOMS):
        raise error(f"{path}: the file is UTF-16; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(
            f"{path}:{line}: not valid UTF-8 at byte {exc.start}; save the file as UTF-8"
        ) from None


def _describe_yaml_error(exc: yaml.YAMLError, path: str, text: str) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return f"{path}: not valid YAML ({exc})"
    mark = exc.problem_mark
    message = f"{path}:{mark.line + 1}: {exc.problem or 'not valid YAML'}"
    if not isinstance(exc, ConstructorError):
        message += f" (column {mark.column + 1})"
    if exc.context and exc.context_mark is not None and exc.context_mark.line != mark.line:
        message += f", {exc.context} that starts on line {exc.context_mark.line + 1}"
    lines = text.splitlines()
    if mark.line < len(lines) and "\t" in lines[mark.line]:
        message += "; indent with spaces, not tabs"
    return message


def read_yaml(path: str | Path, *, error: type[DestekError] = DataError) -> Any:
    """Parse one YAML file; ``None`` for an empty file.

    Raises ``error`` (``DataError`` unless told otherwise) naming ``path`` as given and
    the line, for unreadable files, bytes that are not UTF-8, YAML syntax errors and
    duplicate keys.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    text = _decode(raw, name, error)
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise error(_describe_yaml_error(exc, name, text)) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise error(f"{name}: not valid YAML ({type(exc).__name__}: {exc})") from None


def read_yaml_mapping(path: str | Path, *, error: type[DestekError] = DataError) -> LineDict:
    """Parse a YAML file whose top level must be a mapping; empty files give ``{}``."""
    data = read_yaml(path, error=error)
    if data is None:
        return LineDict(line=1)
    if not isinstance(data, LineDict):
        raise error(f"{path}:1: the file must hold a mapping of keys, found {kind_of(data)}")
    return data


def kind_of(value: Any) -> str:
    """How a YAML value reads to a person: 'a list', 'a mapping', 'nothing', ..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return type(value).__name__


def _is_test_file(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.stem.startswith("test_") or "tests" in parts[:-1]


def find_yaml_files(paths: PathsArg, *, skip_tests: bool = True) -> list[Path]:
    """YAML files named in ``paths``; directories are searched recursively.

    Inside a directory, hidden folders are skipped and, with ``skip_tests``, so are
    ``tests/`` folders and ``test_*`` files (Rasa keeps test stories there). A file named
    explicitly is always read.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    found: list[Path] = []
    for item in items:
        root = Path(item)
        if root.is_file():
            found.append(root)
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).parts
                if not path.is_file() or path.suffix not in (".yml", ".yaml"):
                    continue
                if any(part.startswith(".") for part in rel):
                    continue
                if skip_tests and _is_test_file(path, root):
                    continue
                found.append(path)
        else:
            raise DataError(f"{item}: no such file or directory")
    return found
