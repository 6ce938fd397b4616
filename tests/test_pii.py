"""Personal data found by its checksum and masked by one scheme; what is not personal stays."""

from __future__ import annotations

import time

import pytest

from bot.errors import ConfigError
from bot.pii import (
    CHECKSUM_TYPES,
    PII_TYPES,
    Masking,
    find_pii,
    iban_valid,
    luhn_valid,
    mask_pii,
    tckn_valid,
)
from bot.privacy_config import PrivacyConfig


@pytest.mark.parametrize("number", ["12345678950", "10000000146", "11111111110"])
def test_a_tc_kimlik_number_with_both_check_digits_is_valid(number: str) -> None:
    assert tckn_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "12345678940",  # the tenth digit is wrong
        "12345678951",  # the eleventh digit is wrong
        "02345678950",  # starts with 0
        "1234567895",  # ten digits
        "1234567895a",
        "١٢٣٤٥٦٧٨٩٥٠",  # Arabic-Indic digits are not a TC kimlik number
    ],
)
def test_a_tc_kimlik_number_failing_a_check_is_not_one(number: str) -> None:
    assert not tckn_valid(number)


def test_ibans_are_checked_by_iso_13616() -> None:
    assert iban_valid("TR330006100519786457841326")
    assert iban_valid("TR33 0006 1005 1978 6457 8413 26")
    assert iban_valid("tr330006100519786457841326")
    assert not iban_valid("TR340006100519786457841326")  # wrong check digits
    assert not iban_valid("TR33000610051978645784132")  # 23 digits
    assert not iban_valid("DE89370400440532013000")  # a valid German IBAN is not Turkish


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111111",
        "5555555555554444",
        "378282246310005",
        "4222222222222",
        "6011111111111117",
    ],
)
def test_card_numbers_pass_luhn(number: str) -> None:
    assert luhn_valid(number)


def test_a_card_number_failing_luhn_is_not_one() -> None:
    assert not luhn_valid("4111111111111112")
    assert mask_pii("kart 4111 1111 1111 1112") == "kart 4111 1111 1111 1112"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("tc 12345678950 numaram", "tc *********50 numaram"),
        ("TCKN:10000000146.", "TCKN:*********46."),
        (
            "iban TR33 0006 1005 1978 6457 8413 26 olsun",
            "iban TR** **** **** **** **** **** 26 olsun",
        ),
        ("ibanım TR330006100519786457841326", "ibanım TR**********************26"),
        ("kart 4111 1111 1111 1111 ile", "kart **** **** **** 1111 ile"),
        ("kart no: 5555-5555-5555-4444", "kart no: ****-****-****-4444"),
        ("amex 378282246310005", "amex ***********0005"),
        ("beni +90 532 123 45 67 den arayın", "beni +90 5** *** ** 67 den arayın"),
        ("numaram 05321234567", "numaram 05*******67"),
        ("tel: (0532) 123-45-67", "tel: (05**) ***-**-67"),
        ("5321234567 numarası", "5*******67 numarası"),
        ("ev 0212 345 67 89", "ev 02** *** ** 89"),
        ("mail ali.veli@ornek.com.tr adresime", "mail a***@ornek.com.tr adresime"),
        ("Ali.Veli+destek@Ornek.COM", "A***@Ornek.COM"),
        ("kod 482913", "kod ******"),
        ("SMS ile gelen 482913 kodunu girdim", "SMS ile gelen ****** kodunu girdim"),
        ("ŞİFRE: 654321", "ŞİFRE: ******"),
        ("doğrulama kodum 482 913", "doğrulama kodum *** ***"),
        ("482913", "******"),
        (" 482 913 ", " *** *** "),
    ],
)
def test_each_type_is_masked_by_the_one_scheme(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "1.500 TL yatırdım ama gelmedi",
        "250.000,00 TL çekmek istiyorum",
        "150000 TL bonus kodu ile",  # an amount next to "kod" is not a code
        "bonus kodum 100000 tl",
        "12.05.2024 tarihinde saat 14:30'da",
        "2024-05-12 10:00",
        "sipariş no 123456789012",
        "sipariş #123456",  # six digits, no code word
        "rastgele 12345678951",  # 11 digits, not a TC kimlik number
        "pi 3.14159265358979",
        "IP 192.168.100.200",
        "0850 123 45 67",  # a company's number
        "1234567890",  # ten digits not starting with 5
        "kod: 12345",
        "v1.2.3",
        "username ahmet_yilmaz",
    ],
)
def test_amounts_dates_and_other_numbers_stay_as_written(text: str) -> None:
    assert mask_pii(text) == text


def test_an_eleven_digit_tc_kimlik_number_is_not_a_phone() -> None:
    assert [f.kind for f in find_pii("no 53212345678")] == []  # neither
    assert [f.kind for f in find_pii("no 10000000146")] == ["tckn"]


