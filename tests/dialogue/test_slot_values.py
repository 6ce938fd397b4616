from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.domain import Domain, Form, Slot
from bot.dialogue.slot_values import (
    coerce_slot_value,
    initial_slot_values,
    read_slot_value,
    tracker_slots,
)

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
        (Slot("username", "text"), 12345, 12345),
        (Slot("outdoor_seating", "text"), True, True),  # Rasa's formbot: "yes" to a text slot
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
        (Slot("amount", "float"), {"amount": 5}, "{'amount': 5} is not a number"),
        (Slot("verified", "bool"), "evet", "slot 'verified' is a bool slot; 'evet' is not true"),
        (Slot("verified", "bool"), 2, "2 is not true or false"),
        (Slot("username", "text"), ["a"], "slot 'username' is a text slot; ['a'] is not text"),
        (METHOD, "bitcoin", "'bitcoin' is not one of its values (havale, papara, kredi kartı)"),
        (METHOD, ["papara"], "['papara'] is not one value"),
        (Slot("documents", "list"), {"a": 1}, "{'a': 1} is not a list"),
    ],
)
def test_a_value_of_another_type_is_kept_as_given_and_said_not_to_fit(
    slot: Slot, value: Any, message: str
) -> None:
    reading = read_slot_value(slot, value)
    assert reading.value == value and type(reading.value) is type(value)
    assert reading.misfit is not None and message in reading.misfit
    assert coerce_slot_value(slot, value) == value


@pytest.mark.parametrize(
    ("slot", "value"),
    [
        (Slot("username", "text"), False),
        (Slot("username", "text"), 12.5),
        (Slot("x", "money"), 1),  # an unknown type is the domain reader's to refuse
        (Slot("note", "any"), ["a", {"b": 1}]),
    ],
)
def test_values_that_fit_say_nothing(slot: Slot, value: Any) -> None:
    assert read_slot_value(slot, value).misfit is None


def test_a_nan_is_kept_but_is_no_finite_number() -> None:
    reading = read_slot_value(Slot("amount", "float"), float("nan"))
    assert reading.misfit is not None and "nan is not a finite number" in reading.misfit


def test_long_values_are_shortened_in_messages() -> None:
    misfit = read_slot_value(Slot("amount", "float"), list(range(100))).misfit
    assert misfit is not None and misfit.endswith("... is not a number")
    assert len(misfit) < 120


def test_tracker_slots_add_rasas_built_in_slots() -> None:
    plain = tracker_slots(Domain(slots={"a": Slot("a", "text", initial_value="x")}))
    assert list(plain) == ["a", "session_started_metadata"]
    with_form = tracker_slots(Domain(forms={"f": Form("f", ("a",))}))
    assert with_form["requested_slot"].type == "text"
    assert initial_slot_values(plain) == {"a": "x", "session_started_metadata": None}
