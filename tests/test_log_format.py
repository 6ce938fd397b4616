"""Log lines: PII masked, JSON with the record's fields."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest

from bot.log_format import MAX_LOGGED_CHARS, configure_logging, flush_logs, mask_pii


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        ("iban TR33 0006 1005 1978 6457 8413 26 olsun", "0006 1005", "TR** **** **** "),
        ("ibanım TR330006100519786457841326", "330006100519786457841326", "TR****"),
        ("mail ali.veli@ornek.com.tr adresime", "ali.veli@ornek.com.tr", "a***@ornek.com.tr"),
        ("kart 4543 5912 3456 7893 ile", "4543 5912 3456", "**** **** **** 7893"),
        ("tc 12345678950 numaram", "12345678950", "*********50"),
        ("beni 0532 123 45 67 den arayın", "123 45 67", "05** *** ** 67"),
        ("numaram +905321234567", "5321234567", "+905*******67"),
        ("kod 123456 geldi", "123456", "kod ******"),
        ('"POST /model/parse?token=gizli-anahtar HTTP/1.1" 200', "gizli-anahtar", "token=***"),
        ("GET /status?x=1&token=s3cr3t&y=2", "s3cr3t", "token=***&y=2"),
    ],
)
def test_pii_is_masked(text: str, hidden: str, shown: str) -> None:
    masked = mask_pii(text)
    assert hidden not in masked
    assert shown in masked


def test_amounts_dates_and_invalid_numbers_are_not_pii() -> None:
    text = "500 TL yatırdım, 1.500 TL de dün, 12.05.2024 tarihinde; sipariş 12345678951"
    assert mask_pii(text) == text


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restored_logging")
def test_a_json_line_carries_the_fields_and_masks_them(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    logging.getLogger("bot.test").info(
        "turn of %s", "0532 123 45 67", extra={"conversation_id": "abc", "intent": "greet"}
    )
    flush_logs()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["level"] == "info"
    assert line["logger"] == "bot.test"
    assert line["message"] == "turn of 05** *** ** 67"
    assert line["conversation_id"] == "abc"
    assert line["intent"] == "greet"
    assert line["time"].endswith("Z")


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format"):
        configure_logging("INFO", "xml")


ADVERSARIAL = {
    # Each took the old e-mail pattern seconds at this length: it scanned to the end of the
    # run from every position, looking for an "@".
    "digits": "1" * MAX_LOGGED_CHARS,
    "fives": "5" * MAX_LOGGED_CHARS,
    "letters": "a" * MAX_LOGGED_CHARS,
    "dotted": "a." * (MAX_LOGGED_CHARS // 2),
    "many at signs": "a@" * (MAX_LOGGED_CHARS // 2),
    "spaced digits": "1 " * (MAX_LOGGED_CHARS // 2),
    "iban prefixes": "TR" * (MAX_LOGGED_CHARS // 2),
}


def _cpu_seconds(text: str) -> float:
    """The least CPU time of three maskings of ``text``: the process's own time, which
    other processes on a busy machine do not inflate."""
    runs = []
    for _ in range(3):
        started = time.process_time()
        mask_pii(text)
        runs.append(time.process_time() - started)
    return min(runs)


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_masking_a_line_scans_it_once(text: str) -> None:
    # Linear time: four times the text costs about four times as much; the quadratic
    # patterns cost sixteen times as much (1-2 s at the full length). A ratio, not a
    # deadline, so that a loaded machine does not fail it.
    quarter, whole = _cpu_seconds(text[: len(text) // 4]), _cpu_seconds(text)
    assert whole < 8 * quarter + 0.02


def test_a_line_past_the_limit_is_cut_and_says_so() -> None:
    masked = mask_pii("1" * 65_000)
    assert len(masked) <= MAX_LOGGED_CHARS + 40
    assert masked.endswith(f"… [{65_000 - MAX_LOGGED_CHARS} more characters]")


def test_no_half_of_a_number_escapes_at_the_cut() -> None:
    card = "4543 5912 3456 7893"
    text = "x " * ((MAX_LOGGED_CHARS - 8) // 2) + card + " ve devamı" * 10
    assert card[:4] not in mask_pii(text)


@pytest.mark.usefixtures("restored_logging")
def test_an_access_log_line_of_65000_digits_is_written_quickly(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    started = time.perf_counter()
    # uvicorn's access line, through a logger that other tests' servers leave alone.
    logging.getLogger("bot.test.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/health?x=" + "7" * 65_000, "1.1", 200
    )
    assert time.perf_counter() - started < 0.25
    flush_logs()
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"].endswith("more characters]")


@pytest.mark.usefixtures("restored_logging")
def test_masking_and_writing_happen_off_the_thread_that_logs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import pii

    threads: list[str] = []
    real = pii.mask_pii

    def watched(text: str) -> str:
        threads.append(threading.current_thread().name)
        return real(text)

    monkeypatch.setattr(pii, "mask_pii", watched)
    configure_logging("INFO", "text")
    logging.getLogger("bot.test").info("kod 482913, kart 4111 1111 1111 1111")
    flush_logs()
    assert threads and threading.current_thread().name not in threads
    written = capsys.readouterr().err
    assert "482913" not in written and "**** **** **** 1111" in written
