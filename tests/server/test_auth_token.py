"""The HTTP API's token: from the environment, a file, or made once per project; never
on a command line and never in a log."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.errors import ConfigError
from bot.server.auth import api_token, project_api_token
from bot.settings import Settings


def _settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(credentials=tmp_path / "credentials.yml", **fields)  # type: ignore[arg-type]


def test_the_environment_gives_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESTEK_AUTH_TOKEN", "ortamdan-gelen-jeton-1234")
    token = api_token(Settings(credentials=tmp_path / "credentials.yml"))
    assert token is not None and token.get_secret_value() == "ortamdan-gelen-jeton-1234"


def test_a_file_gives_the_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "api-token"
    path.write_text("dosyadaki-jeton-1234567\n", encoding="utf-8")
    path.chmod(0o600)
    token = api_token(_settings(tmp_path, auth_token_file=path))
    assert token is not None and token.get_secret_value() == "dosyadaki-jeton-1234567"
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        api_token(_settings(tmp_path, auth_token_file=path))
    assert "chmod 600" in caplog.text and "dosyadaki" not in caplog.text


@pytest.mark.parametrize("content", ["", "kisa\n"])
def test_an_unusable_token_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "api-token"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="shorter than 16"):
        api_token(_settings(tmp_path, auth_token_file=path))
    with pytest.raises(ConfigError, match="cannot read"):
        api_token(_settings(tmp_path, auth_token_file=tmp_path / "missing"))


def test_without_one_a_token_is_made_once_and_kept_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        first = project_api_token(_settings(tmp_path))
    kept = tmp_path / ".destek" / "api-token"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert kept.read_text(encoding="utf-8").strip() == first.get_secret_value()
    assert project_api_token(_settings(tmp_path)) == first  # every worker, every run
    assert str(kept) in caplog.text
    assert first.get_secret_value() not in caplog.text


def test_a_given_token_wins_over_the_projects(tmp_path: Path) -> None:
    given = SecretStr("verilen-jeton-12345678")
    assert project_api_token(_settings(tmp_path, auth_token=given)) == given
    assert not (tmp_path / ".destek").exists()
