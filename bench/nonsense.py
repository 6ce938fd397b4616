"""Does the NLU know what it does not know? Fallback on nonsense, not on players.

    python bench/nonsense.py [--write] [-m models/x.tar.gz] [--config config.yml]

``--write`` regenerates data/tests/nlu_nonsense.yml from a fixed seed: keyboard mashes,
random letters of varying lengths, random consonant strings, other scripts, and English
and German sentences with no word of data/nlu.yml. It is never trained on.

Then, for the shipped pipeline trained on data/nlu.yml and for a small project (five
examples per intent of data/nlu.yml, the rest unseen), it prints, with the known-words
gate of FallbackClassifier off (before) and on (after), on the same trained model:
the fallback rate on each nonsense category, the fallback rate and macro-F1 on each
held-out player set, and the fallback rate on the model's own training examples.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bot.config import read_config  # noqa: E402
from bot.model_storage import load_model  # noqa: E402
from bot.nlu.components.fallback_classifier import FALLBACK_INTENT  # noqa: E402
from bot.nlu.pipeline import Pipeline  # noqa: E402
from bot.nlu.training_data import Example, TrainingData  # noqa: E402
from bot.nlu.turkish_text import fold_diacritics, turkish_lower  # noqa: E402
from bot.workbench.nlu_test_metrics import gold_macro_f1  # noqa: E402
from bot.workbench.training import load_training_data, pipeline_from_config  # noqa: E402

NONSENSE = ROOT / "data" / "tests" / "nlu_nonsense.yml"
HELDOUT = (ROOT / "data/tests/nlu_heldout.yml", ROOT / "data/tests/nlu_heldout_strangers.yml")
SEED = 13
PER_CATEGORY = 60

_ROWS = ("qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç", "1234567890")
_CONSONANTS = "bcçdfgğhjklmnprsştvyzxqw"
_SCRIPTS = {  # code point ranges of letters
    "cyrillic": [(0x430, 0x44F)],
    "greek": [(0x3B1, 0x3C9)],
    "arabic": [(0x627, 0x64A)],
    "hebrew": [(0x5D0, 0x5EA)],
    "cjk": [(0x4E00, 0x4FFF)],
    "hiragana": [(0x3041, 0x3093)],
    "hangul": [(0xAC00, 0xAE00)],
    "devanagari": [(0x915, 0x939)],
    "thai": [(0xE01, 0xE2E)],
}
_PHRASES = [  # everyday phrases in other scripts
    "привет как дела",
    "у меня проблема с выводом денег",
    "где мой депозит",
    "мне нужна помощь",
    "مرحبا كيف حالك",
    "لم يصل السحب",
    "أريد التحدث مع موظف",
    "你好",
    "我的钱没到账",
    "怎么提款",
    "こんにちは",
    "パスワードを忘れました",
    "안녕하세요",
    "비밀번호를 잊어버렸어요",
    "γεια σου τι κανεις",
    "שלום מה שלומך",
    "नमस्ते मेरा पैसा नहीं आया",
    "สวัสดีครับ",
]
_ENGLISH = {
    "subject": [
        "the weather",
        "my neighbour",
        "this recipe",
        "our garden",
        "the train",
        "my cat",
        "the museum",
        "this movie",
        "the river",
        "her brother",
        "the library",
        "a small bird",
        "the kitchen",
        "my bicycle",
    ],
    "verb": ["looks", "seems", "became", "stays", "felt", "sounds", "remains", "grew"],
    "complement": [
        "really nice today",
        "quite beautiful",
        "rather cold lately",
        "very quiet tonight",
        "surprisingly green",
        "pretty boring",
        "strangely yellow",
        "wonderful this spring",
        "too loud again",
        "almost finished",
        "heavy and wet",
        "delicious as usual",
    ],
}
_GERMAN = {
    "subject": [
        "das Wetter",
        "mein Nachbar",
        "dieser Kuchen",
        "unser Garten",
        "der Zug",
        "meine Katze",
        "das Museum",
        "der Fluss",
        "die Bibliothek",
        "ein Vogel",
        "die Küche",
        "mein Fahrrad",
        "der Wald",
    ],
    "verb": ["ist", "war", "bleibt", "wirkt", "wurde", "scheint"],
    "complement": [
        "heute sehr schön",
        "ziemlich kalt",
        "wirklich ruhig",
        "ganz grün",
        "etwas langweilig",
        "wunderbar im Frühling",
        "schon wieder laut",
        "fast fertig",
        "schwer und nass",
        "lecker wie immer",
        "sehr alt",
    ],
}


def _mash(rng: random.Random) -> str:
    def word() -> str:
        row = rng.choice(_ROWS[:3])
        start = rng.randrange(len(row))
        n = rng.randint(3, 9)
        if rng.random() < 0.5:  # a run along the row, maybe back and forth
            return "".join(row[(start + i) % len(row)] for i in range(n))
        return "".join(rng.choice(row + rng.choice(_ROWS[:3])) for _ in range(n))

    text = " ".join(word() for _ in range(rng.randint(1, 3)))
    return text.upper() if rng.random() < 0.15 else text


def _random_letters(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 12)))
        for _ in range(rng.randint(1, 5))
    ]
    return " ".join(words)


def _consonants(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(_CONSONANTS) for _ in range(rng.randint(3, 10)))
        for _ in range(rng.randint(1, 4))
    ]
    return " ".join(words)


def _other_script(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(_PHRASES)
    name = rng.choice(sorted(_SCRIPTS))
    low, high = rng.choice(_SCRIPTS[name])
    words = [
        "".join(chr(rng.randint(low, high)) for _ in range(rng.randint(2, 7)))
        for _ in range(rng.randint(1, 4))
    ]
    return " ".join(words)


def _sentence(rng: random.Random, parts: dict[str, list[str]]) -> str:
    text = " ".join(rng.choice(parts[k]) for k in ("subject", "verb", "complement"))
    return text[0].upper() + text[1:] + rng.choice(["", ".", "!", "?"])


def generate(training_words: set[str], seed: int = SEED) -> dict[str, list[str]]:
    """PER_CATEGORY distinct messages per category. The English and German sentences
    hold none of the training words (compared lower-cased with diacritics folded); the
    random strings are kept as drawn, even when one of their words is a training word."""
    rng = random.Random(seed)
    makers = {
        "keyboard_mash": _mash,
        "random_letters": _random_letters,
        "consonants": _consonants,
        "other_script": _other_script,
        "english": lambda r: _sentence(r, _ENGLISH),
        "german": lambda r: _sentence(r, _GERMAN),
    }
    out: dict[str, list[str]] = {}
    for category, make in makers.items():
        texts: list[str] = []
        for _ in range(50 * PER_CATEGORY):
            if len(texts) == PER_CATEGORY:
                break
            text = make(rng)
            sentence = category in ("english", "german")
            if text in texts or (sentence and _words(text) & training_words):
                continue
            texts.append(text)
        out[category] = texts
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", fold_diacritics(turkish_lower(text))))


def write_nonsense(path: Path, nlu: Path) -> None:
    training = set().union(*(_words(e.text) for e in load_training_data([nlu]).examples))
    lines = [
        f"# Generated by bench/nonsense.py --write (seed {SEED}). Never train on it: every",
        "# message here should come back as nlu_fallback.",
        'version: "3.1"',
        "nlu:",
    ]
    for category, texts in generate(training).items():
        lines += [f"- intent: {FALLBACK_INTENT}", f"  metadata: {{category: {category}}}"]
        lines += ["  examples: |", *(f"    - {t}" for t in texts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_nonsense(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        texts = [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]
        out[item["metadata"]["category"]] += texts
    return dict(out)


@contextmanager
def gate(pipeline: Pipeline, on: bool) -> Iterator[None]:
    """The same trained model with the known-words gate switched on or off."""
    fallback = next(c for c in pipeline.components if c.component_name == "FallbackClassifier")
    saved = fallback.known_words  # type: ignore[attr-defined]
    fallback.known_words = on and getattr(fallback, "vocabulary_", None) is not None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        fallback.known_words = saved  # type: ignore[attr-defined]


def fallback_rate(pipeline: Pipeline, texts: Sequence[str]) -> float:
    messages = pipeline.parse_batch(list(texts))
    return sum(m.intent is not None and m.intent.name == FALLBACK_INTENT for m in messages) / len(
        messages
    )


def scored(pipeline: Pipeline, examples: Sequence[Example]) -> dict[str, float]:
    messages = pipeline.parse_batch([e.text for e in examples])
    gold = [e.intent or "" for e in examples]
    top = [m.intent.name if m.intent else "None" for m in messages]
    return {
        "macro_f1": round(gold_macro_f1(gold, top), 4),
        "fallback_rate": round(sum(t == FALLBACK_INTENT for t in top) / len(top), 4),
    }


def measure(
    pipeline: Pipeline, train: TrainingData, nonsense: dict[str, list[str]]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for on in (False, True):
        with gate(pipeline, on):
            entry: dict[str, Any] = {
                "nonsense": {k: round(fallback_rate(pipeline, v), 3) for k, v in nonsense.items()},
            }
            everything = [t for texts in nonsense.values() for t in texts]
            entry["nonsense"]["all"] = round(fallback_rate(pipeline, everything), 3)
            for path in HELDOUT:
                entry[path.stem] = scored(pipeline, load_training_data([path]).examples)
            entry["own_training_examples"] = scored(pipeline, train.intent_examples)
        result["after" if on else "before"] = entry
    return result


def small_project(data: TrainingData, per_intent: int = 5, seed: int = 0) -> TrainingData:
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in data.intent_examples:
        by_intent[example.intent or ""].append(example)
    picked = [
        e for group in by_intent.values() for e in rng.sample(group, min(per_intent, len(group)))
    ]
    return TrainingData(tuple(picked), data.synonyms, data.regexes, data.lookups)


def _train(config: Path, data: TrainingData) -> Pipeline:
    return pipeline_from_config(read_config(config)).train(data)


def _print(title: str, result: dict[str, Any]) -> None:
    print(title)
    b, a = result["before"], result["after"]
    for category in b["nonsense"]:
        print(
            f"  nonsense {category:<15} fallback {b['nonsense'][category]:.3f} -> "
            f"{a['nonsense'][category]:.3f}"
        )
    for key in [p.stem for p in HELDOUT] + ["own_training_examples"]:
        print(
            f"  {key:<26} fallback {b[key]['fallback_rate']:.3f} -> "
            f"{a[key]['fallback_rate']:.3f}, macro-F1 {b[key]['macro_f1']:.3f} -> "
            f"{a[key]['macro_f1']:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="regenerate the nonsense set")
    parser.add_argument("-m", "--model", type=Path, help="a trained model (else train one)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu.yml")
    parser.add_argument("--no-small", action="store_true", help="skip the small project")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    args = parser.parse_args()
    if args.write or not NONSENSE.exists():
        write_nonsense(NONSENSE, args.nlu)
    nonsense = read_nonsense(NONSENSE)
    data = load_training_data([args.nlu])
    report: dict[str, Any] = {}
    if args.model:
        model = load_model(args.model)
        assert model.nlu is not None
        shipped = model.nlu
    else:
        shipped = _train(args.config, data)
    report["shipped"] = measure(shipped, data, nonsense)
    _print(
        f"Shipped pipeline, data/nlu.yml ({len(data.intent_examples)} examples)", report["shipped"]
    )
    if not args.no_small:
        small = small_project(data)
        report["small"] = measure(_train(args.config, small), small, nonsense)
        _print(
            f"Small project: 5 examples per intent ({len(small.intent_examples)})", report["small"]
        )
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.out, delete=False, suffix=".json") as f:
        json.dump(report, f, indent=2)
    Path(f.name).replace(args.out / "nonsense.json")
    print(f"\nFull figures: {args.out / 'nonsense.json'}")


if __name__ == "__main__":
    main()
