from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.dialogue.domain import Domain, read_domain
from bot.dialogue.events import ActiveLoop, Event, SlotSet, UserUttered
from bot.dialogue.slot_filling import slot_events_for
from bot.dialogue.tracker import Tracker

DOMAIN = """\
version: "3.1"
intents:
  - inform
  - deposit_missing
  - withdrawal_request
  - chitchat
  - affirm
  - deny
entities:
  - amount
  - payment_method
  - username:
      roles: [sender, receiver]
slots:
  amount:
    type: float
    max_value: 100000
    mappings:
    - type: from_entity
      entity: amount
      not_intent: chitchat
  amount_text:
    type: text
    mappings:
    - type: from_entity
      entity: amount
  amount_raw:
    type: any
    mappings:
    - type: from_entity
      entity: amount
  amounts:
    type: list
    mappings:
    - type: from_entity
      entity: amount
  payment_method:
    type: categorical
    values: [papara, havale, kredi kartı]
    mappings:
    - type: from_entity
      entity: payment_method
      conditions:
      - active_loop: deposit_form
        requested_slot: payment_method
  sender:
    type: text
    mappings:
    - type: from_entity
      entity: username
      role: sender
  receiver:
    type: text
    mappings:
    - type: from_entity
      entity: username
      role: receiver
  confirmed:
    type: bool
    mappings:
    - type: from_intent
      intent: affirm
      value: true
    - type: from_intent
      intent: deny
      value: false
  complaint:
    type: text
    mappings:
    - type: from_text
      intent: deposit_missing
  note:
    type: text
    mappings:
    - type: from_text
      conditions:
      - active_loop: deposit_form
        requested_slot: note
  flow:
    type: text
    mappings:
    - type: from_trigger_intent
      intent: deposit_missing
      value: para yatırma
      conditions:
      - active_loop: deposit_form
  notes_checked:
    type: bool
    mappings:
    - type: from_intent
      value: true
      not_intent: [chitchat, deny, affirm, deposit_missing, withdrawal_request]
  transaction_id:
    type: text
    mappings:
    - type: custom
forms:
  deposit_form:
    ignored_intents: [chitchat]
    required_slots:
      - amount
      - payment_method
      - note
"""


@pytest.fixture
def domain(tmp_path: Path) -> Domain:
    path = tmp_path / "domain.yml"
    path.write_text(DOMAIN, encoding="utf-8")
    return read_domain(path)


def tracker_with(domain: Domain, *events: Event) -> Tracker:
    return Tracker.from_events("oyuncu-1", events, domain)


def in_form(domain: Domain, requested: str | None, *events: Event) -> Tracker:
    loop: list[Event] = [ActiveLoop(name="deposit_form"), SlotSet("requested_slot", requested)]
    return tracker_with(domain, *loop, *events)


def said(text: str, intent: str, *entities: dict[str, Any]) -> UserUttered:
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}
    return UserUttered(text=text, parse_data=parse)


def entity(name: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"entity": name, "value": value, **extra}


def filled(tracker: Tracker, domain: Domain, user: UserUttered) -> dict[str, Any]:
    events = slot_events_for(tracker, domain, user)
    assert len(events) == len({e.name for e in events})
    return {e.name: e.value for e in events}


TL_1500 = {"value": 1500.0, "unit": "TRY"}


def test_an_amount_entity_fills_float_text_any_and_list_slots(domain: Domain) -> None:
    user = said("1.500 TL yatırdım", "inform", entity("amount", TL_1500))
    slots = filled(tracker_with(domain), domain, user)
    assert {k: v for k, v in slots.items() if k.startswith("amount")} == {
        "amount": 1500.0,
        "amount_text": "1500 TRY",
        "amount_raw": {"value": 1500.0, "unit": "TRY"},
        "amounts": [{"value": 1500.0, "unit": "TRY"}],
    }


def test_the_latest_entity_fills_a_slot_and_a_list_slot_takes_them_all(domain: Domain) -> None:
    user = said("250 değil 300 lira", "inform", entity("amount", "250"), entity("amount", "300"))
    slots = filled(tracker_with(domain), domain, user)
    assert slots["amount"] == 300.0
    assert slots["amount_text"] == "300"
    assert slots["amounts"] == ["250", "300"]


def test_not_intent_keeps_an_entity_out_of_the_slot(domain: Domain) -> None:
    user = said("1500 TL de para mı", "chitchat", entity("amount", TL_1500))
    slots = filled(tracker_with(domain), domain, user)
    assert "amount" not in slots
    assert slots["amount_text"] == "1500 TRY"


def test_roles_send_each_username_to_its_own_slot(domain: Domain) -> None:
    user = said(
        "ayse34 hesabından mehmet_61 hesabına",
        "inform",
        entity("username", "ayse34", role="sender"),
        entity("username", "mehmet_61", role="receiver"),
        entity("username", "başka"),
    )
    slots = filled(tracker_with(domain), domain, user)
    assert (slots["sender"], slots["receiver"]) == ("ayse34", "mehmet_61")


def test_a_conditioned_mapping_waits_for_its_form_and_requested_slot(domain: Domain) -> None:
    user = said("papara ile", "inform", entity("payment_method", "Papara"))
    assert "payment_method" not in filled(tracker_with(domain), domain, user)
    assert "payment_method" not in filled(in_form(domain, "amount"), domain, user)
    assert filled(in_form(domain, "payment_method"), domain, user)["payment_method"] == "papara"


