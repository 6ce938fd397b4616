"""The trained pipeline end to end: intents, entities, persistence, bad input."""

from __future__ import annotations

import pickle

import pytest

from bot.nlu.pipeline import Pipeline


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ŞİFREMİ UNUTTUMMM", "password_reset"),
        ("sifremi unuttum", "password_reset"),
        ("paparayla 1000 tl yatirdim gelmedi", "deposit_missing"),
        ("selaaaam", "greet"),
    ],
)
def test_light_pipeline_classifies_player_spellings(
    trained_light_pipeline: Pipeline, text: str, intent: str
) -> None:
    result = trained_light_pipeline.parse(text)
    assert result["intent"]["name"] == intent
    ranking = result["intent_ranking"]
    assert {r["name"] for r in ranking} >= {"greet", "password_reset", "deposit_missing"}
    assert ranking == sorted(ranking, key=lambda r: -r["confidence"])
    assert sum(r["confidence"] for r in ranking if r["name"] != "nlu_fallback") == pytest.approx(
        1.0, abs=1e-3
    )


def test_lookup_entities_with_suffix_map_to_synonyms(trained_light_pipeline: Pipeline) -> None:
    result = trained_light_pipeline.parse("Kredi kartıyla yatırdım, KK ile de denedim")
    methods = [
        (e["value"], e["start"], e["end"])
        for e in result["entities"]
        if e["entity"] == "payment_method"
    ]
    assert ("kredi_karti", 0, 14) in methods
    assert any(v == "kredi_karti" and s == 25 for v, s, _ in methods)


def test_lookup_matches_without_diacritics_or_case(trained_light_pipeline: Pipeline) -> None:
    result = trained_light_pipeline.parse("KREDI KARTIYLA yatirdim")
    [method] = [e for e in result["entities"] if e["entity"] == "payment_method"]
    assert (method["value"], method["start"], method["end"]) == ("kredi_karti", 0, 14)


def test_parse_result_has_rasa_shape(trained_light_pipeline: Pipeline) -> None:
    result = trained_light_pipeline.parse("papara ile yatırdım gelmedi")
    assert set(result) == {"text", "intent", "entities", "intent_ranking"}
    entity = result["entities"][0]
    assert {"entity", "start", "end", "value", "confidence", "extractor"} <= set(entity)
    assert result["text"][entity["start"] : entity["end"]] == "papara"


@pytest.mark.parametrize(
    "text", ["", "   ", "😡😡😡", "\x00\x01\x02\ufffd", "a" * 100_000, "İ̇̇̇" * 50]
)
def test_bad_input_gets_a_parse_result(trained_light_pipeline: Pipeline, text: str) -> None:
    result = trained_light_pipeline.parse(text)
    assert result["text"] == text
    assert "intent" in result and isinstance(result["entities"], list)


def test_empty_text_has_no_intent(trained_light_pipeline: Pipeline) -> None:
    assert trained_light_pipeline.parse("")["intent"] == {"name": None, "confidence": 0.0}


def test_emoji_only_falls_back(trained_light_pipeline: Pipeline) -> None:
    assert trained_light_pipeline.parse("😡😡😡")["intent"]["name"] == "nlu_fallback"


def test_pickled_pipeline_parses_the_same(trained_light_pipeline: Pipeline) -> None:
    copy = pickle.loads(pickle.dumps(trained_light_pipeline))
    for text in ["şifre", "yatırdım gelmedi", "selam"]:
        assert copy.parse(text) == trained_light_pipeline.parse(text)


def test_default_pipeline_uses_encoder_only_when_unsure(
    trained_default_pipeline: Pipeline,
) -> None:
    # An emoji has no n-gram stage one knows: it must ask the encoder.
    sure, unsure = trained_default_pipeline.parse_batch(["şifremi unuttum", "🤔🤔"])
    assert sure.metadata["intent_stage"] == "sparse"
    assert "dense" not in sure.features
    assert unsure.metadata["intent_stage"] == "dense"
    assert unsure.features["dense"].shape == (384,)


def test_cascade_threshold_decides_who_pays_for_the_encoder(
    trained_default_pipeline: Pipeline,
) -> None:
    classifier = next(
        c
        for c in trained_default_pipeline.components
        if c.component_name == "LinearIntentClassifier"
    )
    texts = ["şifremi unuttum", "yatırdığım para gelmedi", "selam"]
    original = classifier.cascade_threshold
    try:
        classifier.cascade_threshold = 1.0
        always = trained_default_pipeline.parse_batch(texts)
        classifier.cascade_threshold = 0.0
        never = trained_default_pipeline.parse_batch(texts)
    finally:
        classifier.cascade_threshold = original
    assert {m.metadata["intent_stage"] for m in always} == {"dense"}
    assert {m.metadata["intent_stage"] for m in never} == {"sparse"}
    assert [m.intent.name for m in always] == [m.intent.name for m in never]
