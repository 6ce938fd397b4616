"""Bad input never crashes the NLU: empty, emoji, 100 KB, other alphabets, control
characters and lone surrogates get a parse result in Rasa's shape through the Python API
(one known crash is marked below), and over HTTP a 200 with that result, or a 400 for
what JSON cannot carry. Lopsided training data (an intent of one example beside one of
500) trains, and its confidences are probabilities."""

from __future__ import annotations

import dataclasses
import random
import string
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.model_storage import TrainedModel
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.pipeline import MAX_CHARS, Pipeline
from bot.nlu.training_data import Example, TrainingData
from bot.server import create_app
from bot.settings import Settings
from tests.conftest import SMALL_DATA, light_pipeline, small_training_data
from tests.live_server import LiveServer

ONE_EXAMPLE = ("bonus_problem", "bonus kodum çalışmıyor")
MANY_EXAMPLES = "withdrawal_status"
BAD_TEXTS = {
    "empty": "",
    "whitespace": " \t\n\u00a0\u3000 ",
    "emoji": "🙂🙂🙂",
    "100kb-words": ("şifremi unuttum ne yapmalıyım " * 4_000)[:100_000],
    "100kb-no-spaces": "".join(random.Random(13).choices(string.ascii_lowercase, k=100_000)),
    "100kb-one-letter": "ğ" * 100_000,
    "arabic": "نسيت كلمة المرور الخاصة بي",
    "cyrillic": "Я забыл свой пароль",
    "chinese": "我忘记了我的密码",
    "control": "\x01\x02\x1b[31mşifremi unuttum\x7f\x1b[0m",
    "nul": "\x00" * 64,
    "nul-inside": "şifremi\x00unuttum",
    "lone-surrogate": "şifremi \ud800 unuttum",
    "lone-surrogate-only": "\udfff",
}
# The texts a surrogate-free JSON body can carry.
JSON_TEXTS = {name: text for name, text in BAD_TEXTS.items() if "surrogate" not in name}


def lopsided_data() -> TrainingData:
    """The small set plus an intent of one example and an intent of 500."""
    base = small_training_data()
    intent, text = ONE_EXAMPLE
    extra = [Example(text, intent, source="test:1")]
    extra += [
        Example(f"çekim talebim {n} gündür onaylanmadı", MANY_EXAMPLES, source=f"test:{n}")
        for n in range(500)
    ]
    return dataclasses.replace(base, examples=base.examples + tuple(extra))


@pytest.fixture(scope="module")
def lopsided_pipeline() -> Pipeline:
    """The default pipeline without the sentence encoder, trained on lopsided data."""
    return light_pipeline().train(lopsided_data())


def assert_sane(result: dict[str, Any], text: str, intents: list[str]) -> None:
    """Rasa's shape, the text given back whole (a lone surrogate as U+FFFD), confidences
    that are probabilities."""
    assert result["text"] == text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    intent = result["intent"]
    assert intent["name"] is None or intent["name"] in [*intents, FALLBACK_INTENT]
    assert 0.0 <= intent["confidence"] <= 1.0
    ranking = result["intent_ranking"]
    if intent["name"] is None:  # nothing to read: no guess at all
        assert intent["confidence"] == 0.0 and ranking == []
        return
    assert ranking[0]["name"] == intent["name"]
    assert all(0.0 <= entry["confidence"] <= 1.0 for entry in ranking)
    # nlu_fallback heads the ranking, as in Rasa; the classifier's own ranking is below it.
    classified = [entry for entry in ranking if entry["name"] != FALLBACK_INTENT]
    confidences = [entry["confidence"] for entry in classified]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-3)
    assert {entry["name"] for entry in classified} <= set(intents)
    for entity in result["entities"]:
        assert 0 <= entity["start"] < entity["end"] <= len(text)


@pytest.mark.parametrize("name", BAD_TEXTS)
def test_bad_text_gets_a_sane_parse(lopsided_pipeline: Pipeline, name: str) -> None:
    text = BAD_TEXTS[name]
    assert_sane(lopsided_pipeline.parse(text), text, lopsided_pipeline.intents)


@pytest.mark.parametrize(
    "name",
    list(BAD_TEXTS),
)
def test_bad_text_gets_a_sane_parse_from_the_sentence_encoder_too(
    trained_default_pipeline: Pipeline, name: str
) -> None:
    """The full default pipeline: the encoder reads what the n-grams cannot (emoji,
    other alphabets), so most of these texts reach it."""
    text = BAD_TEXTS[name]
    assert_sane(trained_default_pipeline.parse(text), text, trained_default_pipeline.intents)


