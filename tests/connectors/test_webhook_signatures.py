"""Webhook secrets and signatures are compared in constant time, on bytes: a header with
characters outside ASCII (which ``hmac.compare_digest`` refuses on text, as a TypeError,
so a 500) is a wrong signature like any other."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.model_storage import TrainedModel
from connectors.chatwoot.webhook import sign
from connectors.chatwoot.webhook import signature_ok as chatwoot_signature_ok
from connectors.telegram import SECRET_HEADER
from connectors.whatsapp import signature_ok as whatsapp_signature_ok
from tests.connectors.fake_telegram import FakeTelegram
from tests.connectors.telegram_fixtures import (
    SECRET,
    WEBHOOK,
    fake,
    message_update,
    serve,
    telegram_model,
)
from tests.live_server import LiveServer

__all__ = ["fake", "telegram_model"]  # fixtures, imported for pytest to find

BODY = b'{"entry": []}'
APP_SECRET = "meta-uygulama-sirri"
NOT_ASCII = ["sha256=ğ", "sha256=" + "é" * 64, "ş", "sha256=" + "٠" * 64]


def _whatsapp(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("header", NOT_ASCII)
def test_whatsapp_refuses_a_signature_outside_ascii(header: str) -> None:
    assert whatsapp_signature_ok(BODY, header, APP_SECRET) is False


def test_whatsapp_accepts_its_signature_in_either_case() -> None:
    assert whatsapp_signature_ok(BODY, _whatsapp(BODY), APP_SECRET)
    assert whatsapp_signature_ok(
        BODY, _whatsapp(BODY).upper().replace("SHA256", "sha256"), APP_SECRET
    )
    assert not whatsapp_signature_ok(BODY + b" ", _whatsapp(BODY), APP_SECRET)


@pytest.mark.parametrize("header", NOT_ASCII)
def test_chatwoot_refuses_a_signature_outside_ascii(header: str) -> None:
    now = time.time()
    assert not chatwoot_signature_ok(BODY, header, str(int(now)), "sir", now=now, tolerance=300)


@pytest.mark.parametrize("stamp", ["²", "١٧٠٠٠٠٠٠٠٠", "12a", "", " "])
def test_chatwoot_refuses_a_timestamp_that_is_not_ascii_digits(stamp: str) -> None:
    """ "²".isdigit() is true and int("²") raises: neither may reach the comparison."""
    now = time.time()
    signature = sign("sir", stamp, BODY)
    assert not chatwoot_signature_ok(BODY, signature, stamp, "sir", now=now, tolerance=1e12)


def test_chatwoot_accepts_its_signature() -> None:
    now = time.time()
    stamp = str(int(now))
    assert chatwoot_signature_ok(
        BODY, sign("sir", stamp, BODY), stamp, "sir", now=now, tolerance=300
    )
    assert not chatwoot_signature_ok(
        BODY, sign("baska", stamp, BODY), stamp, "sir", now=now, tolerance=300
    )


@pytest.fixture
def app(tmp_path: Path, telegram_model: TrainedModel, fake: FakeTelegram) -> Iterator[LiveServer]:
    with serve(tmp_path, telegram_model, fake) as server:
        yield server


@pytest.mark.parametrize("secret", ["gizliğ".encode(), (SECRET[:-1] + "é").encode("latin-1")])
def test_telegram_refuses_a_secret_outside_ascii(
    app: LiveServer, fake: FakeTelegram, secret: bytes
) -> None:
    response = httpx.post(
        app.url + WEBHOOK,
        json=message_update(1, "merhaba"),
        headers={SECRET_HEADER.encode(): secret},
        timeout=30,
    )
    assert response.status_code == 403
    assert fake.calls_to("sendMessage") == []