def test_mask_regardless_masks_numbers_that_fail_their_checksum() -> None:
    regardless = Masking(regardless=frozenset(CHECKSUM_TYPES))
    assert mask_pii("tc 12345678951", regardless) == "tc *********51"
    assert mask_pii("kart 4111 1111 1111 1112", regardless) == "kart **** **** **** 1112"
    iban = "TR34 0006 1005 1978 6457 8413 26"
    assert mask_pii(iban, regardless) == "TR** **** **** **** **** **** 26"
    assert mask_pii(iban) == iban


def test_only_the_types_asked_for_are_masked() -> None:
    text = "05321234567 ve a@b.co, tc 12345678950"
    assert (
        mask_pii(text, Masking(frozenset({"email"}))) == "05321234567 ve a***@b.co, tc 12345678950"
    )
    assert mask_pii(text, Masking(frozenset({"tckn"}))) == "05321234567 ve a@b.co, tc *********50"
    assert mask_pii(text, Masking(frozenset())) == text


def test_bare_codes_count_any_six_digits_but_not_amounts() -> None:
    summary = 'Son mesajlar: "482913" | "100000 TL yatırdım"'
    assert mask_pii(summary) == summary
    assert mask_pii(summary, bare_codes=True) == 'Son mesajlar: "******" | "100000 TL yatırdım"'


def test_several_values_in_one_text_are_each_masked() -> None:
    text = "kart 4111111111111111, iban TR330006100519786457841326, tel 05321234567, a@b.co"
    assert mask_pii(text) == (
        "kart ************1111, iban TR**********************26, tel 05*******67, a***@b.co"
    )


ADVERSARIAL = {
    "digits": "1" * 100_000,
    "spaced digits": "1 " * 50_000,
    "spaced pairs": "12 " * 33_333,
    "card-like groups": "4111 " * 20_000,
    "dashes": "1-" * 50_000,
    "parentheses": "(1) " * 25_000,
    "iban prefixes": "TR12 " * 20_000,
    "letters": "a" * 100_000,
    "dotted": "a." * 50_000,
    "at signs": "a@" * 50_000,
    "long domain": "a@" + "b." * 50_000,
    "codes": "kod 123456 " * 9_000,
    "decimals": "1.1" * 33_333,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_100_kb_of_adversarial_text_is_masked_in_linear_time(text: str) -> None:
    # A quadratic scan of 100 KB takes minutes; the linear one well under a second on a
    # busy machine.
    regardless = Masking(regardless=frozenset(CHECKSUM_TYPES))
    started = time.perf_counter()
    mask_pii(text)
    mask_pii(text, regardless, bare_codes=True)
    assert time.perf_counter() - started < 3.0


# ---- endpoints.yml's privacy: section -----------------------------------------------------


def test_without_a_section_every_type_is_masked() -> None:
    config = PrivacyConfig.from_options(None)
    assert config.masking.types == frozenset(PII_TYPES)
    assert config.otp_slots == {"otp_code"}
    assert config.unmasked_slots == {"player_id"}


def test_a_list_names_the_types_and_codes_are_always_among_them() -> None:
    config = PrivacyConfig.from_options({"mask_before_storing": ["phone", "email"]})
    assert config.masking.types == {"phone", "email", "otp"}


def test_a_mapping_turns_types_off_or_masks_them_regardless() -> None:
    config = PrivacyConfig.from_options(
        {"mask_before_storing": {"phone": False, "tckn": "always", "iban": True}}
    )
    assert config.masking.types == frozenset(PII_TYPES) - {"phone"}
    assert config.masking.regardless == {"tckn"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mask_before_storing": ["tckn", "passport"]}, "unknown type 'passport'"),
        ({"mask_before_storing": {"pasaport": True}}, "unknown type 'pasaport'"),
        ({"mask_before_storing": {"otp": False}}, "otp cannot be false"),
        ({"mask_before_storing": {"phone": "always"}}, "only tckn, iban, card have one"),
        ({"mask_before_storing": {"card": "yes"}}, "must be true, false or always"),
        ({"mask_before_storing": "all"}, "must be a list of types or a mapping"),
        ({"mask_before_storng": ["tckn"]}, "unknown key 'mask_before_storng'"),
        ({"otp_slots": "otp_code"}, "otp_slots must be a list of slot names"),
    ],
)
def test_a_malformed_section_is_a_config_error_naming_the_mistake(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=r"endpoints\.yml: privacy") as error:
        PrivacyConfig.from_options(options)
    assert message in str(error.value)


def test_numbers_written_side_by_side_are_read_apart() -> None:
    text = "+90 532 123 45 67 4111 1111 1111 1111"
    assert mask_pii(text) == "+90 5** *** ** 67 **** **** **** 1111"
    # 9053212345674111 passes Luhn, but no card is written in groups of 2 and 3
    off = Masking(frozenset({"card"}))
    assert mask_pii(text, off) == "+90 532 123 45 67 **** **** **** 1111"
