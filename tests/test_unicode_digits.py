"""Unicode has digits int() refuses ("²", "³"): every place that checks "is this a
number?" before int() must say no to them, not crash (found by the fuzz tests)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import ConfigError
from bot.handover.queue_config import QueueConfig
from bot.workbench.dialogue_shell import _chosen
from connectors.chatwoot.webhook import _as_int

BUTTONS = [{"title": "Evet", "payload": "/affirm"}, {"title": "Hayır", "payload": "/deny"}]


@pytest.mark.parametrize("text", ["²", "³", "¹"])
def test_a_superscript_is_typed_text_not_a_button_number(text: str) -> None:
    assert _chosen(text, BUTTONS) == text
    assert _chosen("2", BUTTONS) == "/deny"


@pytest.mark.parametrize("value", ["²", "12³", "", None, True])
def test_a_chatwoot_id_that_is_not_decimal_is_no_id(value: Any) -> None:
    assert _as_int(value) is None
    assert _as_int("42") == 42


def test_an_sla_priority_written_as_a_superscript_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="must be a priority"):
        QueueConfig.from_options({"sla": {"²": 300}})
