"""Amounts of money in Turkish player messages: values, currencies and exact offsets."""

from __future__ import annotations

import pytest

from bot.nlu.turkish_numbers import digit_value, find_amounts

# (message, [(surface, value, currency), ...])
AMOUNTS = [
    ("dün akşam papara ile 1.500 TL yatırdım hala gelmedi", [("1.500 TL", 1500.0, "TRY")]),
    ("1.500,50 TL yatırdım görünmüyor", [("1.500,50 TL", 1500.5, "TRY")]),
    ("1500tl attım hesaba geçmedi", [("1500tl", 1500.0, "TRY")]),
    ("1500 TL'yi papara ile gönderdim", [("1500 TL", 1500.0, "TRY")]),
    ("500tl'yi yatırdım", [("500tl", 500.0, "TRY")]),
    ("1500TL'Yİ YATIRDIM", [("1500TL", 1500.0, "TRY")]),
    ("₺250 yatırdım", [("₺250", 250.0, "TRY")]),
    ("250₺ yatırdım", [("250₺", 250.0, "TRY")]),
    ("250 lira yatırdım", [("250 lira", 250.0, "TRY")]),
    ("bin beş yüz lira yatırdım", [("bin beş yüz lira", 1500.0, "TRY")]),
    ("bin bes yuz lira yatirdim", [("bin bes yuz lira", 1500.0, "TRY")]),
    ("iki yüz elli tl yatırdım gelmedi", [("iki yüz elli tl", 250.0, "TRY")]),
    ("iki bin beş yüz liralık çekim yaptım", [("iki bin beş yüz lira", 2500.0, "TRY")]),
    ("BİN LİRA YATIRDIM", [("BİN LİRA", 1000.0, "TRY")]),
    ("IKI BIN TL yatirdim", [("IKI BIN TL", 2000.0, "TRY")]),
    ("ıkı yuz tl", [("ıkı yuz tl", 200.0, "TRY")]),
    ("YÜZ ELLİ LİRA eksik", [("YÜZ ELLİ LİRA", 150.0, "TRY")]),
    ("yüz lira bonus vardı", [("yüz lira", 100.0, "TRY")]),
    ("beşyüz lira yatırdım", [("beşyüz lira", 500.0, "TRY")]),
    ("binbeşyüz lira yatırdım", [("binbeşyüz lira", 1500.0, "TRY")]),
    ("dokuz yüz doksan dokuz lira", [("dokuz yüz doksan dokuz lira", 999.0, "TRY")]),
    ("on bin lira çektim", [("on bin lira", 10000.0, "TRY")]),
    ("yüz bin lira kazandım", [("yüz bin lira", 100000.0, "TRY")]),
    ("2.5 bin TL yatırdım", [("2.5 bin TL", 2500.0, "TRY")]),
    ("1,5 milyon tl kazandım çekemiyorum", [("1,5 milyon tl", 1500000.0, "TRY")]),
    ("bir buçuk milyon lira", [("bir buçuk milyon lira", 1500000.0, "TRY")]),
    ("yarım milyon tl kazandım", [("yarım milyon tl", 500000.0, "TRY")]),
    ("5 bin 500 TL çektim", [("5 bin 500 TL", 5500.0, "TRY")]),
    ("10K tl yatırdım", [("10K tl", 10000.0, "TRY")]),
    ("500 TL'lik bonus istiyorum", [("500 TL", 500.0, "TRY")]),
    ("1000 liramı geri istiyorum", [("1000 lira", 1000.0, "TRY")]),
    ("500 lirayı ne zaman yatıracaksınız", [("500 lira", 500.0, "TRY")]),
    ("yatırdığım 250,75 TL nerede", [("250,75 TL", 250.75, "TRY")]),
    ("1,500 TL yatırdım", [("1,500 TL", 1500.0, "TRY")]),
    ("100$ yatırdım", [("100$", 100.0, "USD")]),
    ("$100 yatırdım", [("$100", 100.0, "USD")]),
    ("50 dolar yatırdım usdt ile", [("50 dolar", 50.0, "USD")]),
    ("50 euro yatırdım", [("50 euro", 50.0, "EUR")]),
    ("€50 yatırdım", [("€50", 50.0, "EUR")]),
    ("20 usdt gönderdim trc20 ağı", [("20 usdt", 20.0, "USDT")]),
    ("0.01 btc gönderdim", [("0.01 btc", 0.01, "BTC")]),
    ("0.005 BTC yolladım", [("0.005 BTC", 0.005, "BTC")]),
    ("biiin liraaa yatırdım", [("biiin liraaa", 1000.0, "TRY")]),
    ("eeee 500 TL nerede", [("500 TL", 500.0, "TRY")]),
    ("500 TL ve 300 TL yatırdım", [("500 TL", 500.0, "TRY"), ("300 TL", 300.0, "TRY")]),
    (
        "bin lira yatırdım ama 900 lira göründü",
        [("bin lira", 1000.0, "TRY"), ("900 lira", 900.0, "TRY")],
    ),
    ("12.05.2024 tarihinde 750 TL yatırdım", [("750 TL", 750.0, "TRY")]),
    ("%100 hoşgeldin bonusu aldım 1000 TL ile", [("1000 TL", 1000.0, "TRY")]),
    ("3 tane yatırım yaptım toplam 1.500,50 TL", [("1.500,50 TL", 1500.5, "TRY")]),
    ("dün akşam 8'de 200₺ yatırdım", [("200₺", 200.0, "TRY")]),
    ("10 dk önce 300tl attım", [("300tl", 300.0, "TRY")]),
    ("min yatırım 50 tl mi", [("50 tl", 50.0, "TRY")]),
]

