"""Relative Turkish time expressions resolved against a fixed ``now``, with exact offsets."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.turkish_time import find_times

IST = ZoneInfo("Europe/Istanbul")
NOW = datetime(2024, 5, 15, 14, 30, tzinfo=IST)  # a Wednesday afternoon

# (message, surface, resolved point (local time, +03:00), grain)
POINTS = [
    ("dün havale yaptım hala yok", "dün", "2024-05-14T00:00", "day"),
    (
        "dün akşam papara ile 1.500 TL yatırdım hala gelmedi",
        "dün akşam",
        "2024-05-14T18:00",
        "hour",
    ),
    ("dun aksam yatirdim gelmedi", "dun aksam", "2024-05-14T18:00", "hour"),
    ("DÜN AKŞAM YATIRDIM", "DÜN AKŞAM", "2024-05-14T18:00", "hour"),
    ("dünnn akşaaam yatırdım", "dünnn akşaaam", "2024-05-14T18:00", "hour"),
    ("dün gece çekim talebi verdim", "dün gece", "2024-05-14T22:00", "hour"),
    ("dün sabah yatırdım", "dün sabah", "2024-05-14T06:00", "hour"),
    ("dünkü yatırımım nerede", "dünkü", "2024-05-14T00:00", "day"),
    ("bu sabah yatırdım hala yok", "bu sabah", "2024-05-15T06:00", "hour"),
    ("bugün 2000 TL çekim talebi verdim", "bugün", "2024-05-15T00:00", "day"),
    ("bu akşam çekim yapabilir miyim", "bu akşam", "2024-05-15T18:00", "hour"),
    ("evvelsi gün yatırdım", "evvelsi gün", "2024-05-13T00:00", "day"),
    ("önceki gün yatırdım", "önceki gün", "2024-05-13T00:00", "day"),
    ("onceki gun yatirdim", "onceki gun", "2024-05-13T00:00", "day"),
    ("dünden önceki gün yatırdım", "dünden önceki gün", "2024-05-13T00:00", "day"),
    ("geçen hafta 3 milyon kazandım", "geçen hafta", "2024-05-06T00:00", "week"),
    ("gecen hafta bonus almistim", "gecen hafta", "2024-05-06T00:00", "week"),
    ("geçtiğimiz hafta yazmıştım", "geçtiğimiz hafta", "2024-05-06T00:00", "week"),
    ("bu hafta kaç kez çekim yapabilirim", "bu hafta", "2024-05-13T00:00", "week"),
    ("geçen ay 50.000 çektim", "geçen ay", "2024-04-01T00:00", "month"),
    ("bu ay bonus alamadım", "bu ay", "2024-05-01T00:00", "month"),
    ("geçen yıl üye oldum", "geçen yıl", "2023-01-01T00:00", "year"),
    ("yarım saat önce yatırdım", "yarım saat önce", "2024-05-15T14:00", "hour"),
    ("yarim saat once yatirdim", "yarim saat once", "2024-05-15T14:00", "hour"),
    ("10 dakika önce 300tl attım", "10 dakika önce", "2024-05-15T14:20", "minute"),
    ("10 dk önce yatırdım", "10 dk önce", "2024-05-15T14:20", "minute"),
    ("on beş dakika önce yazdım", "on beş dakika önce", "2024-05-15T14:15", "minute"),
    ("1 saat önce yatırdım", "1 saat önce", "2024-05-15T13:30", "hour"),
    ("bir buçuk saat önce yatırdım", "bir buçuk saat önce", "2024-05-15T13:00", "hour"),
    ("2 saat kadar önce yatırdım", "2 saat kadar önce", "2024-05-15T12:30", "hour"),
    ("1 saat 30 dakika önce yatırdım", "1 saat 30 dakika önce", "2024-05-15T13:00", "minute"),
    ("3 gün önce 10.000 TL çektim", "3 gün önce", "2024-05-12T00:00", "day"),
    ("uc gun once cektim", "uc gun once", "2024-05-12T00:00", "day"),
    ("2 hafta önce yatırdım", "2 hafta önce", "2024-05-01T00:00", "week"),
    ("2 ay önce hesap açtım", "2 ay önce", "2024-03-15T00:00", "month"),
    ("10 dakika sonra tekrar dener misiniz", "10 dakika sonra", "2024-05-15T14:40", "minute"),
    ("az önce yatırdım", "az önce", "2024-05-15T14:25", "minute"),
    ("biraz önce 100 tl yatırdım", "biraz önce", "2024-05-15T14:15", "minute"),
    ("demin yazdım kimse cevap vermedi", "demin", "2024-05-15T14:25", "minute"),
    ("pazartesi yatırdım", "pazartesi", "2024-05-13T00:00", "day"),
    ("pazartesi günü 5 bin yatırdım", "pazartesi günü", "2024-05-13T00:00", "day"),
    ("salı günü yatırdım", "salı günü", "2024-05-14T00:00", "day"),
    ("çarşamba yatırdım", "çarşamba", "2024-05-08T00:00", "day"),
    ("geçen cuma çekim yaptım", "geçen cuma", "2024-05-10T00:00", "day"),
    ("gecen cuma cekim yaptim", "gecen cuma", "2024-05-10T00:00", "day"),
    ("cumartesi yatırdım", "cumartesi", "2024-05-11T00:00", "day"),
    ("pazar yatırdım", "pazar", "2024-05-12T00:00", "day"),
    ("geçen cuma akşamı çekim yaptım", "geçen cuma akşamı", "2024-05-10T18:00", "hour"),
    ("geçen hafta cuma yatırdım", "geçen hafta cuma", "2024-05-10T00:00", "day"),
    ("saat 14:30'da yatırdım", "saat 14:30'da", "2024-05-15T14:30", "minute"),
    ("12:45'te yatirdim", "12:45'te", "2024-05-15T12:45", "minute"),
    ("saat 3 gibi 400 tl attım", "saat 3 gibi", "2024-05-15T03:00", "hour"),
    ("saat 2 gibi 400 tl attım", "saat 2 gibi", "2024-05-15T14:00", "hour"),
    ("dün saat 3'te yatırdım", "dün saat 3'te", "2024-05-14T15:00", "hour"),
    ("dün saat 23:59 da yatırdım", "dün saat 23:59 da", "2024-05-14T23:59", "minute"),
    ("cuma 3'te yatırdım", "cuma 3'te", "2024-05-10T15:00", "hour"),
    ("dün akşam 8'de 200₺ yatırdım", "dün akşam 8'de", "2024-05-14T20:00", "hour"),
    ("dün gece 12'de yatırdım", "dün gece 12'de", "2024-05-15T00:00", "hour"),
    ("sabah 9 da yatırdım", "sabah 9 da", "2024-05-15T09:00", "hour"),
    ("akşam yatırdım", "akşam", "2024-05-14T18:00", "hour"),
    ("öğleden sonra yatırdım", "öğleden sonra", "2024-05-15T13:00", "hour"),
    ("yarın çekim yapabilir miyim", "yarın", "2024-05-16T00:00", "day"),
]

# (message, surface, start of the interval, seconds up to NOW, grain)
DURATIONS = [
    ("2 gündür bekliyorum çekimim yok", "2 gündür", "2024-05-13T14:30", 172800, "day"),
    ("2 gundur bekliyorum", "2 gundur", "2024-05-13T14:30", 172800, "day"),
    ("2gündür bekliyorum", "2gündür", "2024-05-13T14:30", 172800, "day"),
    ("iki gündür bekliyorum", "iki gündür", "2024-05-13T14:30", 172800, "day"),
    ("İKİ GÜNDÜR BEKLİYORUM", "İKİ GÜNDÜR", "2024-05-13T14:30", 172800, "day"),
    ("çekimim 3 saattir onay bekliyor", "3 saattir", "2024-05-15T11:30", 10800, "hour"),
    ("yarım saattir bekliyorum", "yarım saattir", "2024-05-15T14:00", 1800, "hour"),
    ("5 dakikadır destek bekliyorum", "5 dakikadır", "2024-05-15T14:25", 300, "minute"),
    ("bir haftadır çekim yapamıyorum", "bir haftadır", "2024-05-08T14:30", 604800, "week"),
    ("yirmi dört saattir bekliyorum", "yirmi dört saattir", "2024-05-14T14:30", 86400, "hour"),
    ("1,5 saattir bekliyorum", "1,5 saattir", "2024-05-15T13:00", 5400, "hour"),
    ("1 saat 20 dakikadır bekliyorum", "1 saat 20 dakikadır", "2024-05-15T13:10", 4800, "minute"),
    ("3 aydır çekim yapamıyorum", "3 aydır", "2024-02-15T14:30", 90 * 86400, "month"),
    ("1 saat oldu hala yok", "1 saat oldu", "2024-05-15T13:30", 3600, "hour"),
    ("yarım saat kadar oldu cevap yok", "yarım saat kadar oldu", "2024-05-15T14:00", 1800, "hour"),
    ("3 günden beri bekliyorum", "3 günden beri", "2024-05-12T14:30", 259200, "day"),
    ("3 günden bu yana bekliyorum", "3 günden bu yana", "2024-05-12T14:30", 259200, "day"),
    ("sabahtan beri bekliyorum", "sabahtan beri", "2024-05-15T06:00", 30600, "hour"),
    ("dünden beri bekliyorum", "dünden beri", "2024-05-14T00:00", 138600, "day"),
    ("dunden beri bekliyorum", "dunden beri", "2024-05-14T00:00", 138600, "day"),
    ("dün sabahtan beri bekliyorum", "dün sabahtan beri", "2024-05-14T06:00", 117000, "hour"),
    ("pazartesiden beri yazıyorum", "pazartesiden beri", "2024-05-13T00:00", 225000, "day"),
    ("geçen haftadan beri yazıyorum", "geçen haftadan beri", "2024-05-06T00:00", 829800, "week"),
    ("saat 3'ten beri bekliyorum", "saat 3'ten beri", "2024-05-15T03:00", 41400, "hour"),
]

NO_TIMES = [
    "dünya kupası bahisleri",
    "bugünlerde çok yavaşsınız",
    "saat kaç",
    "5 dakika bekledim",
    "2 günlük bonus",
    "geçen sefer de böyle oldu",
    "bu bonus ne zaman gelir",
    "günaydın",
    "1.500 TL yatırdım",
    "gecelik bonus var mı",
    "merhaba şifremi unuttum",
    "bir milyon gündür",
]


@pytest.mark.parametrize(("text", "surface", "value", "grain"), POINTS)
def test_points(text: str, surface: str, value: str, grain: str) -> None:
    (match,) = find_times(text, NOW)
    assert (match.text, match.value, match.grain, match.kind) == (
        surface,
        f"{value}:00+03:00",
        grain,
        "point",
    )
    assert text[match.start : match.end] == surface
    assert match.duration_seconds is None


@pytest.mark.parametrize(("text", "surface", "start", "seconds", "grain"), DURATIONS)
def test_durations(text: str, surface: str, start: str, seconds: int, grain: str) -> None:
    (match,) = find_times(text, NOW)
    assert (match.text, match.value, match.duration_seconds, match.grain, match.kind) == (
        surface,
        f"{start}:00+03:00",
        seconds,
        grain,
        "duration",
    )
    assert text[match.start : match.end] == surface


@pytest.mark.parametrize("text", NO_TIMES)
def test_no_time_expression(text: str) -> None:
    assert find_times(text, NOW) == []


def test_several_expressions_in_one_message() -> None:
    text = "dün akşam yatırdım, 2 gündür de çekim bekliyorum"
    found = find_times(text, NOW)
    assert [(m.text, m.kind) for m in found] == [("dün akşam", "point"), ("2 gündür", "duration")]
    assert [text[m.start : m.end] for m in found] == ["dün akşam", "2 gündür"]


def test_weekday_of_today_means_a_week_ago() -> None:
    (match,) = find_times("çarşamba yatırdım", NOW)
    assert match.value == "2024-05-08T00:00:00+03:00"


def test_part_of_day_still_ahead_means_yesterday() -> None:
    morning = datetime(2024, 5, 15, 9, 0, tzinfo=IST)
    (match,) = find_times("akşam yatırdım", morning)
    assert match.value == "2024-05-14T18:00:00+03:00"
    (match,) = find_times("sabah yatırdım", morning)
    assert match.value == "2024-05-15T06:00:00+03:00"


def test_month_arithmetic_clamps_the_day() -> None:
    end_of_march = datetime(2024, 3, 31, 12, 0, tzinfo=IST)
    (match,) = find_times("1 ay önce yatırdım", end_of_march)
    assert match.value == "2024-02-29T00:00:00+03:00"


def test_naive_now_gives_naive_values() -> None:
    (match,) = find_times("dün", datetime(2024, 1, 1, 10, 0))
    assert match.value == "2023-12-31T00:00:00"
