from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import read_config, read_credentials, read_endpoints
from bot.errors import ConfigError
from tests.project_files import write

STARTER_CONFIG = """\
# The config recipe.
recipe: default.v1
assistant_id: kahve-falcisi-42
language: tr

pipeline:
# # No configuration for the NLU pipeline was provided; defaults are used.
#   - name: WhitespaceTokenizer

policies:
# # No configuration for policies was provided; defaults are used.
#   - name: RulePolicy
"""


def test_empty_pipeline_and_policies_mean_defaults(project: Path) -> None:
    config = read_config(write("config.yml", STARTER_CONFIG))
    assert config.recipe == "default.v1"
    assert config.assistant_id == "kahve-falcisi-42"
    assert config.language == "tr"
    assert config.pipeline is None and config.policies is None
    assert config.path == "config.yml"


def test_absent_keys_and_empty_lists(project: Path) -> None:
    config = read_config(write("config.yml", "pipeline: []\n"))
    assert config.pipeline is None and config.policies is None
    assert config.language is None and config.recipe == "default.v1"
    assert read_config(write("config.yml", "")).pipeline is None


def test_components_keep_options_and_lines(project: Path) -> None:
    config = read_config(
        write(
            "config.yml",
            "language: tr\n"
            "pipeline:\n"
            "  - name: TurkishNormalizer\n"
            "  - name: NGramFeaturizer\n"
            "    word_ngrams: [1, 2]\n"
            "    lowercase: on\n"
            "policies:\n"
            "  - name: RulePolicy\n"
            "    core_fallback_threshold: 0.3\n"
            "importers:\n"
            "  - name: MultiProjectImporter\n",
        )
    )
    assert config.pipeline is not None and config.policies is not None
    first, second = config.pipeline
    assert (first.name, dict(first.options), first.line, first.source) == (
        "TurkishNormalizer", {}, 3, "config.yml:3",
    )  # fmt: skip
    assert second.options == {"word_ngrams": [1, 2], "lowercase": "on"}
    assert type(second.options["word_ngrams"]) is list
    assert config.policies[0].options == {"core_fallback_threshold": 0.3}
    assert config.policies[0].source == "config.yml:8"
    assert config.extra == {"importers": [{"name": "MultiProjectImporter"}]}


@pytest.mark.parametrize(
    ("text", "where", "expected"),
    [
        ("pipeline:\n  - WhitespaceTokenizer\n", "config.yml:2", "must be a mapping with name:"),
        ("pipeline:\n  - epochs: 5\n", "config.yml:2", "must be a mapping with name:"),
        ("policies:\n- name: RulePolicy\n- name: [x]\n", "config.yml:3", "name must be"),
        ("pipeline: supervised_embeddings\n", "config.yml:1", "templates such as"),
        ("policies: {name: RulePolicy}\n", "config.yml:1", "'policies' must be a list"),
        ("language: [tr]\n", "config.yml:1", "language must be"),
        ("language: tr\nlanguage: en\n", "config.yml:2", "duplicate key 'language'"),
    ],
)
def test_malformed_config_names_the_line(
    project: Path, text: str, where: str, expected: str
) -> None:
    write("config.yml", text)
    with pytest.raises(ConfigError) as err:
        read_config("config.yml")
    assert str(err.value).startswith(f"{where}: ")
    assert expected in str(err.value)


ENDPOINTS = """\
version: "3.1"
action_endpoint:
  url: "http://${ACTION_HOST}:5055/webhook"
tracker_store:
  type: sql
  dialect: postgresql
  url: ${DB_HOST}
  password: ${DB_PASSWORD}
  login_db: destek
  query:
    sslmode: ${SSL_MODE}
  hosts: ["${DB_HOST}", replica]
lock_store:
"""


def test_endpoints_are_interpolated_from_the_given_env(project: Path) -> None:
    env = {"ACTION_HOST": "actions", "DB_HOST": "db", "DB_PASSWORD": "s3cr3t", "SSL_MODE": "off"}
    endpoints = read_endpoints(write("endpoints.yml", ENDPOINTS), env)
    assert set(endpoints.services) == {"action_endpoint", "tracker_store"}
    assert endpoints.action_endpoint is not None
    assert endpoints.action_endpoint.url == "http://actions:5055/webhook"
    store = endpoints.tracker_store
    assert store is not None and store.type == "sql" and store.url == "db"
    assert store.options["password"] == "s3cr3t"
    assert store.options["query"] == {"sslmode": "off"}
    assert store.options["hosts"] == ["db", "replica"]
    assert store.source == "endpoints.yml:4"
    assert endpoints.lock_store is None and endpoints.event_broker is None


def test_missing_env_var_names_file_line_and_variable(project: Path) -> None:
    write("endpoints.yml", ENDPOINTS)
    with pytest.raises(ConfigError) as err:
        read_endpoints("endpoints.yml", {"ACTION_HOST": "a", "DB_HOST": "d"})
    assert str(err.value) == "endpoints.yml:8: the environment variable DB_PASSWORD is not set"
    with pytest.raises(ConfigError, match=r"^endpoints\.yml:11: .*SSL_MODE"):
        read_endpoints("endpoints.yml", {"ACTION_HOST": "a", "DB_HOST": "d", "DB_PASSWORD": "p"})
    with pytest.raises(ConfigError, match=r"^endpoints\.yml:3: .*ACTION_HOST"):
        read_endpoints("endpoints.yml")


def test_credentials(project: Path) -> None:
    write(
        "credentials.yml",
        "rest:\n"
        "telegram:\n"
        "  access_token: ${TELEGRAM_TOKEN}\n"
        "  verify: destek_bot\n"
        "  webhook_url: https://${PUBLIC_HOST}/webhooks/telegram/webhook\n"
        "whatsapp:\n"
        "  auth: 'Bearer ${WA_TOKEN}'\n"
        "  ${NOT_A_KEY}: kept as written\n",
    )
    env = {"TELEGRAM_TOKEN": "123:abc", "PUBLIC_HOST": "bot.example", "WA_TOKEN": "tok"}
    channels = read_credentials("credentials.yml", env)
    assert list(channels) == ["rest", "telegram", "whatsapp"]
    assert channels["rest"].options == {}
    assert channels["telegram"].options["access_token"] == "123:abc"
    assert channels["telegram"].options["webhook_url"] == (
        "https://bot.example/webhooks/telegram/webhook"
    )
    assert channels["whatsapp"].options["auth"] == "Bearer tok"
    assert "${NOT_A_KEY}" in channels["whatsapp"].options
    assert channels["telegram"].source == "credentials.yml:2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rest:\n  token: ${}\n", "credentials.yml:2: '${}' is not a valid"),
        ("rest:\n  token: ${1ABC}\n", "credentials.yml:2: '${1ABC}' is not a valid"),
        ("rest: [a]\n", "credentials.yml:1: the channel 'rest' must be a mapping"),
    ],
)
def test_malformed_credentials(project: Path, text: str, expected: str) -> None:
    write("credentials.yml", text)
    with pytest.raises(ConfigError) as err:
        read_credentials("credentials.yml", {})
    assert str(err.value).startswith(expected)