# Numbers without a currency: found, with ``currency=None``.
BARE = [
    ("500 yatırdım gelmedi", [("500", 500.0)]),
    ("5 bin yatırdım", [("5 bin", 5000.0)]),
    ("2,5 bin yatırdım", [("2,5 bin", 2500.0)]),
    ("10K çektim", [("10K", 10000.0)]),
    ("3 milyon kazandım hesabım kapandı", [("3 milyon", 3000000.0)]),
    ("geçen ay 10.000 çektim", [("10.000", 10000.0)]),
    ("bin beş yüz yatırdım", [("bin beş yüz", 1500.0)]),
    ("iki yüz yatırdım", [("iki yüz", 200.0)]),
    ("hafta sonu 1 milyon 250 bin kazandım", [("1 milyon 250 bin", 1250000.0)]),
    ("saat 14:30'da 1500 yatırdım", [("1500", 1500.0)]),
]

# Numbers that are not amounts: phone numbers, dates, clock times, ordinals, durations,
# counts, percentages, identifiers, years, and number words that are ordinary words.
NOT_AMOUNTS = [
    "0532 123 45 67 numaramdan arayın",
    "numaram 05321234567",
    "+90 532 123 45 67",
    "12.05.2024 tarihinde yatırdım",
    "2024-05-12 de yatırdım",
    "12/05/2024",
    "saat 14:30 da yatırdım",
    "saat 3 gibi yatırdım",
    "sabah 9 da yatırdım",
    "cuma 3'te yatırdım",
    "dün 14te yatırdım",
    "1 numaralı hesabım",
    "3. gün de para gelmedi",
    "3'üncü kez yazıyorum",
    "2 gündür bekliyorum",
    "3 saattir bekliyorum",
    "5 dakika oldu",
    "1 haftadır çekim yapamıyorum",
    "2 kere denedim olmadı",
    "3 tane yatırım yaptım",
    "20 yaşındayım hesap açabilir miyim",
    "35x çevrim şartı ne",
    "yüzde 50 bonus verin",
    "%50 bonus",
    "50% kayıp bonusu",
    "2023'te üye oldum",
    "bin teşekkürler",
    "yüz yüze görüşelim",
    "kullanıcı adım berk_55",
    "emre.58 hesabının şifresini unuttum",
    "#4521 numaralı talebim",
    "ben 1995 doğumluyum",
    "12 mayıs günü yatırdım",
    "hesap no 123456 bakiyem 0",
    "işlem numarası 987654",
    "TC 12345678901 ile kayıtlıyım",
    "IBAN TR33 0006 1005 1978 6457 8413 26",
    "kart son 4 hane 1234",
    "bonus kodu HOSGELDIN100 çalışmıyor",
    "bir sorun var bir türlü çekemiyorum",
    "onu yatırdım ama",
    "yüz yüze görüşelim",
    "yarım saattir bekliyorum",
    "kullanıcı adım ali123",
]


