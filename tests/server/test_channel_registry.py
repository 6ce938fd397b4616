"""credentials.yml as Rasa projects write it: channels Destek does not serve are skipped
with one warning, custom channels are imported by dotted path, and every mistake stops
``bot run`` with one line naming the file, the line and the fix."""

from __future__ import annotations

import importlib
import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.model_storage import TrainedModel, load_model
from bot.server import create_app
from bot.server.app import app_from_environment
from bot.server.channel_registry import RASA_ONLY_CHANNELS, configured_channels
from bot.settings import Settings
from tests.live_server import LiveServer
from tests.rasa_starter_project import CREDENTIALS, SOCKETIO

SERVED = "rest, callback, socketio (or webchat), telegram and whatsapp"

CUSTOM_CHANNEL = """\
from __future__ import annotations

from fastapi import FastAPI

from bot.channels import ChannelContext


class MyIO:
    def __init__(self, context: ChannelContext) -> None:
        self.context = context
        self.started = False

    def install(self, app: FastAPI) -> None:
        @app.get("/webhooks/myio/webhook")
        async def status() -> dict[str, object]:
            return {"greeting": self.context.options["greeting"], "started": self.started}

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False
"""

RASA_STYLE_CHANNEL = """\
class MyIO:
    @classmethod
    def name(cls):
        return "myio"

    @classmethod
    def from_credentials(cls, credentials):
        return cls()

    def blueprint(self, on_new_message):
        return None
"""

SYNC_START_CHANNEL = """\
class MyIO:
    def __init__(self, context):
        self.context = context

    def install(self, app):
        pass

    def start(self):
        pass

    async def stop(self):
        pass
"""


@pytest.fixture(scope="module")
def model(model_file: Path) -> TrainedModel:
    return load_model(model_file)


