"""Shared fixtures: small Turkish training data and pipelines trained on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import EntitySpan, Example, LookupTable, RegexPattern, TrainingData

# Every server a test starts signs web-chat session ids with this secret, so a test can
# make a session id a browser would hold (tests/connectors/webchat_fixtures.py).
TEST_CHANNEL_SECRET = "tests-channel-secret-0123456789abcdef"
os.environ.setdefault("DESTEK_CHANNEL_SECRET", TEST_CHANNEL_SECRET)

SMALL_DATA = {
    "greet": [
        "merhaba",
        "selam",
        "slm",
        "iyi günler",
        "merhabalar nasılsınız",
        "sa",
        "selamlar",
        "mrb",
        "hey merhaba",
        "günaydın",
    ],
    "password_reset": [
        "şifremi unuttum",
        "sifremi unuttum yardim",
        "parolamı sıfırlamak istiyorum",
        "giriş yapamıyorum şifre yanlış diyor",
        "şifre değiştirme",
        "sifre sifirlama linki gelmedi",
        "şifremi hatırlamıyorum",
        "parola yenileme",
        "hesaba giremiyorum sifre hatali",
        "yeni şifre almak istiyorum",
    ],
    "deposit_missing": [
        "yatırdığım para gelmedi",
        "papara ile 500 tl yatırdım hesabıma geçmedi",
        "yatirimim yansimadi",
        "para yatırdım ama bakiye yok",
        "dün havale yaptım hala yok",
        "yatırım yaptım görünmüyor",
        "kredi kartı ile yatırdım gelmedi",
        "paparadan attığım para nerde",
        "yatırım hesaba düşmedi",
        "havale ettim yansımadı",
    ],
}


def small_training_data() -> TrainingData:
    examples = []
    for intent, texts in SMALL_DATA.items():
        for text in texts:
            spans = []
            for method in ("papara", "havale", "kredi kartı"):
                at = text.find(method)
                if at >= 0:
                    value = "havale_eft" if method == "havale" else method.replace(" ", "_")
                    spans.append(EntitySpan(at, at + len(method), "payment_method", value))
            examples.append(Example(text, intent, tuple(spans), source=f"test:{intent}"))
    return TrainingData(
        tuple(examples),
        synonyms={"kredi kartı": "kredi_karti", "kk": "kredi_karti"},
        regexes=(RegexPattern("email", r"[\w.+-]+@[\w-]+\.[\w.]+"),),
        lookups=(LookupTable("payment_method", ("papara", "havale", "kredi kartı", "kk")),),
    )


LIGHT_SPECS = [
    "TurkishNormalizer",
    "SpacyTokenizer",
    "RegexFeaturizer",
    "NGramFeaturizer",
    "LinearIntentClassifier",
    "CRFEntityExtractor",
    "RegexEntityExtractor",
    "EntitySynonymMapper",
    "FallbackClassifier",
]


def light_pipeline() -> Pipeline:
    """The default pipeline without the sentence encoder: fast to train in tests."""
    return Pipeline.from_specs([ComponentSpec(name, {}) for name in LIGHT_SPECS])


@pytest.fixture(scope="session")
def training_data() -> TrainingData:
    return small_training_data()


@pytest.fixture(scope="session")
def trained_light_pipeline(training_data: TrainingData) -> Pipeline:
    return light_pipeline().train(training_data)


@pytest.fixture(scope="session")
def trained_default_pipeline(training_data: TrainingData) -> Pipeline:
    """The full default pipeline, sentence encoder included."""
    return Pipeline.from_specs(None).train(training_data)


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary project directory that is also the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
