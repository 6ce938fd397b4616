"""``bot shell``: the whole bot in the terminal, with scripted input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import cli
from bot.config import read_config
from bot.dialogue.domain import read_domain
from bot.dialogue.story_reader import load_stories
from bot.model_storage import TrainedModel, save_model
from bot.nlu.pipeline import Pipeline
from bot.workbench.dialogue_shell import button_lines, chat, shell_engine
from bot.workbench.training import train_core
from tests.workbench.test_core_test import CONFIG, DOMAIN, RULES


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture()
def shell_model(project: Path, trained_light_pipeline: Pipeline) -> TrainedModel:
    (project / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (project / "config.yml").write_text(CONFIG, encoding="utf-8")
    (project / "data").mkdir()
    (project / "data" / "rules.yml").write_text(RULES, encoding="utf-8")
    domain = read_domain(project / "domain.yml")
    core = train_core(read_config(project / "config.yml"), domain, load_stories([project / "data"]))
    model = TrainedModel(trained_light_pipeline, core=core)
    save_model(project / "models" / "m.tar.gz", model)
    return model


def scripted(lines: list[str]) -> Callable[[], str]:
    """Input that gives ``lines`` one by one, then the end of input (Ctrl-D)."""
    queue: Iterator[str] = iter(lines)

    def read() -> str:
        try:
            return next(queue)
        except StopIteration:
            raise EOFError from None

    return read


@pytest.mark.anyio
async def test_texts_buttons_and_a_button_number(shell_model: TrainedModel) -> None:
    shown: list[str] = []
    engine = shell_engine(shell_model, None)
    sent = await chat(
        engine, scripted(["merhaba", "1", "", "papara ile yatirdim gelmedi"]), shown.append
    )
    assert sent == 3
    assert shown[0].endswith("Merhaba, nasıl yardımcı olabilirim?")
    assert shown[1:3] == ["  1. Şifremi unuttum", "  2. Yatırımım gelmedi"]
    assert shown[3].endswith("Şifre sıfırlama bağlantısı için kullanıcı adınızı yazın.")  # "1"
    assert shown[4].endswith("Yatırımınızı kontrol ediyorum (papara).")
    tracker = await engine.tracker("shell")
    assert tracker.latest_message.text == "papara ile yatirdim gelmedi"


@pytest.mark.anyio
async def test_restart_starts_a_new_conversation_and_stop_ends(shell_model: TrainedModel) -> None:
    shown: list[str] = []
    engine = shell_engine(shell_model, None)
    script = ["selam", "/restart", "2", "şifremi unuttum", "/stop", "merhaba"]
    sent = await chat(engine, scripted(script), shown.append)
    assert sent == 3  # "merhaba" after /stop is never read
    assert "A new conversation starts." in shown[3]
    # after the restart there are no buttons: "2" is text for NLU, not a payload
    assert (await engine.tracker("shell-1")).events[0].as_dict()["event"] == "action"
    first = await engine.tracker("shell")
    assert [e.as_dict().get("text") for e in first.events if e.as_dict()["event"] == "user"] == [
        "selam"
    ]


def test_a_message_with_an_image_shows_it() -> None:
    lines = button_lines({"text": "Bakın", "image": "https://ornek.example/a.png"})
    assert lines == ["[bold green]Bot:[/] Bakın", "  [image] https://ornek.example/a.png"]


def test_bot_shell_from_the_command_line(
    shell_model: TrainedModel, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.out, "input", lambda prompt="": scripted_input())
    lines = iter(["iyi günler", "/stop"])

    def scripted_input() -> str:
        return next(lines)

    assert cli.main(["shell", "-e", "yok.yml"]) == 0
    output = capsys.readouterr().out
    assert "no action server" in output
    assert "Merhaba, nasıl yardımcı olabilirim?" in output
    assert "1. Şifremi unuttum" in output
