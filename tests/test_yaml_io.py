from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError, DataError
from bot.yaml_fields import (
    expect_list,
    expect_mapping,
    expect_names,
    expect_str,
    plain,
)
from bot.yaml_io import (
    LineDict,
    LineList,
    find_yaml_files,
    read_yaml,
    read_yaml_mapping,
)
from tests.project_files import write


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary project directory that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    return tmp_path


def test_mappings_and_lists_remember_their_lines(project: Path) -> None:
    path = write(
        "data/nlu.yml",
        'version: "3.1"\n'  # 1
        "nlu:\n"  # 2
        "- intent: selamlama\n"  # 3
        "  examples: |\n"  # 4
        "    - merhaba\n"  # 5
        "    - selam\n"  # 6
        "- intent: veda\n",  # 7
    )
    data = read_yaml(path)
    assert isinstance(data, LineDict)
    assert data.line_of("nlu") == 2
    items = data["nlu"]
    assert isinstance(items, LineList)
    assert items.lines == [3, 7]
    first = items[0]
    assert first.line == 3
    assert first.line_of("examples") == 4
    assert first.value_line("examples") == 5  # the line after "|"
    assert first["examples"] == "- merhaba\n- selam\n"
    assert data == {
        "version": "3.1",
        "nlu": [{"intent": "selamlama", "examples": "- merhaba\n- selam\n"}, {"intent": "veda"}],
    }


def test_scalars_follow_yaml_1_2_like_rasa(project: Path) -> None:
    path = write(
        "values.yml",
        "a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: 010\nh: 0x1F\ni: 1.5\n"
        "j: 2024-01-31\nk: .inf\nl: ~\nm: 1_000\nn: '5'\no: =\np: -7\n",
    )
    data = read_yaml(path)
    assert data["a"] == "yes" and data["b"] == "no" and data["c"] == "on" and data["d"] == "off"
    assert data["e"] is True and data["f"] is False
    assert data["g"] == 10 and data["h"] == 31 and data["i"] == 1.5 and data["p"] == -7
    assert data["j"] == "2024-01-31"
    assert data["k"] == float("inf")
    assert data["l"] is None
    assert data["m"] == "1_000"
    assert data["n"] == "5" and data["o"] == "="


def test_empty_file_is_empty_not_a_crash(project: Path) -> None:
    write("data/empty.yml", "")
    write("data/comments.yml", "# nothing here yet\n")
    assert read_yaml("data/empty.yml") is None
    assert read_yaml_mapping("data/empty.yml") == {}
    assert read_yaml_mapping("data/comments.yml") == {}


def test_non_utf8_bytes_name_file_line_and_byte(project: Path) -> None:
    Path("data/nlu.yml").write_bytes(b"nlu:\n- intent: sifre\n  examples: |\n    - \xfeifre\n")
    with pytest.raises(DataError) as err:
        read_yaml("data/nlu.yml")
    message = str(err.value)
    assert message.startswith("data/nlu.yml:4: not valid UTF-8 at byte 41")
    assert "save the file as UTF-8" in message


