"""TurkishAmountExtractor and TurkishTimeExtractor as pipeline components."""

from __future__ import annotations

import json
import pickle
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.errors import ConfigError
from bot.nlu.amount_extractor import TurkishAmountExtractor
from bot.nlu.message import Message
from bot.nlu.registry import registry
from bot.nlu.time_extractor import TurkishTimeExtractor
from bot.nlu.training_data import TrainingData

NOW = datetime(2024, 5, 15, 14, 30, tzinfo=ZoneInfo("Europe/Istanbul"))


def amounts(text: str, **options: Any) -> Message:
    message = Message(text)
    TurkishAmountExtractor(**options).process(message)
    return message


def times(text: str) -> Message:
    message = Message(text)
    TurkishTimeExtractor().process(message, now=NOW)
    return message


@pytest.mark.parametrize(
    ("text", "value", "surface"),
    [
        ("dün akşam papara ile 1.500 TL yatırdım hala gelmedi", 1500.0, "1.500 TL"),
        ("bin beş yüz lira yatırdım", 1500.0, "bin beş yüz lira"),
        ("papara ile 500 tl yatırdım hesabıma geçmedi", 500.0, "500 tl"),
        ("₺250 yatırdım gelmedi", 250.0, "₺250"),
        ("iki yüz elli tl çekim talebim bekliyor", 250.0, "iki yüz elli tl"),
    ],
)
def test_amount_entity_in_ducklings_shape(text: str, value: float, surface: str) -> None:
    (entity,) = amounts(text).entities
    assert entity.entity == "amount"
    assert entity.value == {"value": value, "unit": "TRY"}
    assert entity.extractor == "TurkishAmountExtractor"
    assert entity.confidence == 1.0
    assert entity.text == surface == text[entity.start : entity.end]
    assert entity.additional_info == {"has_currency": True}


def test_foreign_currency_keeps_its_unit() -> None:
    (entity,) = amounts("100 dolar yatırdım").entities
    assert entity.value == {"value": 100.0, "unit": "USD"}


def test_bare_number_gets_default_currency_and_lower_confidence() -> None:
    (entity,) = amounts("500 yatırdım gelmedi").entities
    assert entity.value == {"value": 500.0, "unit": "TRY"}
    assert entity.confidence == 0.6
    assert entity.additional_info == {"has_currency": False}


def test_bare_numbers_can_be_left_out() -> None:
    message = amounts("500 yatırdım, dün de 200 TL", include_bare_numbers=False)
    assert [e.text for e in message.entities] == ["200 TL"]


def test_default_currency_none_leaves_the_unit_open() -> None:
    (entity,) = amounts("500 yatırdım", default_currency=None).entities
    assert entity.value == {"value": 500.0, "unit": None}


def test_entity_name_is_configurable() -> None:
    (entity,) = amounts("500 TL yatırdım", entity_name="money").entities
    assert entity.entity == "money"


def test_no_amount_entity_for_phone_date_or_duration() -> None:
    text = "0532 123 45 67 numaralı hesaptan 12.05.2024 tarihinde yazdım, 2 gündür bekliyorum"
    assert amounts(text).entities == []


def test_time_point_entity() -> None:
    text = "dün akşam papara ile 1.500 TL yatırdım hala gelmedi"
    (entity,) = times(text).entities
    assert entity.entity == "time"
    assert entity.value == "2024-05-14T18:00:00+03:00"
    assert entity.extractor == "TurkishTimeExtractor"
    assert entity.text == "dün akşam" == text[entity.start : entity.end]
    assert entity.additional_info == {"grain": "hour", "type": "value"}


def test_time_duration_entity() -> None:
    text = "2 gündür bekliyorum çekimim yok"
    (entity,) = times(text).entities
    assert entity.value == {
        "from": "2024-05-13T14:30:00+03:00",
        "to": "2024-05-15T14:30:00+03:00",
        "duration_seconds": 172800,
    }
    assert entity.additional_info == {"grain": "day", "type": "interval"}
    assert entity.text == "2 gündür"


def test_clock_follows_the_configured_timezone() -> None:
    extractor = TurkishTimeExtractor(timezone="UTC")
    assert extractor.now().utcoffset() is not None
    assert extractor.now().tzinfo == ZoneInfo("UTC")


def test_unknown_timezone_fails_at_training() -> None:
    with pytest.raises(ConfigError, match="Europe/Istanbull"):
        TurkishTimeExtractor(timezone="Europe/Istanbull").train([], TrainingData(()))


def test_both_extractors_on_one_message() -> None:
    message = Message("dün akşam papara ile 1.500 TL yatırdım, 2 gündür bekliyorum")
    TurkishAmountExtractor().process(message)
    TurkishTimeExtractor().process(message, now=NOW)
    assert [(e.entity, e.text) for e in message.entities] == [
        ("amount", "1.500 TL"),
        ("time", "dün akşam"),
        ("time", "2 gündür"),
    ]
    json.dumps([e.as_dict() for e in message.entities])  # the /model/parse body


def test_registered_with_defaults() -> None:
    amount = registry.create("TurkishAmountExtractor")
    assert isinstance(amount, TurkishAmountExtractor)
    assert (amount.entity_name, amount.default_currency, amount.include_bare_numbers) == (
        "amount",
        "TRY",
        True,
    )
    time = registry.create("TurkishTimeExtractor", {"timezone": "UTC"})
    assert isinstance(time, TurkishTimeExtractor)
    assert (time.entity_name, time.timezone) == ("time", "UTC")


def test_components_survive_pickling() -> None:
    amount = pickle.loads(pickle.dumps(TurkishAmountExtractor(default_currency="USD")))
    assert amount.default_currency == "USD"
    time = pickle.loads(pickle.dumps(TurkishTimeExtractor(timezone="UTC")))
    assert time.timezone == "UTC"
