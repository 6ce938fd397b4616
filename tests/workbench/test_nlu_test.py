"""``bot test nlu``: reports in Rasa's shape, plots, cross-validation and the CLI verb."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.model_storage import TrainedModel, load_model, save_model
from bot.nlu.message import Entity
from bot.nlu.pipeline import ComponentSpec, Pipeline
from bot.nlu.training_data import EntitySpan, Example, TrainingData
from bot.workbench.nlu_test import (
    BATCH_SIZE,
    NluReport,
    cross_validate,
    entity_report,
    evaluate_model,
    predict,
)
from bot.workbench.training import load_training_data

SPECS = [
    "TurkishNormalizer",
    "SpacyTokenizer",
    "NGramFeaturizer",
    "LinearIntentClassifier",
    "CRFEntityExtractor",
    "RegexEntityExtractor",
    "EntitySynonymMapper",
    "FallbackClassifier",
]
KK = '[kredi kartı]{"entity": "payment_method", "value": "kredi_karti"}'
TRAIN = {
    "greet": [
        "merhaba",
        "selam",
        "slm",
        "iyi günler",
        "merhabalar nasılsınız",
        "selamlar",
        "mrb",
        "hey merhaba",
        "günaydın",
        "iyi aksamlar",
    ],
    "password_reset": [
        "şifremi unuttum",
        "sifremi unuttum yardim",
        "parolamı sıfırlamak istiyorum",
        "giriş yapamıyorum şifre yanlış diyor",
        "şifre değiştirme",
        "sifre sifirlama linki",
        "şifremi hatırlamıyorum",
        "parola yenileme",
        "hesaba giremiyorum sifre hatali",
        "yeni şifre almak istiyorum",
    ],
    "deposit_missing": [
        "yatırdığım para gelmedi",
        "[papara](payment_method) ile yatırdım hesabıma geçmedi",
        "yatirimim yansimadi",
        "para yatırdım ama bakiye yok",
        "dün [havale](payment_method) yaptım hala yok",
        "yatırım yaptım görünmüyor",
        f"{KK} ile yatırdım gelmedi",
        "[papara](payment_method) yatırımım nerde",
        "yatırım hesaba düşmedi",
        "[havale](payment_method) ettim yansımadı",
    ],
    "withdrawal_status": [
        "çekimim ne zaman gelir",
        "cekim talebim onaylandi mi",
        "para çekme durumu",
        "[papara](payment_method) çekimim bekliyor",
        "çektiğim para hesabıma gelmedi",
        "cekimim hala beklemede",
        "çekim talebi ne oldu",
        "[havale](payment_method) çekimim gecikti",
        "çekimim neden onaylanmadı",
        f"{KK} çekimi ne zaman",
    ],
}
LOOKUP = "- lookup: payment_method\n  examples: |\n    - papara\n    - havale\n"
HELDOUT = {
    # The last greet example reads as a password reset: a deliberate confusion.
    "greet": ["selaaam", "merhabalar iyi günler", "günaydin arkadaslar", "sifremi unuttum"],
    "password_reset": ["şifremi unuttum yardım", "parolami sifirlamak istiyorum", "yeni sifre"],
    "deposit_missing": [
        "[papara](payment_method) ile yatırdığım para gelmedi",
        f"{KK} ile yatirdim yansimadi",
        "dün yatırdım hala bakiye yok",
    ],
    "withdrawal_status": ["çekimim hala gelmedi mi", "[havale](payment_method) cekimim ne oldu"],
}
REPORT_FILES = [
    "intent_report.json",
    "intent_summary.json",
    "intent_errors.json",
    "intent_successes.json",
    "entity_report.json",
    "entity_errors.json",
    "intent_confusion_matrix.png",
    "intent_histogram.png",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _nlu_yaml(data: dict[str, list[str]], extra: str = "") -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in data.items():
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {t}" for t in texts)]
    return "\n".join(lines) + "\n" + extra


def _write_project(root: Path, train: dict[str, list[str]]) -> Path:
    (root / "data" / "tests").mkdir(parents=True)
    pipeline = "".join(f"  - name: {name}\n" for name in SPECS)
    (root / "config.yml").write_text(f"language: tr\npipeline:\n{pipeline}", encoding="utf-8")
    (root / "data" / "nlu.yml").write_text(_nlu_yaml(train, LOOKUP), encoding="utf-8")
    heldout = root / "data" / "tests" / "nlu_heldout.yml"
    heldout.write_text(_nlu_yaml(HELDOUT), encoding="utf-8")
    return root


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_project(tmp_path_factory.mktemp("project"), TRAIN)


@pytest.fixture(scope="module")
def model_path(project: Path) -> Path:
    data = load_training_data([project / "data" / "nlu.yml"])
    pipeline = Pipeline.from_specs([ComponentSpec(n, {}) for n in SPECS]).train(data)
    return save_model(project / "models" / "light.tar.gz", TrainedModel(pipeline, {}))


@pytest.fixture(scope="module")
def heldout(project: Path) -> TrainingData:
    return load_training_data([project / "data" / "tests" / "nlu_heldout.yml"])


@dataclass(frozen=True)
class Evaluated:
    """What ``evaluate_model`` returned, where it wrote, and the progress it reported."""

    report: NluReport
    out: Path
    progress: list[tuple[str, int, int]]


@pytest.fixture(scope="module")
def evaluated(project: Path, model_path: Path) -> Evaluated:
    out = project / "results"
    calls: list[tuple[str, int, int]] = []
    report = evaluate_model(
        model_path,
        [project / "data" / "tests" / "nlu_heldout.yml"],
        out,
        progress=lambda step, done, total: calls.append((step, done, total)),
    )
    return Evaluated(report, out, calls)


@pytest.fixture(scope="module")
def parsed(model_path: Path, heldout: TrainingData) -> dict[str, dict[str, Any]]:
    """What the model says about each held-out text, asked one text at a time."""
    pipeline = load_model(model_path).nlu
    assert pipeline is not None
    return {e.text: pipeline.parse(e.text) for e in heldout.examples}


def test_writes_every_report_file(evaluated: Evaluated) -> None:
    report, out = evaluated.report, evaluated.out
    for name in REPORT_FILES:
        assert (out / name).is_file(), name
        assert out / name in report.files
    for name in ("intent_confusion_matrix.png", "intent_histogram.png"):
        assert (out / name).read_bytes()[:8] == PNG_MAGIC


def test_intent_report_has_rasa_shape(evaluated: Evaluated, heldout: TrainingData) -> None:
    report = _json(evaluated.out / "intent_report.json")
    assert {"accuracy", "macro avg", "weighted avg"} <= set(report)
    assert 0.0 <= report["accuracy"] <= 1.0
    for label, row in report.items():
        if label == "accuracy":
            continue
        for metric in ("precision", "recall", "f1-score"):
            assert 0.0 <= row[metric] <= 1.0, (label, metric)
        if not label.endswith(" avg"):
            assert set(row) == {"precision", "recall", "f1-score", "support", "confused_with"}
    for intent, count in heldout.intent_counts().items():
        assert report[intent]["support"] == count
    assert report["macro avg"]["support"] == len(heldout.examples)


def test_confused_with_counts_wrong_predictions(
    evaluated: Evaluated,
    parsed: dict[str, dict[str, Any]],
    heldout: TrainingData,
) -> None:
    report = _json(evaluated.out / "intent_report.json")
    for intent in heldout.intents:
        wrong = Counter(
            parsed[e.text]["intent"]["name"]
            for e in heldout.examples
            if e.intent == intent and parsed[e.text]["intent"]["name"] != intent
        )
        assert report[intent]["confused_with"] == dict(wrong.most_common(3))
    assert report["greet"]["confused_with"], "the password-reset text labelled greet"


def test_errors_list_exactly_the_misclassified_texts(
    evaluated: Evaluated,
    parsed: dict[str, dict[str, Any]],
    heldout: TrainingData,
) -> None:
    errors = _json(evaluated.out / "intent_errors.json")
    expected = {e.text for e in heldout.examples if parsed[e.text]["intent"]["name"] != e.intent}
    assert "sifremi unuttum" in expected
    assert {row["text"] for row in errors} == expected
    assert len(errors) == len(expected)
    for row in errors:
        assert set(row) == {"text", "intent", "intent_prediction"}
        assert row["intent_prediction"] == parsed[row["text"]]["intent"]
    successes = _json(evaluated.out / "intent_successes.json")
    assert len(successes) + len(errors) == len(heldout.examples)


def test_summary_ignoring_fallback_uses_the_classifier_top_intent(
    evaluated: Evaluated,
    parsed: dict[str, dict[str, Any]],
    heldout: TrainingData,
) -> None:
    summary = _json(evaluated.out / "intent_summary.json")
    predictions = {t: r["intent"]["name"] for t, r in parsed.items()}
    ranked = {t: [i["name"] for i in r["intent_ranking"]] for t, r in parsed.items()}
    top = {t: r[1] if r[0] == "nlu_fallback" else r[0] for t, r in ranked.items()}
    n = len(heldout.examples)
    assert summary["n"] == n
    assert summary["accuracy"] == pytest.approx(
        sum(predictions[e.text] == e.intent for e in heldout.examples) / n
    )
    assert summary["accuracy_without_fallback"] == pytest.approx(
        sum(top[e.text] == e.intent for e in heldout.examples) / n
    )
    assert summary["fallback_rate"] == pytest.approx(
        sum(p == "nlu_fallback" for p in predictions.values()) / n
    )
    for key in ("macro_f1", "weighted_f1", "macro_f1_without_fallback"):
        assert 0.0 <= summary[key] <= 1.0


def _gold_and_found(
    example: Example, predicted: list[dict[str, Any]]
) -> tuple[dict[tuple[str, int, int], str], dict[tuple[str, int, int], Any]]:
    gold = {(s.entity, s.start, s.end): s.value for s in example.entities}
    found = {(e["entity"], e["start"], e["end"]): e["value"] for e in predicted}
    return gold, found


def test_entity_reports_count_gold_spans_per_type(
    evaluated: Evaluated, heldout: TrainingData
) -> None:
    out = evaluated.out
    report = _json(out / "entity_report.json")
    gold = Counter(s.entity for e in heldout.examples for s in e.entities)
    assert report["payment_method"]["support"] == gold["payment_method"] == 3
    for label in ("payment_method", "micro avg", "macro avg", "weighted avg"):
        assert set(report[label]) == {"precision", "recall", "f1-score", "support"}
        assert all(0.0 <= report[label][m] <= 1.0 for m in ("precision", "recall", "f1-score"))
    for extractor in ("CRFEntityExtractor", "RegexEntityExtractor"):
        per_extractor = _json(out / f"{extractor}_report.json")
        assert per_extractor["payment_method"]["support"] == 3


def test_value_accuracy_checks_synonym_values_of_matched_spans(
    evaluated: Evaluated,
    parsed: dict[str, dict[str, Any]],
    heldout: TrainingData,
) -> None:
    checked = []
    for example in heldout.examples:
        gold, found = _gold_and_found(example, parsed[example.text]["entities"])
        for key in gold.keys() & found.keys():
            if gold[key] != example.text[key[1] : key[2]]:
                checked.append(found[key] == gold[key])
    report = _json(evaluated.out / "entity_report.json")
    assert checked, "the kredi kartı span carries the synonym kredi_karti"
    assert report["value_support"] == len(checked)
    assert report["value_accuracy"] == pytest.approx(sum(checked) / len(checked))


def test_value_accuracy_skips_dict_values_of_builtin_extractors() -> None:
    example = Example("500 TL yatırdım", "deposit_missing", (EntitySpan(0, 6, "amount", "500"),))
    amount = Entity(0, 6, "amount", {"value": 500.0, "unit": "TRY"}, "TurkishAmountExtractor")
    report = entity_report([(example, [amount])])
    assert report["amount"]["f1-score"] == 1.0
    assert report["value_support"] == 0
    assert report["value_accuracy"] is None


def test_entity_errors_list_examples_with_any_mismatch(
    evaluated: Evaluated,
    parsed: dict[str, dict[str, Any]],
    heldout: TrainingData,
) -> None:
    def mismatched(example: Example) -> bool:
        gold, found = _gold_and_found(example, parsed[example.text]["entities"])
        if gold.keys() != found.keys():
            return True
        synonyms = {k: v for k, v in gold.items() if v != example.text[k[1] : k[2]]}
        return any(found[k] != v for k, v in synonyms.items())

    expected = {e.text for e in heldout.examples if mismatched(e)}
    errors = _json(evaluated.out / "entity_errors.json")
    assert {row["text"] for row in errors} == expected
    for row in errors:
        assert set(row) == {"text", "entities", "predicted_entities"}


def test_progress_is_reported_and_summary_names_the_figures(
    evaluated: Evaluated, heldout: TrainingData
) -> None:
    report, calls = evaluated.report, evaluated.progress
    n = len(heldout.examples)
    assert ("parsing", n, n) in calls
    text = report.summary()
    for fragment in (
        "accuracy",
        "macro F1",
        "weighted F1",
        "password_reset",
        "payment_method",
        "intent_report.json",
        "Synonym values",
    ):
        assert fragment in text


def test_predict_parses_in_batches(model_path: Path) -> None:
    pipeline = load_model(model_path).nlu
    assert pipeline is not None
    examples = [Example("şifremi unuttum", "password_reset")] * (2 * BATCH_SIZE + 2)
    calls: list[tuple[int, int]] = []
    predictions = predict(pipeline, examples, lambda done, total: calls.append((done, total)))
    total = len(examples)
    assert calls == [(BATCH_SIZE, total), (2 * BATCH_SIZE, total), (total, total)]
    assert {p.intent for p in predictions} == {"password_reset"}


def test_cross_validation_reports_out_of_fold_predictions(tmp_path: Path) -> None:
    train = {**TRAIN, "thank": ["teşekkürler", "sağol"]}  # too few for 3 folds: train only
    root = _write_project(tmp_path, train)
    calls: list[tuple[str, int, int]] = []
    report = cross_validate(
        root / "config.yml",
        [root / "data" / "nlu.yml"],
        3,
        root / "cv",
        progress=lambda step, done, total: calls.append((step, done, total)),
    )
    summary = _json(root / "cv" / "cross_validation.json")
    assert summary["folds"] == 3
    assert len(summary["per_fold"]) == 3
    assert sum(f["test"] for f in summary["per_fold"]) == 40
    for metric in ("accuracy", "macro_f1", "weighted_f1"):
        assert 0.0 <= summary[metric]["mean"] <= 1.0
        assert summary[metric]["std"] >= 0.0
    intents = _json(root / "cv" / "intent_report.json")
    assert intents["macro avg"]["support"] == 40
    assert intents.get("thank", {"support": 0})["support"] == 0
    assert (root / "cv" / "intent_confusion_matrix.png").read_bytes()[:8] == PNG_MAGIC
    assert {total for _, _, total in calls} == {3}
    assert any(step.startswith("fold 3/3") for step, _, _ in calls)
    assert "3-fold cross-validation" in report.summary()


def test_cli_trains_then_tests_nlu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(_write_project(tmp_path, TRAIN))
    assert main(["train", "nlu", "--fixed-model-name", "cli"]) == 0
    assert Path("models/cli.tar.gz").is_file()
    assert main(["test", "nlu", "--out", "results"]) == 0
    for name in REPORT_FILES:
        assert (Path("results") / name).is_file(), name
    assert "accuracy" in capsys.readouterr().out


def test_cli_test_nlu_without_model_exits_1_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(_write_project(tmp_path, TRAIN))
    assert main(["test", "nlu", "-m", "models/missing.tar.gz"]) == 1
    err = capsys.readouterr().err
    assert "models/missing.tar.gz" in err
    assert "Traceback" not in err
    assert not Path("results").exists()
