"""CRFEntityExtractor: a linear-chain CRF over tokens for annotated entities (BILOU tags)."""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from bot.nlu.component import Component
from bot.nlu.message import Entity, Message, Token
from bot.nlu.patterns import PatternSet
from bot.nlu.registry import registry
from bot.nlu.training_data import EntitySpan, TrainingData

__all__ = ["CRFEntityExtractor"]

log = logging.getLogger(__name__)
_ROLE = "#"


def _shape(text: str) -> str:
    out = []
    for ch in text[:6]:
        out.append("d" if ch.isdigit() else "X" if ch.isupper() else "x" if ch.isalpha() else ch)
    return "".join(out)


def _token_features(tokens: Sequence[Token], i: int, flags: list[set[str]]) -> dict[str, Any]:
    token = tokens[i]
    norm = token.norm
    feats: dict[str, Any] = {
        "bias": 1.0,
        "w": norm,
        "p3": norm[:3],
        "s2": norm[-2:],
        "s3": norm[-3:],
        "shape": _shape(token.text),
        "digit": any(ch.isdigit() for ch in norm),
        "alpha": norm.isalpha(),
        "title": token.text[:1].isupper(),
        "upper": token.text.isupper() and len(token.text) > 1,
        "at": "@" in norm,
    }
    for name in flags[i]:
        feats[f"pat:{name}"] = True
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(tokens):
            other = tokens[j].norm
            feats[f"{offset}:w"] = other
            feats[f"{offset}:s3"] = other[-3:]
            feats[f"{offset}:digit"] = any(ch.isdigit() for ch in other)
        else:
            feats[f"{offset}:edge"] = True
    return feats


def _bilou(tokens: Sequence[Token], spans: Sequence[EntitySpan]) -> list[str]:
    tags = ["O"] * len(tokens)
    for span in spans:
        label = span.entity + (_ROLE + span.role if span.role else "")
        inside = [i for i, t in enumerate(tokens) if t.start < span.end and span.start < t.end]
        if len(inside) == 1:
            tags[inside[0]] = "U-" + label
        elif inside:
            tags[inside[0]] = "B-" + label
            for i in inside[1:-1]:
                tags[i] = "I-" + label
            tags[inside[-1]] = "L-" + label
    return tags


@registry.component(
    "CRFEntityExtractor",
    defaults={"max_iterations": 40, "L1_c": 0.1, "L2_c": 0.05, "min_confidence": 0.0},
)
class CRFEntityExtractor(Component):
    def __init__(
        self, max_iterations: int, L1_c: float, L2_c: float, min_confidence: float, **rasa: Any
    ) -> None:
        self.max_iterations = max_iterations
        self.L1_c = L1_c
        self.L2_c = L2_c
        self.min_confidence = min_confidence
        self.rasa = rasa

    def train(self, messages: Sequence[Message], data: TrainingData) -> Self:
        import pycrfsuite

        self.patterns_ = PatternSet(data)
        self.model_: bytes | None = None
        if not any(m.gold_entities and m.tokens for m in messages):
            return self
        trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
        trainer.set_params(
            {
                "c1": self.L1_c,
                "c2": self.L2_c,
                "max_iterations": self.max_iterations,
                "feature.possible_transitions": True,
            }
        )
        for message in messages:
            if message.tokens:
                trainer.append(
                    self._features(message), _bilou(message.tokens, message.gold_entities)
                )
        with tempfile.TemporaryDirectory(prefix="destek-crf-") as tmp:
            path = Path(tmp) / "model.crfsuite"
            trainer.train(str(path))
            self.model_ = path.read_bytes()  # kept in the model archive, no file left behind
        return self

    def _tagger(self) -> Any:
        """The crfsuite tagger, opened from the model bytes once per process."""
        tagger = self.__dict__.get("_tagger_cache")
        if tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open_inmemory(self.model_)
            tagger = self.__dict__.setdefault("_tagger_cache", tagger)
        return tagger

    def _tagger_lock(self) -> threading.Lock:
        lock: threading.Lock = self.__dict__.setdefault("_lock", threading.Lock())
        return lock

    def _features(self, message: Message) -> list[dict[str, Any]]:
        flags: list[set[str]] = [set() for _ in message.tokens]
        for match in self.patterns_.matches(message):
            for i, token in enumerate(message.tokens):
                if token.start < match.end and match.start < token.end:
                    flags[i].add(match.name)
        return [_token_features(message.tokens, i, flags) for i in range(len(message.tokens))]

    def process(self, message: Message) -> None:
        if self.model_ is None or not message.tokens:
            return
        features = self._features(message)
        tagger = self._tagger()
        # The crfsuite tagger holds the sequence between calls: one sequence at a time.
        with self._tagger_lock():
            tagger.set(features)
            tags = tagger.tag()
            if all(tag == "O" for tag in tags):
                return
            confidences = [tagger.marginal(tag, i) for i, tag in enumerate(tags)]
        for start, end, label in _spans(tags):
            confidence = min(confidences[start : end + 1])
            if confidence < self.min_confidence:
                continue
            entity, _, role = label.partition(_ROLE)
            o_start, o_end = message.tokens[start].start, message.tokens[end].end
            text = message.text[o_start:o_end]
            message.entities.append(
                Entity(
                    start=o_start,
                    end=o_end,
                    entity=entity,
                    value=text,
                    extractor=self.component_name,
                    confidence=float(confidence),
                    text=text,
                    role=role or None,
                )
            )


def _spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans from BILOU tags, tolerant of ill-formed sequences (B without L)."""
    spans = []
    i = 0
    while i < len(tags):
        tag = tags[i]
        if tag == "O":
            i += 1
            continue
        prefix, label = tag[0], tag[2:]
        j = i
        if prefix == "B" or prefix == "I":
            while j + 1 < len(tags) and tags[j + 1][2:] == label and tags[j + 1][0] in "IL":
                j += 1
                if tags[j][0] == "L":
                    break
        spans.append((i, j, label))
        i = j + 1
    return spans
