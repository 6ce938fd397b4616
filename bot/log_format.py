"""Log records for people (``text``) or for log collectors (``json``), PII masked in both.

A JSON line has ``time``, ``level``, ``logger``, ``message``, the process id and every
field given with ``extra=`` (``conversation_id``, ``request_id``, ``model``...), plus
``exception`` when there is one. Player text can carry phone numbers, e-mail addresses,
IBANs, card and TC kimlik numbers and one-time codes: :func:`mask_pii` masks every type
(:mod:`bot.pii`, whatever endpoints.yml's ``privacy:`` says for storage) before a line
is written.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import os
import queue
import re
import time

from bot import pii

__all__ = ["FORMATS", "MAX_LOGGED_CHARS", "configure_logging", "flush_logs", "mask_pii"]

FORMATS = ("text", "json")
MAX_LOGGED_CHARS = 16_384
"""A longer message is cut there: masking and writing cost stay bounded whatever a client sends."""

# Secrets a request line may carry: the HTTP API's ``?token=`` (uvicorn's access log
# writes the whole path) is never written.
_SECRETS = [(re.compile(r"(?<=[?&]token=)[^&\s\"']{1,1024}"), "***")]
# Attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# What may be left of a number or address cut in half at MAX_LOGGED_CHARS.
_CUT_TAIL = re.compile(r"[\w.+@ -]{0,64}$")


def mask_pii(text: str) -> str:
    """``text`` with IBANs, e-mail addresses, card, TC kimlik and phone numbers and
    one-time codes masked (:mod:`bot.pii`), and the value of a ``token=`` query parameter
    replaced.

    Text past :data:`MAX_LOGGED_CHARS` is dropped (and said so), along with a number or
    address the cut went through, so that no half of one escapes the patterns.
    """
    if len(text) > MAX_LOGGED_CHARS:
        dropped = len(text) - MAX_LOGGED_CHARS
        head, tail = text[: MAX_LOGGED_CHARS - 64], text[MAX_LOGGED_CHARS - 64 : MAX_LOGGED_CHARS]
        text = head + _CUT_TAIL.sub("", tail) + f"… [{dropped} more characters]"
    for pattern, label in _SECRETS:
        text = pattern.sub(label, text)
    return pii.mask_pii(text)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_pii(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_pii(record.getMessage()),
            "pid": os.getpid(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = mask_pii(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class _Deferred(logging.handlers.QueueHandler):
    """Hands the record over as it is: formatting and masking happen on the writer's
    thread, not on the event loop that logged it."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


_writer: logging.handlers.QueueListener | None = None


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """One handler on stderr for Destek's, uvicorn's and everything else's records.

    A record is only queued where it is logged; one writer thread formats, masks and
    writes it (and everything still queued is written at exit).
    """
    global _writer
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(
        _JsonFormatter()
        if fmt == "json"
        else _TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    if _writer is not None:
        _writer.stop()  # writes what it holds
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    _writer = logging.handlers.QueueListener(records, handler)
    _writer.start()
    root = logging.getLogger()
    root.handlers[:] = [_Deferred(records)]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # httpx logs every request URL at INFO, and a Bot API URL holds the bot's token.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def flush_logs() -> None:
    """Wait until every record logged so far is written."""
    if _writer is not None:
        _writer.stop()
        _writer.start()


atexit.register(lambda: _writer.stop() if _writer is not None else None)
