"""The project-file readers on generated YAML: whatever an editor saves, a reader answers
with the data or with Destek's own error naming the file (``DataError``,
``ConfigError``), never another exception.

Three kinds of input: raw bytes; documents built from Rasa's keys with values of any
shape; and the shipped project files (cut short) with one part replaced by something
else, which reaches deep into each reader.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from bot.config import read_config, read_credentials, read_endpoints
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.errors import DestekError
from bot.handover.canned import read_canned
from bot.nlu.yaml_reader import read_nlu
from bot.server.rate_limit_config import rate_limit_config
from bot.workbench.training import load_training_data
from connectors.webchat.options import WebChatOptions

pytestmark = pytest.mark.fuzz
ROOT = Path(__file__).resolve().parents[2]
Reader = Callable[[Path], object]
READERS: dict[str, Reader] = {
    "nlu": read_nlu,
    "training data": lambda path: load_training_data([path]),
    "stories": lambda path: load_stories([path]),
    "domain": read_domain,
    "config": read_config,
    "endpoints": lambda path: read_endpoints(path, {"DB_PASSWORD": "x"}),
    "credentials": lambda path: read_credentials(path, {}),
    "canned": read_canned,
}
SEEDS = {  # the reader each shipped file is fed to when mutated
    "data/nlu.yml": "nlu",
    "data/stories.yml": "stories",
    "data/rules.yml": "stories",
    "data/tests/test_stories.yml": "stories",
    "domain.yml": "domain",
    "config.yml": "config",
    "endpoints.yml": "endpoints",
    "credentials.yml": "credentials",
    "canned.yml": "canned",
}
RASA_KEYS = [
    "version", "nlu", "intent", "examples", "synonym", "regex", "lookup", "metadata",
    "stories", "rules", "story", "rule", "steps", "action", "slot_was_set", "active_loop",
    "checkpoint", "or", "condition", "conversation_start", "wait_for_user_input", "user",
    "entities", "intents", "slots", "responses", "forms", "actions", "session_config",
    "type", "mappings", "influence_conversation", "initial_value", "values", "text",
    "buttons", "title", "payload", "image", "required_slots", "pipeline", "policies", "name",
    "url", "rest", "webchat", "tracker_store", "lock_store", "rate_limits", "per_sender",
    "burst", "per_minute", "exempt", "live_agents", "use_entities", "ignore_entities",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(RASA_KEYS)
    | st.text(alphabet="[](){}\"'@:,/ _-#${}\\aş5\n\t", max_size=30)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(RASA_KEYS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
documents = st.dictionaries(st.sampled_from(RASA_KEYS), values, max_size=5)


def _trimmed(data: Any, keep: int = 3) -> Any:
    """A shipped file cut to its first few entries of each list: small, still realistic."""
    if isinstance(data, dict):
        return {key: _trimmed(value, keep) for key, value in data.items()}
    if isinstance(data, list):
        return [_trimmed(value, keep) for value in data[:keep]]
    return data


def _seeds() -> dict[str, Any]:
    loaded = {}
    for name in SEEDS:
        path = ROOT / name
        if path.exists():
            loaded[name] = _trimmed(yaml.safe_load(path.read_text(encoding="utf-8")))
    return loaded


SEED_DATA = _seeds()


def _places(data: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into ``data`` (keys and indexes), the root first."""
    yield at
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _places(value, (*at, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _places(value, (*at, index))


@st.composite
def mutated_seeds(draw: st.DrawFn) -> tuple[str, str]:
    """(reader name, YAML text): a shipped file with one part replaced."""
    name = draw(st.sampled_from(sorted(SEED_DATA)))
    data = copy.deepcopy(SEED_DATA[name])
    places = list(_places(data))
    place = draw(st.sampled_from(places[1:] or places))
    replacement = draw(values)
    if not place:
        data = replacement
    else:
        parent = data
        for step in place[:-1]:
            parent = parent[step]
        parent[place[-1]] = replacement
    return SEEDS[name], yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _read(reader: str, content: str | bytes) -> None:
    """Feed ``content`` to ``reader`` as a file; only Destek's own errors may come out."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "project.yml"
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        try:
            READERS[reader](path)
        except DestekError as exc:
            assert str(exc), "an error must say what is wrong"


@given(reader=st.sampled_from(sorted(READERS)), content=st.binary(max_size=300))
@example(reader="nlu", content=b"\xff\xfe" + "nlu: []".encode("utf-16-le"))
@example(reader="domain", content=b"a: &x [*x]")
@example(reader="config", content=b"[" * 5000)
@example(reader="stories", content=b"stories:\n- story: x\n  steps: !!python/object:os.system x")
def test_any_bytes_are_read_or_refused_with_our_error(reader: str, content: bytes) -> None:
    _read(reader, content)


@given(reader=st.sampled_from(sorted(READERS)), document=documents)
@example(reader="nlu", document={"nlu": [{"intent": "x", "examples": "- [a](b)(c)\n- []()"}]})
@example(reader="nlu", document={"nlu": [{"synonym": "x", "examples": 5}]})
@example(reader="stories", document={"stories": [{"story": None, "steps": [{"or": None}]}]})
@example(reader="domain", document={"slots": {"s": {"type": "categorical", "values": 5}}})
@example(reader="endpoints", document={"rate_limits": {"exempt": "127.0.0.1"}})
def test_documents_of_rasas_keys_are_read_or_refused(reader: str, document: Any) -> None:
    _read(reader, yaml.safe_dump(document, allow_unicode=True))


@given(seed=mutated_seeds())
def test_a_shipped_file_with_a_part_replaced_is_read_or_refused(seed: tuple[str, str]) -> None:
    reader, text = seed
    _read(reader, text)


@given(options=st.dictionaries(st.sampled_from([*RASA_KEYS, "type", "url", "port"]), values))
@example(options={"per_ip": {"per_minute": float("nan"), "burst": 1}})
@example(options={"exempt": ["::ffff:127.0.0.1/200"]})
@example(options={"type": "redis", "port": True})
def test_rate_limit_sections_are_read_or_refused(options: dict[str, Any]) -> None:
    try:
        rate_limit_config(options)
    except DestekError as exc:
        assert "rate_limits" in str(exc)


@given(options=st.dictionaries(st.sampled_from([*RASA_KEYS, "idle_timeout", "title"]), values))
@example(options={"idle_timeout": float("inf")})
@example(options={"socketio_path": "/"})
def test_web_chat_options_are_read_or_refused(options: dict[str, Any]) -> None:
    try:
        WebChatOptions.from_section(options)
    except DestekError as exc:
        assert "webchat" in str(exc)