@pytest.mark.parametrize("name", ["empty", "whitespace"])
def test_nothing_to_read_is_no_intent(lopsided_pipeline: Pipeline, name: str) -> None:
    assert lopsided_pipeline.parse(BAD_TEXTS[name])["intent"] == {"name": None, "confidence": 0.0}


@pytest.mark.parametrize(
    "name", ["emoji", "arabic", "cyrillic", "chinese", "nul", "lone-surrogate-only"]
)
def test_nothing_the_model_knows_falls_back(lopsided_pipeline: Pipeline, name: str) -> None:
    assert lopsided_pipeline.parse(BAD_TEXTS[name])["intent"]["name"] == FALLBACK_INTENT


@pytest.mark.parametrize("name", ["100kb-words", "control", "nul-inside", "lone-surrogate"])
def test_known_words_among_junk_are_still_read(lopsided_pipeline: Pipeline, name: str) -> None:
    """Long text is read on its first MAX_CHARS characters; control characters and a
    broken surrogate around known words do not hide them."""
    assert lopsided_pipeline.parse(BAD_TEXTS[name])["intent"]["name"] == "password_reset"


def test_a_batch_of_bad_texts_parses_as_each_alone(lopsided_pipeline: Pipeline) -> None:
    """The server parses concurrent requests in one batch: a bad one spoils none."""
    texts = [*BAD_TEXTS.values(), "merhaba"]
    batch = [message.text for message in lopsided_pipeline.parse_batch(texts)]
    alone = [lopsided_pipeline.parse(text) for text in texts]
    assert [result["text"][:MAX_CHARS] for result in alone] == batch
    assert alone[-1]["intent"]["name"] == "greet"


def test_lopsided_data_trains_and_ranks_every_intent(lopsided_pipeline: Pipeline) -> None:
    intents = lopsided_pipeline.intents
    assert set(intents) == {*SMALL_DATA, ONE_EXAMPLE[0], MANY_EXAMPLES}
    probes = [ONE_EXAMPLE[1], "çekim talebim onaylanmadı", *(t[0] for t in SMALL_DATA.values())]
    for text in probes:
        result = lopsided_pipeline.parse(text)
        assert_sane(result, text, intents)
        assert {entry["name"] for entry in result["intent_ranking"]} >= set(intents)
    # The 500 examples do not swallow the others, nor the intent of one example.
    tops = [_top_intent(lopsided_pipeline.parse(text)) for text in probes]
    assert tops == [ONE_EXAMPLE[0], MANY_EXAMPLES, *SMALL_DATA]


def _top_intent(result: dict[str, Any]) -> str:
    """The classifier's first choice, under nlu_fallback if it fell back."""
    return str(next(e["name"] for e in result["intent_ranking"] if e["name"] != FALLBACK_INTENT))


# -- over HTTP ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, lopsided_pipeline: Pipeline
) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("bad-input-server")
    endpoints = root / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: sql\n  url: sqlite:///{root / 'trackers.db'}\n",
        encoding="utf-8",
    )
    settings = Settings(
        endpoints=endpoints,
        credentials=root / "none.yml",
        canned=root / "canned.yml",
        model_watch_interval=0,
    )  # max_body_bytes keeps its documented default: bodies over 1 MB get 413
    app = create_app(settings, TrainedModel(lopsided_pipeline))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.mark.parametrize("name", JSON_TEXTS)
def test_bad_text_over_http_gets_200_and_a_parse(
    client: httpx.Client, lopsided_pipeline: Pipeline, name: str
) -> None:
    text = JSON_TEXTS[name]
    response = client.post("/model/parse", json={"text": text})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert_sane(body, text, lopsided_pipeline.intents)
    assert body == lopsided_pipeline.parse(text)


@pytest.mark.parametrize(
    "body",
    [b'{"text": "\\ud800"}', b'{"text": "sifre \\udfff unuttum"}', b'{"text": "\xed\xa0\x80"}'],
)
def test_a_lone_surrogate_in_json_is_a_400_with_a_reason(client: httpx.Client, body: bytes) -> None:
    """JSON cannot carry half a character: the body is refused, never a 500."""
    response = client.post(
        "/model/parse", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"
    assert "JSON" in response.json()["message"]


def test_the_server_answers_after_every_bad_text(client: httpx.Client) -> None:
    for text in JSON_TEXTS.values():
        client.post("/model/parse", json={"text": text})
    answer = client.post("/model/parse", json={"text": "şifremi unuttum"}).json()
    assert answer["intent"]["name"] == "password_reset"
