from __future__ import annotations

import pytest

from bot.errors import DataError
from bot.nlu.entity_annotations import parse_annotated, strip_annotations
from bot.nlu.training_data import EntitySpan


def test_plain_text_has_no_entities() -> None:
    parsed = parse_annotated("şifremi unuttum", "f.yml:1")
    assert parsed.text == "şifremi unuttum"
    assert parsed.entities == () and parsed.synonyms == ()


def test_short_forms_and_offsets() -> None:
    parsed = parse_annotated("[250 TL](amount) [ininal](payment_method:ininal_card) ile", "f:1")
    assert parsed.text == "250 TL ininal ile"
    assert parsed.entities == (
        EntitySpan(0, 6, "amount", "250 TL"),
        EntitySpan(7, 13, "payment_method", "ininal_card"),
    )
    assert parsed.synonyms == (("ininal", "ininal_card"),)


def test_json_form_with_role_group_and_numbers() -> None:
    parsed = parse_annotated(
        'from [Izmir]{"entity": "city", "role": "departure", "group": 1} to here', "f:1"
    )
    assert parsed.text == "from Izmir to here"
    assert parsed.entities == (EntitySpan(5, 10, "city", "Izmir", "departure", "1"),)


def test_json_list_puts_several_labels_on_one_span() -> None:
    parsed = parse_annotated(
        'bonus [HOSGELDIN100][{"entity": "bonus_code"}, {"entity": "campaign", "value": "hg"}]',
        "f:1",
    )
    assert parsed.text == "bonus HOSGELDIN100"
    assert parsed.entities == (
        EntitySpan(6, 18, "bonus_code", "HOSGELDIN100"),
        EntitySpan(6, 18, "campaign", "hg"),
    )


def test_brackets_without_annotation_stay_literal() -> None:
    assert parse_annotated("[uyarı] hesabım kilitli", "f:1").text == "[uyarı] hesabım kilitli"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[x]{"value": "y"}', 'needs an "entity" name'),
        ('[x]{"entity": ""}', 'empty "entity" name'),
        ("[x]{entity: y}", "not valid JSON"),
        ("[x][{]", ""),  # not an annotation at all: stays literal
        ("[x]( )", "no entity name"),
    ],
)
def test_bad_annotations_name_where(text: str, expected: str) -> None:
    if not expected:
        assert parse_annotated(text, "data/nlu.yml:9").text == text
        return
    with pytest.raises(DataError) as err:
        parse_annotated(text, "data/nlu.yml:9")
    assert str(err.value).startswith("data/nlu.yml:9: ")
    assert expected in str(err.value)


def test_strip_annotations() -> None:
    assert strip_annotations('[500 TL](amount) ve [dün]{"entity": "date"}') == "500 TL ve dün"
