"""Read Rasa 3.x stories, rules and test stories into typed steps.

A step is one of ``intent:``/``user:`` (a user turn; ``user:`` text may carry entity
annotations as in nlu.yml), ``action:``, ``bot:`` (end-to-end bot text),
``slot_was_set:``, ``active_loop:``, ``checkpoint:`` or ``or:``. Anything else is a
``DataError`` naming file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.dialogue.story_steps import (
    ActionStep,
    ActiveLoopStep,
    BotStep,
    CheckpointStep,
    OrStep,
    Rule,
    SlotSet,
    SlotStep,
    Step,
    Story,
    StoryData,
    StoryEntity,
    UserStep,
)
from bot.errors import DataError
from bot.nlu.entity_annotations import parse_annotated
from bot.nlu.training_data import EntitySpan
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_str,
    kind_of,
    plain,
)
from bot.yaml_io import (
    LineDict,
    LineList,
    PathsArg,
    find_yaml_files,
    read_yaml_mapping,
)

__all__ = [
    "ActionStep",
    "ActiveLoopStep",
    "BotStep",
    "CheckpointStep",
    "OrStep",
    "Rule",
    "SlotSet",
    "SlotStep",
    "Step",
    "Story",
    "StoryData",
    "StoryEntity",
    "UserStep",
    "load_stories",
]

_STEP_KINDS = ("intent", "user", "action", "bot", "slot_was_set", "active_loop", "checkpoint", "or")
_USER_KEYS = {"intent", "user", "entities", "metadata"}


def _at(where: str, line: int) -> str:
    """``file:line`` for another line of the file that ``where`` names."""
    return f"{where.rsplit(':', 1)[0]}:{line}"


def _entities(value: Any, where: str) -> tuple[StoryEntity, ...]:
    """``- name``, ``- name: value``, and ``role:``/``group:`` beside ``name: value``."""
    out = []
    for item in expect_list(value, where, "entities"):
        if isinstance(item, str):
            out.append(StoryEntity(item))
        elif isinstance(item, dict):
            names = [k for k in item if k not in ("role", "group")]
            if len(names) != 1:
                raise DataError(f"{where}: an entity is written '- name: value', found {item}")
            role, group = item.get("role"), item.get("group")
            out.append(StoryEntity(str(names[0]), plain(item[names[0]]), role, group))
        else:
            found = kind_of(item)
            raise DataError(f"{where}: an entity must be a name or 'name: value', found {found}")
    return tuple(out)


def _user_step(step: LineDict, where: str) -> UserStep:
    unknown = ", ".join(sorted(map(str, set(step) - _USER_KEYS)))
    if unknown:
        raise DataError(f"{where}: a user step cannot also have {unknown}")
    intent = step.get("intent")
    if intent is not None:
        intent = expect_str(intent, _at(where, step.line_of("intent")), "intent").strip()
        intent = intent.removeprefix("/")
    entities = _entities(step["entities"], where) if step.get("entities") else ()
    text = None
    spans: tuple[EntitySpan, ...] = ()
    if step.get("user") is not None:
        if not isinstance(step["user"], str | int | float):
            raise DataError(f"{where}: user: must be the text of the message")
        annotated = parse_annotated(str(step["user"]).strip(), where)
        text, spans = annotated.text, annotated.entities
        if not entities:
            entities = tuple(StoryEntity(s.entity, s.value, s.role, s.group) for s in spans)
    if intent is None and text is None:
        raise DataError(f"{where}: this user step names no intent (and has no user: text)")
    return UserStep(intent, entities, text, spans, where)


def _slot_step(value: Any, where: str) -> SlotStep:
    slots = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            slots.append(SlotSet(item, None, any_value=True))
        elif isinstance(item, dict):
            slots.extend(SlotSet(str(k), plain(v)) for k, v in item.items())
        else:
            raise DataError(f"{where}: slot_was_set entries are 'slot: value' or a slot name")
    return SlotStep(tuple(slots), where)


def _step(raw: Any, where: str) -> Step | None:
    """One step; ``None`` for a step that holds only ``metadata:``."""
    step = expect_mapping(raw, where, "a step (like '- action: utter_greet')")
    kinds = [k for k in _STEP_KINDS if k in step]
    if not kinds and set(step) == {"metadata"}:
        return None
    if not kinds:
        found = ", ".join(map(str, step)) or "none"
        raise DataError(
            f"{where}: unknown step (keys: {found}); a step is one of intent:, user:, "
            "action:, bot:, slot_was_set:, active_loop:, checkpoint:, or:"
        )
    kind = kinds[0]
    if kind in ("intent", "user"):
        return _user_step(step, where)
    if "checkpoint" in step:
        kind = "checkpoint"
    allowed = {kind, "metadata"} | ({"slot_was_set"} if kind == "checkpoint" else set())
    extra = set(step) - allowed
    if extra:
        also = ", ".join(sorted(map(str, extra)))
        raise DataError(f"{where}: a {kind}: step cannot also have {also}")
    value = step[kind]
    if kind == "action":
        return ActionStep(expect_str(value, where, "action"), where)
    if kind == "bot":
        return BotStep(expect_str(value, where, "bot").strip(), where)
    if kind == "slot_was_set":
        return _slot_step(value, where)
    if kind == "active_loop":
        loop = None if value is None else expect_str(value, where, "active_loop")
        return ActiveLoopStep(loop, where)
    if kind == "checkpoint":
        conditions = _slot_step(step["slot_was_set"], where).slots if "slot_was_set" in step else ()
        return CheckpointStep(expect_str(value, where, "checkpoint"), conditions, where)
    options: list[UserStep | SlotStep] = []
    for option in _steps(value, where, "or"):
        if not isinstance(option, UserStep | SlotStep):
            raise DataError(f"{option.source}: or: may only list user turns and slot_was_set")
        options.append(option)
    return OrStep(tuple(options), where)


def _steps(value: Any, where: str, what: str) -> Iterator[Step]:
    steps = expect_list(value if value is not None else LineList(), where, what)
    for index, raw in enumerate(steps):
        step = _step(raw, _at(where, steps.line_at(index)))
        if step is not None:
            yield step


def _name(item: LineDict, key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value).strip()


def _flag(item: LineDict, key: str, default: bool, where: str) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        raise DataError(f"{where}: {key} must be true or false, found {kind_of(value)}")
    return value


def _read_file(path: Path, stories: list[Story], rules: list[Rule]) -> None:
    data = read_yaml_mapping(path)
    for key in ("stories", "rules"):
        if data.get(key) is None:
            continue
        items = expect_list(data[key], f"{path}:{data.line_of(key)}", f"'{key}'")
        for index, raw in enumerate(items):
            where = f"{path}:{items.line_at(index)}"
            item = expect_mapping(raw, where, f"an item of {key}")
            block = "story" if key == "stories" else "rule"
            if block not in item:
                other = "rule" if block == "story" else "story"
                hint = f"; a {other} belongs under {other}s:" if other in item else ""
                raise DataError(
                    f"{where}: each item under {key}: starts with '{block}: <name>'{hint}"
                )
            steps = tuple(_steps(item.get("steps"), where, "steps"))
            if key == "stories":
                stories.append(Story(_name(item, "story"), steps, where))
                continue
            condition = tuple(_steps(item.get("condition"), where, "condition"))
            for step in condition:
                if not isinstance(step, SlotStep | ActiveLoopStep):
                    message = "a rule condition lists only slot_was_set and active_loop"
                    raise DataError(f"{step.source}: {message}")
            rules.append(
                Rule(
                    _name(item, "rule"), steps, condition,
                    conversation_start=_flag(item, "conversation_start", False, where),
                    wait_for_user_input=_flag(item, "wait_for_user_input", True, where),
                    source=where,
                )
            )  # fmt: skip


def load_stories(paths: PathsArg, *, skip_tests: bool = True) -> StoryData:
    """Stories and rules of files and directories (``stories:`` and ``rules:`` keys).

    With ``skip_tests`` (training), ``tests/`` folders and ``test_*`` files inside a
    directory are passed over; ``bot test`` reads them with ``skip_tests=False``.
    """
    stories: list[Story] = []
    rules: list[Rule] = []
    for path in find_yaml_files(paths, skip_tests=skip_tests):
        _read_file(path, stories, rules)
    return StoryData(tuple(stories), tuple(rules))