@pytest.fixture()
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working directory, with ``sys.path`` restored afterwards (a
    custom channel's project is put on it)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return tmp_path


@pytest.fixture()
def restored_logging() -> Iterator[None]:
    """``bot run`` configures the root logger; put it back for the tests after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _settings(root: Path, credentials: str) -> Settings:
    (root / "credentials.yml").write_text(credentials, encoding="utf-8")
    return Settings(credentials=root / "credentials.yml", endpoints=root / "none.yml")


def _custom_package(root: Path, source: str | None) -> str:
    """A package with ``custom_channel.py`` holding ``source``; its dotted module path."""
    package = f"addons_{uuid.uuid4().hex[:10]}"
    if source is not None:
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("", encoding="utf-8")
        (root / package / "custom_channel.py").write_text(source, encoding="utf-8")
        importlib.invalidate_caches()
    return f"{package}.custom_channel"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings about channels (not the ones about an open REST channel or API)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
        and r.name == "bot.server.app"
        and "without a token" not in r.getMessage()
    ]


def test_rasa_inits_credentials_serve_rest_and_warn_once_about_rasa(
    project_dir: Path, model: TrainedModel, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(project_dir, CREDENTIALS)
    with caplog.at_level(logging.WARNING):
        app = create_app(settings, model)
    [warning] = _warnings(caplog)
    assert warning.startswith(f"{settings.credentials}:32: skipping the channel 'rasa'")
    assert SERVED in warning
    with LiveServer(app) as server:
        assert httpx.get(f"{server.url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}


def test_workers_do_not_repeat_the_warning_bot_run_gave_before_forking(
    project_dir: Path,
    restored_logging: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _settings(project_dir, CREDENTIALS)
    monkeypatch.setenv("DESTEK_CREDENTIALS", str(settings.credentials))
    monkeypatch.setenv("DESTEK_ENDPOINTS", str(settings.endpoints))
    app_logger = logging.getLogger("bot.server.app")
    app_logger.addHandler(caplog.handler)  # a worker's logging replaces the root's handlers
    try:
        app_from_environment()
    finally:
        app_logger.removeHandler(caplog.handler)
    assert _warnings(caplog) == []


@pytest.mark.parametrize("name", sorted(RASA_ONLY_CHANNELS))
def test_every_rasa_channel_destek_does_not_serve_is_skipped_unread(
    project_dir: Path, name: str
) -> None:
    # Unset variables and odd shapes in a skipped section do not matter: it is not read.
    (project_dir / "credentials.yml").write_text(
        f"rest:\n{name}:\n  token: ${{DESTEK_TEST_NEVER_SET}}\n  nested: [1, 2]\n",
        encoding="utf-8",
    )
    plan = configured_channels(project_dir / "credentials.yml", {})
    assert plan.names == ["rest"]
    [warning] = plan.warnings
    assert warning.startswith(f"{project_dir / 'credentials.yml'}:2: skipping the channel {name!r}")
    assert SERVED in warning


def test_the_starter_credentials_with_rasas_socketio_section(project_dir: Path) -> None:
    (project_dir / "credentials.yml").write_text(CREDENTIALS + SOCKETIO, encoding="utf-8")
    plan = configured_channels(project_dir / "credentials.yml", {})
    assert plan.names == ["webchat", "rest"]
    webchat = next(c for c in plan.channels if c.name == "webchat")
    assert webchat.options == {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    }
    assert len(plan.warnings) == 1


@pytest.mark.parametrize(
    "text", ["", "# every channel commented out\n#rest:\n", "rasa:\n  url: http://x/api\n"]
)
def test_a_file_left_with_no_channel_warns_and_serves_none(project_dir: Path, text: str) -> None:
    (project_dir / "credentials.yml").write_text(text, encoding="utf-8")
    plan = configured_channels(project_dir / "credentials.yml", {})
    assert plan.channels == ()
    assert "no channel to serve; add `rest:`" in plan.warnings[-1]


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("telgram", "telegram"), ("Rest", "rest"), ("whatsap", "whatsapp"), ("socket.io", "socketio")],
)
def test_a_misspelt_channel_gets_did_you_mean(project_dir: Path, key: str, suggestion: str) -> None:
    (project_dir / "credentials.yml").write_text(f"rest:\n{key}:\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"credentials\.yml:2: .*did you mean '{suggestion}'\?$"):
        configured_channels(project_dir / "credentials.yml", {})


def test_a_custom_channel_class_is_imported_built_and_served(
    project_dir: Path, model: TrainedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _custom_package(project_dir, CUSTOM_CHANNEL)
    monkeypatch.setenv("MYIO_GREETING", "merhaba")
    settings = _settings(project_dir, f"rest:\n{module}.MyIO:\n  greeting: ${{MYIO_GREETING}}\n")
    with LiveServer(create_app(settings, model)) as server:
        response = httpx.get(f"{server.url}/webhooks/myio/webhook", timeout=10)
    assert response.json() == {"greeting": "merhaba", "started": True}


@pytest.mark.parametrize(
    ("source", "attribute", "expected"),
    [
        (None, "MyIO", "cannot import the custom channel {m}.MyIO (ModuleNotFoundError: "),
        ("raise RuntimeError('boom')\n", "MyIO", "(RuntimeError: boom); run the server from"),
        ("X = 1\n", "MyIO", "the module {m} has no MyIO"),
        ("X = 1\n", "X", "{m}.X is not a class or function building a channel"),
        (
            RASA_STYLE_CHANNEL,
            "MyIO",
            "does not fit Destek's channel interface: it lacks install(), start(), stop() "
            "(it is a Rasa channel",
        ),
        (SYNC_START_CHANNEL, "MyIO", "interface: start() must be async; see bot/channels.py"),
        ("def make(context):\n    return object()\n", "make", "it lacks install()"),
        (
            "def make(context):\n    raise TypeError('wants credentials')\n",
            "make",
            "could not be built from a ChannelContext (TypeError: wants credentials)",
        ),
    ],
    ids=[
        "no-module",
        "import-fails",
        "no-class",
        "not-callable",
        "rasa-channel",
        "sync-start",
        "builds-no-channel",
        "factory-fails",
    ],
)
def test_a_custom_channel_that_cannot_serve_is_refused_in_one_line(
    project_dir: Path, model: TrainedModel, source: str | None, attribute: str, expected: str
) -> None:
    module = _custom_package(project_dir, source)
    settings = _settings(project_dir, f"rest:\n{module}.{attribute}:\n  a: 1\n")
    with pytest.raises(ConfigError) as error:
        create_app(settings, model)
    message = str(error.value)
    assert message.startswith(f"{settings.credentials}:2: ")
    assert expected.format(m=module) in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rest:\nfaxmachine:\n  number: 5\n",
            f"credentials.yml:2: unknown channel faxmachine; Destek serves {SERVED}, and a "
            "custom channel is named by its class's dotted path",
        ),
        (
            "rest:\ntelgram:\n  access_token: x\n",
            "credentials.yml:2: unknown channel telgram; did you mean 'telegram'?",
        ),
        (
            "rest:\n  - token\n",
            "credentials.yml:1: the channel 'rest' must be a mapping of its settings, found a "
            "list; indent 'setting: value' lines under 'rest:', or leave it empty",
        ),
        (
            "telegram:\n  access_token: ${DESTEK_TEST_UNSET_TOKEN}\n",
            "credentials.yml:2: telegram.access_token needs the environment variable "
            "DESTEK_TEST_UNSET_TOKEN, which is not set; set it before starting the server",
        ),
        ("rest:\n  url: [unclosed\n", "credentials.yml:3: did not find expected ',' or ']'"),
        (
            "- rest\n- socketio\n",
            "credentials.yml:1: the file must map channel names to their settings",
        ),
        (
            "addons_none_here.channel.MyIO:\n",
            "credentials.yml:1: cannot import the custom channel addons_none_here.channel.MyIO",
        ),
    ],
    ids=[
        "unknown-key",
        "misspelt",
        "list-section",
        "unset-variable",
        "bad-yaml",
        "list-file",
        "custom-missing",
    ],
)
def test_bot_run_stops_with_one_line_naming_file_key_and_fix(
    project_dir: Path,
    model_file: Path,
    restored_logging: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: str,
) -> None:
    monkeypatch.delenv("DESTEK_TEST_UNSET_TOKEN", raising=False)
    (project_dir / "credentials.yml").write_text(text, encoding="utf-8")
    argv = ["run", "-m", str(model_file), "-p", "1", "-i", "127.0.0.1"]
    assert main([*argv, "--endpoints", "none.yml", "--credentials", "credentials.yml"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    said = " ".join(err.split())  # rich wraps long lines at the console's width
    assert said.count("error:") == 1
    assert said[said.index("error:") :].startswith(f"error: {expected}")


def test_an_empty_rest_section_as_in_rasas_starter_is_served(
    project_dir: Path, model: TrainedModel
) -> None:
    settings = _settings(project_dir, "rest:\n")
    with LiveServer(create_app(settings, model)) as server:
        assert httpx.get(f"{server.url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