def test_categorical_values_match_without_diacritics(domain: Domain) -> None:
    user = said("kredi karti", "inform", entity("payment_method", "KREDI KARTI"))
    slots = filled(in_form(domain, "payment_method"), domain, user)
    assert slots["payment_method"] == "kredi kartı"


def test_from_text_with_conditions_takes_the_whole_answer_only_when_asked(domain: Domain) -> None:
    user = said("dekontu mail attım", "inform")
    assert "note" not in filled(tracker_with(domain), domain, user)
    assert filled(in_form(domain, "note"), domain, user)["note"] == "dekontu mail attım"


def test_from_text_without_conditions_fills_in_or_out_of_a_form(domain: Domain) -> None:
    user = said("paramı yatırdım ama gelmedi", "deposit_missing")
    assert filled(tracker_with(domain), domain, user)["complaint"] == user.text
    assert filled(in_form(domain, "amount"), domain, user)["complaint"] == user.text
    assert "complaint" not in filled(tracker_with(domain), domain, said("selam", "inform"))


def test_from_intent_sets_the_mappings_value(domain: Domain) -> None:
    tracker = tracker_with(domain)
    assert filled(tracker, domain, said("evet", "affirm"))["confirmed"] is True
    assert filled(tracker, domain, said("hayır", "deny"))["confirmed"] is False
    assert "confirmed" not in filled(tracker, domain, said("bilmem", "inform"))


def test_from_intent_without_intent_fills_unless_not_intent(domain: Domain) -> None:
    tracker = tracker_with(domain)
    assert filled(tracker, domain, said("tamam", "inform"))["notes_checked"] is True
    assert "notes_checked" not in filled(tracker, domain, said("naber", "chitchat"))


def test_from_trigger_intent_fills_only_while_its_form_is_inactive(domain: Domain) -> None:
    user = said("yatırdığım para gelmedi", "deposit_missing")
    assert filled(tracker_with(domain), domain, user)["flow"] == "para yatırma"
    assert "flow" not in filled(in_form(domain, "amount"), domain, user)
    assert "flow" not in filled(tracker_with(domain), domain, said("yatırım", "inform"))


def test_a_forms_ignored_intents_block_its_mappings_while_it_runs(domain: Domain) -> None:
    user = said("bu arada 500 TL", "inform", entity("amount", "500"))
    assert filled(in_form(domain, "amount"), domain, user)["amount_text"] == "500"
    chat = said("not: naber", "chitchat")
    assert "note" not in filled(in_form(domain, "note"), domain, chat)


def test_custom_mappings_are_left_to_their_action(domain: Domain) -> None:
    user = said("TX-99812", "inform", entity("transaction_id", "TX-99812"))
    assert "transaction_id" not in filled(tracker_with(domain), domain, user)


def test_a_slot_that_already_holds_the_value_is_not_set_again(domain: Domain) -> None:
    tracker = tracker_with(domain, SlotSet("amount", 1500.0), SlotSet("confirmed", True))
    user = said("1500 TL", "inform", entity("amount", TL_1500))
    assert "amount" not in filled(tracker, domain, user)
    assert "confirmed" not in filled(tracker, domain, said("evet", "affirm"))
    changed = said("2000 TL", "inform", entity("amount", {"value": 2000.0, "unit": "TRY"}))
    assert filled(tracker, domain, changed)["amount"] == 2000.0


def test_a_value_of_another_type_fills_the_slot_as_given(domain: Domain) -> None:
    user = said("çok para", "inform", entity("amount", "çok"))
    found = filled(tracker_with(domain), domain, user)
    assert found["amount"] == "çok"  # Rasa stores any value in any slot
    assert {"amount_text", "amount_raw", "amounts"} <= set(found)


def test_an_unknown_category_fills_the_slot_as_given(domain: Domain) -> None:
    user = said("bitcoin ile", "inform", entity("payment_method", "bitcoin"))
    found = filled(in_form(domain, "payment_method"), domain, user)
    assert found["payment_method"] == "bitcoin"


def test_a_message_without_intent_or_entities_fills_only_unfiltered_mappings(
    domain: Domain,
) -> None:
    user = UserUttered(text="...")
    assert filled(tracker_with(domain), domain, user) == {"notes_checked": True}


def test_an_entity_shared_by_form_slots_fills_only_the_requested_one(tmp_path: Path) -> None:
    path = tmp_path / "domain.yml"
    path.write_text(
        """\
version: "3.1"
entities: [amount]
slots:
  amount:
    type: float
    mappings:
    - type: from_entity
      entity: amount
  limit:
    type: float
    mappings:
    - type: from_entity
      entity: amount
forms:
  limit_form:
    required_slots: [amount, limit]
""",
        encoding="utf-8",
    )
    domain = read_domain(path)
    user = said("500", "inform", entity("amount", "500"))
    loop: list[Event] = [ActiveLoop(name="limit_form"), SlotSet("requested_slot", "limit")]
    assert filled(tracker_with(domain, *loop), domain, user) == {"limit": 500.0}
    assert filled(tracker_with(domain), domain, user) == {"amount": 500.0, "limit": 500.0}
