from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.domain import Domain, Form, Slot
from bot.dialogue.slot_values import coerce_slot_value, initial_slot_values, tracker_slots
from bot.errors import DataError

METHOD = Slot("payment_method", "categorical", values=("havale", "papara", "kredi kartı"))


@pytest.mark.parametrize(
    ("slot", "value", "stored"),
    [
        (Slot("amount", "float"), 1500, 1500.0),
        (Slot("amount", "float"), "12,5", 12.5),
        (Slot("amount", "float"), " 250 ", 250.0),
        (Slot("amount", "float"), "-0.75", -0.75),
        (Slot("amount", "float", max_value=1.0), 99999, 99999.0),  # the range bounds features
        (Slot("verified", "bool"), True, True),
        (Slot("verified", "bool"), "False", False),
        (Slot("verified", "bool"), 1, True),
        (Slot("verified", "bool"), "0", False),
        (Slot("username", "text"), "ayşe_34", "ayşe_34"),
        (Slot("username", "text"), 12345, "12345"),
        (METHOD, "papara", "papara"),
        (METHOD, "PAPARA", "papara"),
        (METHOD, "kredi karti", "kredi kartı"),
        (METHOD, "KREDİ KARTI", "kredi kartı"),
        (Slot("documents", "list"), ["kimlik"], ["kimlik"]),
        (Slot("documents", "list"), ("a", "b"), ["a", "b"]),
        (Slot("documents", "list"), "kimlik", ["kimlik"]),
        (Slot("note", "any"), {"x": [1]}, {"x": [1]}),
        (Slot("custom", "addons.slots.IbanSlot"), object, object),
    ],
)
def test_values_are_stored_in_their_slots_form(slot: Slot, value: Any, stored: Any) -> None:
    result = coerce_slot_value(slot, value)
    assert result == stored and type(result) is type(stored)


@pytest.mark.parametrize(
    "slot", [Slot("a", kind) for kind in ("text", "bool", "float", "list", "any")] + [METHOD]
)
def test_none_unsets_every_slot(slot: Slot) -> None:
    assert coerce_slot_value(slot, None) is None


@pytest.mark.parametrize(
    ("slot", "value", "message"),
    [
        (Slot("amount", "float"), "abc", "slot 'amount' is a float slot; 'abc' is not a number"),
        (Slot("amount", "float"), True, "slot 'amount' is a float slot; True is not a number"),
        (Slot("amount", "float"), "1.500", "'1.500' is ambiguous (a decimal or thousands?)"),
        (Slot("amount", "float"), float("nan"), "nan is not a finite number"),
        (Slot("amount", "float"), {"amount": 5}, "{'amount': 5} is not a number"),
        (Slot("verified", "bool"), "evet", "slot 'verified' is a bool slot; 'evet' is not true"),
        (Slot("verified", "bool"), 2, "2 is not true or false"),
        (Slot("username", "text"), ["a"], "slot 'username' is a text slot; ['a'] is not text"),
        (Slot("username", "text"), False, "False is not text"),
        (METHOD, "bitcoin", "'bitcoin' is not one of its values (havale, papara, kredi kartı)"),
        (METHOD, ["papara"], "['papara'] is not one value"),
        (Slot("documents", "list"), {"a": 1}, "{'a': 1} is not a list"),
        (Slot("x", "money"), 1, "slot 'x' has unknown type 'money'"),
    ],
)
def test_wrong_values_are_clear_errors(slot: Slot, value: Any, message: str) -> None:
    with pytest.raises(DataError) as info:
        coerce_slot_value(slot, value)
    assert message in str(info.value)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(DataError) as info:
        coerce_slot_value(Slot("amount", "float"), list(range(100)))
    assert str(info.value).endswith("... is not a number")
    assert len(str(info.value)) < 120


def test_tracker_slots_add_rasas_built_in_slots() -> None:
    plain = tracker_slots(Domain(slots={"a": Slot("a", "text", initial_value="x")}))
    assert list(plain) == ["a", "session_started_metadata"]
    with_form = tracker_slots(Domain(forms={"f": Form("f", ("a",))}))
    assert with_form["requested_slot"].type == "text"
    assert initial_slot_values(plain) == {"a": "x", "session_started_metadata": None}
