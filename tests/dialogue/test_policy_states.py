"""What the policies see of a conversation: slot features by type, as Rasa's slots give."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.domain import Slot
from bot.dialogue.policy_states import OTHER_CATEGORY, slot_feature

LEVEL = Slot("level", "categorical", values=("Bronz", "altın"))
AMOUNT = Slot("amount", "float", min_value=0.0, max_value=1000.0)


@pytest.mark.parametrize(
    ("slot", "value", "feature"),
    [
        (Slot("confirmed", "bool"), True, "true"),
        (Slot("confirmed", "bool"), False, "false"),
        (Slot("confirmed", "bool"), "TRUE", "true"),
        (Slot("confirmed", "bool"), "0", "false"),
        (Slot("confirmed", "bool"), 1, "true"),
        (Slot("confirmed", "bool"), "evet", None),  # reads as no truth value: unset
        (LEVEL, "bronz", "bronz"),
        (LEVEL, "ALTIN", "altın"),
        (LEVEL, "elmas", OTHER_CATEGORY),
        (LEVEL, True, OTHER_CATEGORY),
        (AMOUNT, 250, "0.25"),
        (AMOUNT, "500", "0.5"),
        (AMOUNT, 5000.0, "1"),  # capped to max_value
        (AMOUNT, -3, "0"),
        (AMOUNT, "çok", None),
        (Slot("ratio", "float"), 0.5, "0.5"),
        (Slot("outdoor_seating", "text"), True, "set"),
        (Slot("outdoor_seating", "text"), "dışarıda", "set"),
        (Slot("documents", "list"), ["kimlik"], "set"),
        (Slot("documents", "list"), [], None),
        (Slot("documents", "list"), 7, None),
        (Slot("requested_slot", "text"), "Amount", "amount"),
        (Slot("anything", "text"), None, None),
    ],
)
def test_a_slot_is_featurized_by_its_type_whatever_it_holds(
    slot: Slot, value: Any, feature: str | None
) -> None:
    assert slot_feature(slot, value) == feature