@pytest.mark.parametrize(("text", "expected"), AMOUNTS)
def test_amounts_with_currency(text: str, expected: list[tuple[str, float, str]]) -> None:
    found = find_amounts(text)
    assert [(m.text, m.value, m.currency) for m in found] == expected
    for match in found:
        assert text[match.start : match.end] == match.text
        assert match.has_currency


@pytest.mark.parametrize(("text", "expected"), BARE)
def test_bare_numbers_have_no_currency(text: str, expected: list[tuple[str, float]]) -> None:
    found = find_amounts(text)
    assert [(m.text, m.value) for m in found] == expected
    for match in found:
        assert text[match.start : match.end] == match.text
        assert match.currency is None
        assert not match.has_currency


@pytest.mark.parametrize("text", NOT_AMOUNTS)
def test_numbers_that_are_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("bin", 1000.0),
        ("yüz elli", 150.0),
        ("iki bin beş yüz", 2500.0),
        ("on iki bin", 12000.0),
        ("yirmi beş bin", 25000.0),
        ("iki yüz elli bin", 250000.0),
        ("bir milyon iki yüz bin", 1200000.0),
        ("üç milyar", 3e9),
        ("sıfır", 0.0),
        ("kırk dokuz", 49.0),
        ("altmış yedi", 67.0),
        ("seksen sekiz", 88.0),
        ("yetmiş altı", 76.0),
        ("otuz dört", 34.0),
        ("doksan", 90.0),
        ("sekiz yüz", 800.0),
        ("ALTMIŞ", 60.0),
        ("DÖRT YÜZ", 400.0),
        ("dort yuz", 400.0),
        ("ikibinbeşyüz", 2500.0),
    ],
)
def test_number_words_compose(words: str, value: float) -> None:
    (match,) = find_amounts(f"{words} lira")
    assert match.value == value
    assert match.text == f"{words} lira"


def test_bare_number_next_to_an_amount() -> None:
    found = find_amounts("50 lira bonus vermişsiniz 50 si nerde")
    assert [(m.text, m.currency, m.start) for m in found] == [
        ("50 lira", "TRY", 0),
        ("50", None, 26),
    ]


def test_two_numbers_in_a_row_do_not_merge() -> None:
    found = find_amounts("iki üç bin lira")
    assert [(m.text, m.value) for m in found] == [("üç bin lira", 3000.0)]


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("1500", 1500.0),
        ("1.500", 1500.0),
        ("10.000", 10000.0),
        ("1.000.000", 1000000.0),
        ("1,000,000", 1000000.0),
        ("1.500,50", 1500.5),
        ("1,500.50", 1500.5),
        ("2,5", 2.5),
        ("2.5", 2.5),
        ("0.001", 0.001),
        ("1500.00", 1500.0),
        ("12.05.2024", None),
        ("1.50.000", None),
        ("14:30", None),
    ],
)
def test_digit_value(token: str, value: float | None) -> None:
    assert digit_value(token) == value


def test_suffix_is_excluded_consistently() -> None:
    text = "500 TL'lik bonus, 1000 liramı ve 250tl'yi istiyorum"
    assert [m.text for m in find_amounts(text)] == ["500 TL", "1000 lira", "250tl"]
