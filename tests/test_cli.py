"""The ``bot`` command end to end: errors without tracebacks, shell, and the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from bot.model_storage import TrainedModel, save_model
from bot.nlu.pipeline import Pipeline

BOT = [sys.executable, "-m", "bot.cli"]
CONFIG = (
    "language: tr\npipeline:\n  - name: TurkishNormalizer\n  - name: SpacyTokenizer\n"
    "  - name: NGramFeaturizer\n  - name: LinearIntentClassifier\n"
)
NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - merhaba
    - selam
    - slm
- intent: password_reset
  examples: |
    - şifremi unuttum
    - sifre sifirlama
    - parolamı unuttum
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "config.yml").write_text(CONFIG)
    (tmp_path / "data" / "nlu.yml").write_text(NLU)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"nlu:\n- intent: greet\n  examples: |\n    - merhaba\n    - \xff\xfe\n", "UTF-8"),
        (b"nlu:\n- intent: greet\n  examples: [unclosed\n", "nlu.yml:"),
        (b"nlu:\n- intent: greet\n  examples: |\n    - [a]{not json}\n", "nlu.yml:4"),
    ],
    ids=["non-utf8", "yaml-syntax", "bad-entity-json"],
)
def test_broken_data_is_one_line_naming_the_file(
    project: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    (project / "data" / "nlu.yml").write_bytes(content)
    assert main(["train", "nlu"]) == 1
    err = capsys.readouterr().err
    assert "error:" in err and expected in err
    assert "Traceback" not in err


def test_a_long_error_stays_on_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # stderr is no terminal here: rich would wrap at 80 columns and split the message.
    deep = project / ("a-rather-long-folder-name/" * 4)
    deep.mkdir(parents=True)
    (deep / "nlu.yml").write_bytes(b"nlu:\n- intent: greet\n  examples: [unclosed\n")
    assert main(["train", "nlu", "--nlu", str(deep / "nlu.yml")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) > 100
    assert lines[0].startswith("error:") and "nlu.yml:" in lines[0]


def test_unknown_component_lists_the_known_ones(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "config.yml").write_text("language: tr\npipeline:\n  - name: NGramFeaturiser\n")
    assert main(["train", "nlu"]) == 1
    err = capsys.readouterr().err
    assert "config.yml:3" in err and "NGramFeaturizer" in err


def test_missing_model_is_an_error_not_a_traceback(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["shell", "nlu", "-m", "models"]) == 1
    assert "does not exist; train one" in capsys.readouterr().err


def test_train_without_fixed_name_writes_a_timestamped_archive(project: Path) -> None:
    assert main(["train", "nlu", "--out", "out"]) == 0
    [archive] = (project / "out").glob("*.tar.gz")
    assert archive.name[:8].isdigit()


def test_shell_nlu_prints_intent_ranking(project: Path, trained_light_pipeline: Pipeline) -> None:
    save_model(project / "models" / "m.tar.gz", TrainedModel(trained_light_pipeline))
    result = subprocess.run(
        [*BOT, "shell", "nlu", "-m", "models"],
        input="şifremi unuttum\n/stop\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "password_reset" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_serves_parse_and_stops_gracefully(
    project: Path, trained_light_pipeline: Pipeline
) -> None:
    save_model(project / "models" / "m.tar.gz", TrainedModel(trained_light_pipeline))
    port = _free_port()
    server = subprocess.Popen(
        [
            *BOT,
            "run",
            "--enable-api",
            "-m",
            "models",
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
            "--log-level",
            "info",
        ],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.1)
        parse = f"http://127.0.0.1:{port}/model/parse"
        # the API needs a token by default: `bot run` made one, kept in .destek/api-token
        assert httpx.post(parse, json={"text": "selam"}).status_code == 401
        token = (project / ".destek" / "api-token").read_text(encoding="utf-8").strip()
        bearer = {"Authorization": f"Bearer {token}"}
        body = httpx.post(parse, json={"text": "selam"}, headers=bearer).json()
        assert body["intent"]["name"] == "greet"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises SIGTERM so the exit status tells why.
    assert server.returncode in (0, -signal.SIGTERM)
    text = output.decode()
    assert "Application shutdown complete" in text
    assert "Traceback" not in text
    assert ".destek/api-token" in text and token not in text  # where, never what


def test_run_takes_rasas_auth_token_and_a_worker_count() -> None:
    from bot.cli import build_parser

    args = build_parser().parse_args(["run", "--auth-token", "gizli", "--workers", "3"])
    assert (args.auth_token, args.workers, args.log_format) == ("gizli", 3, "text")
    for bad in ("0", "iki"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["run", "--workers", bad])