def test_utf16_file_is_named_as_such(project: Path) -> None:
    Path("data/nlu.yml").write_bytes("nlu: []\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"^data/nlu\.yml: the file is UTF-16"):
        read_yaml("data/nlu.yml")


def test_utf8_bom_is_accepted(project: Path) -> None:
    Path("domain.yml").write_bytes("\ufeffintents:\n- selamlama\n".encode())
    assert read_yaml("domain.yml") == {"intents": ["selamlama"]}


def test_syntax_error_names_file_and_line(project: Path) -> None:
    write("data/nlu.yml", "nlu:\n- intent: selam\n  examples: [merhaba\n- intent: veda\n")
    with pytest.raises(DataError) as err:
        read_yaml("data/nlu.yml")
    assert str(err.value).startswith("data/nlu.yml:4: ")
    assert "line 3" in str(err.value)  # where the unclosed list starts


def test_tab_indentation_gets_a_hint(project: Path) -> None:
    write("domain.yml", "intents:\n\t- selam\n")
    with pytest.raises(DataError, match=r"^domain\.yml:2: .*spaces, not tabs"):
        read_yaml("domain.yml")


def test_duplicate_key_names_both_lines(project: Path) -> None:
    write("domain.yml", "intents:\n- selam\nentities:\n- tutar\nintents:\n- veda\n")
    with pytest.raises(DataError) as err:
        read_yaml("domain.yml")
    assert str(err.value) == "domain.yml:5: duplicate key 'intents' (first on line 1)"


def test_duplicate_key_inside_a_list_item(project: Path) -> None:
    write("data/nlu.yml", "nlu:\n- intent: a\n  examples: |\n    - x\n  intent: b\n")
    with pytest.raises(DataError, match=r"^data/nlu\.yml:5: duplicate key 'intent' .*line 2"):
        read_yaml("data/nlu.yml")


def test_merge_keys_may_be_overridden(project: Path) -> None:
    write("endpoints.yml", "base: &b {type: redis, db: 0}\nlock_store:\n  <<: *b\n  db: 1\n")
    assert read_yaml("endpoints.yml")["lock_store"] == {"type": "redis", "db": 1}


def test_list_as_key_is_an_error_with_line(project: Path) -> None:
    write("domain.yml", "slots:\n  ? [a, b]\n  : 1\n")
    with pytest.raises(DataError, match=r"^domain\.yml:2: a list or mapping cannot be used"):
        read_yaml("domain.yml")


def test_unknown_tag_is_an_error_not_code(project: Path) -> None:
    write("config.yml", "pipeline: !!python/object:os.system ls\n")
    with pytest.raises(DataError, match=r"^config\.yml:1: "):
        read_yaml("config.yml")


def test_missing_file_and_custom_error_type(project: Path) -> None:
    with pytest.raises(DataError, match=r"^data/yok\.yml: cannot read the file"):
        read_yaml("data/yok.yml")
    write("config.yml", "language: [tr\n")
    with pytest.raises(ConfigError, match=r"^config\.yml:2: "):
        read_yaml("config.yml", error=ConfigError)


def test_top_level_must_be_a_mapping(project: Path) -> None:
    write("data/nlu.yml", "- intent: selam\n")
    with pytest.raises(DataError, match=r"^data/nlu\.yml:1: .*mapping.*found a list"):
        read_yaml_mapping("data/nlu.yml")


def test_expect_helpers_say_what_was_found() -> None:
    with pytest.raises(DataError, match=r"^f\.yml:3: 'nlu' must be a list, found the text 'x'"):
        expect_list("x", "f.yml:3", "'nlu'")
    with pytest.raises(DataError, match=r"must be a mapping, found a list"):
        expect_mapping([], "f.yml:1", "a step")
    with pytest.raises(ConfigError, match=r"must be a non-empty text, found the number 5"):
        expect_str(5, "c.yml:2", "name", error=ConfigError)
    assert expect_names(["a", 7], "f.yml:1", "a role") == ("a", "7")
    assert expect_names(None, "f.yml:1", "a role") == ()
    assert expect_names("a", "f.yml:1", "a role") == ("a",)
    assert plain(LineDict({"a": LineList([LineDict({"b": 1})])})) == {"a": [{"b": 1}]}
    assert type(plain(LineDict({"a": 1}))) is dict


def test_find_yaml_files_skips_tests_and_hidden(project: Path) -> None:
    for name in (
        "data/nlu.yml", "data/sub/rules.yaml", "data/tests/test_stories.yml",
        "data/test_conversations.yml", "data/.hidden/x.yml", "data/notes.txt",
    ):  # fmt: skip
        write(name, "{}\n")
    assert find_yaml_files("data") == [Path("data/nlu.yml"), Path("data/sub/rules.yaml")]
    assert Path("data/tests/test_stories.yml") in find_yaml_files("data", skip_tests=False)
    assert find_yaml_files(["data/test_conversations.yml"]) == [Path("data/test_conversations.yml")]
    with pytest.raises(DataError, match=r"^data/yok: no such file or directory"):
        find_yaml_files("data/yok")
