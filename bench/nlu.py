"""NLU benchmark: Destek's default pipeline against Rasa 3.6's, on the same data, in one run.

    python bench/nlu.py [--rasa-venv .bench/rasa-venv] [--no-rasa] [--requests 2000]

Prints and writes to results/bench/nlu.json: held-out intent accuracy and macro-F1 on
every set (``--sets``: the strangers' sets and the nonsense set's fallback rate), the
learning curve (5, 10, 20 and all examples per intent; Rasa's at 5, 10, 20 beside it),
5-fold cross-validation macro-F1, training wall time and peak memory, /model/parse
latency p50/p99 one request at a time, throughput and p99 at 32 concurrent clients with
strangers' texts that never repeat, and server memory after load. The cascade trade-off
is shown by serving the same model three ways: sparse stage only, the default cascade,
and the encoder for every message. Both systems are also trained on an editor's first
small set (bench/editor_set/nlu.yml) and served the same way (bench/nlu_small.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.nlu_curve import learning_curve  # noqa: E402
from bench.nlu_serving import (  # noqa: E402
    destek_server,
    destek_variant,
    measure_server,
    rasa_server,
)
from bench.nlu_small import (  # noqa: E402
    rasa_curve,
    small_set,
    small_set_lines,
    train_destek,
    train_rasa,
)
from bench.rasa_env import find_rasa  # noqa: E402
from bench.texts import unique_texts  # noqa: E402
from bot.model_storage import load_model  # noqa: E402
from bot.nlu.training_data import Example  # noqa: E402
from bot.workbench import nlu_test as evaluation  # noqa: E402
from bot.workbench.training import load_training_data  # noqa: E402

NONSENSE = "nlu_nonsense"


def _sets(args: argparse.Namespace) -> dict[str, list[Example]]:
    """The other held-out sets by file name (the nonsense set's gold intent is
    nlu_fallback, so its fallback rate is the share of nonsense recognised as such)."""
    return {
        path.stem: list(load_training_data([path]).examples) for path in args.sets if path.exists()
    }


def dense_share(model_path: Path, texts: list[str]) -> float:
    model = load_model(model_path)
    assert model.nlu is not None
    messages = model.nlu.parse_batch(texts)
    return sum(m.metadata.get("intent_stage") == "dense" for m in messages) / len(messages)


def bench_destek(args: argparse.Namespace, work: Path, texts: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    model, seconds, peak = train_destek(args.config, args.nlu, work, "destek")
    result["train_seconds"] = round(seconds, 2)
    result["train_peak_mb"] = round(peak, 1)
    heldout = list(load_training_data([args.heldout]).examples)
    sets = _sets(args)
    heldout_texts = [e.text for e in heldout]
    variants = {"cascade": None, "sparse_only": 0.0, "encoder_always": 1.0}
    for name, threshold in variants.items():
        path = (
            model
            if threshold is None
            else destek_variant(model, threshold, work / f"destek-{name}.tar.gz")
        )
        entry: dict[str, Any] = {
            "encoder_share_heldout": round(dense_share(path, heldout_texts), 3),
        }
        if name == "cascade":
            evaluation.evaluate_model(path, [args.heldout], args.out / "destek-heldout")
        if name == "cascade" or not args.quick:
            server = destek_server(path)
            entry["server"] = measure_server(
                server, texts, args.sequential, args.clients, heldout, sets
            )
        result[name] = entry
        print(f"  destek {name}: {json.dumps(entry)}")
    if not args.no_curve:
        curve_sets = {"nlu_heldout": heldout, **{k: v for k, v in sets.items() if k != NONSENSE}}
        result["learning_curve"] = learning_curve(args.config, args.nlu, curve_sets)
    if not args.no_cv:
        started = time.perf_counter()
        cv = evaluation.cross_validate(args.config, [args.nlu], 5, work / "cv")
        result["cv5_macro_f1"] = round(sum(f.macro_f1 for f in cv.folds) / len(cv.folds), 4)
        result["cv5_seconds"] = round(time.perf_counter() - started, 1)
    return result


def bench_rasa(
    rasa: Path, args: argparse.Namespace, work: Path, texts: list[str]
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    trained = train_rasa(rasa, args.nlu, work, "rasa")
    if trained is None:
        print("Rasa training failed; comparison skipped")
        return {}
    model, seconds, peak = trained
    result["train_seconds"] = round(seconds, 2)
    result["train_peak_mb"] = round(peak, 1)
    heldout = list(load_training_data([args.heldout]).examples)
    sets = _sets(args)
    server = rasa_server(rasa, model, work)
    result["server"] = measure_server(server, texts, args.sequential, args.clients, heldout, sets)
    print(f"  rasa: {json.dumps(result)}")
    if not args.no_curve:
        curve_sets = {"nlu_heldout": heldout, **{k: v for k, v in sets.items() if k != NONSENSE}}
        result["learning_curve"] = rasa_curve(rasa, args.nlu, curve_sets, work)
    return result


def _set_lines(server: dict[str, Any]) -> list[str]:
    lines = []
    for name, scores in (server.get("sets") or {}).items():
        if name == NONSENSE:
            lines.append(f"  {name}: fallback rate {scores['fallback_rate']:.3f} (should be 1)")
        else:
            lines.append(
                f"  {name}: macro-F1 {scores['macro_f1']:.3f} "
                f"(fallback rate {scores['fallback_rate']:.3f})"
            )
    return lines


def _curve_lines(curve: list[dict[str, Any]]) -> list[str]:
    if not curve:
        return []
    names = [k for k in curve[0] if k not in ("per_intent", "examples", "train_seconds")]
    lines = ["  learning curve (examples per intent: macro-F1 on " + ", ".join(names) + "):"]
    for row in curve:
        scores = " / ".join(f"{row[n]:.3f}" for n in names)
        lines.append(
            f"    {row['per_intent']!s:>3} ({row['examples']} examples, "
            f"{row['train_seconds']:.1f} s): {scores}"
        )
    return lines


def summarise(
    destek: dict[str, Any], rasa: dict[str, Any], small: dict[str, Any] | None = None
) -> list[str]:
    c = destek["cascade"]
    s = c["server"]
    h = s["heldout"]
    lines = [
        "Destek (default config.yml)",
        f"  held-out macro-F1 {h['macro_f1']:.3f} (accuracy {h['accuracy']:.3f}; "
        f"without fallback {h['macro_f1_without_fallback']:.3f}; "
        f"fallback rate {h['fallback_rate']:.3f})",
        *_set_lines(s),
        f"  5-fold CV macro-F1 {destek.get('cv5_macro_f1', float('nan')):.3f}",
        f"  training {destek['train_seconds']:.1f} s, peak {destek['train_peak_mb']:.0f} MB",
        f"  parse p50 {s['sequential']['p50_ms']:.1f} ms, p99 {s['sequential']['p99_ms']:.1f} ms "
        "(one at a time)",
        f"  {s['concurrent']['throughput_rps']:.0f} parses/s at {s['concurrent']['clients']} "
        f"clients, p50 {s['concurrent']['p50_ms']:.0f} ms, p99 {s['concurrent']['p99_ms']:.0f} ms",
        f"  server memory {s['memory_mb']:.0f} MB",
        *_curve_lines(destek.get("learning_curve") or []),
        "  cascade trade-off (held-out macro-F1 / encoder share / parses/s at 32 clients):",
    ]
    for name in ("sparse_only", "cascade", "encoder_always"):
        v = destek[name]
        if "server" not in v:
            continue
        rps = v["server"]["concurrent"]["throughput_rps"]
        lines.append(
            f"    {name:<15} {v['server']['heldout']['macro_f1']:.3f} / "
            f"{v['encoder_share_heldout']:.2f} / {rps:.0f}"
        )
    if rasa:
        r = rasa["server"]
        speedup = s["concurrent"]["throughput_rps"] / r["concurrent"]["throughput_rps"]
        lines += [
            "Rasa 3.6 (default DIET pipeline, language tr)",
            f"  held-out macro-F1 {r['heldout']['macro_f1']:.3f} (accuracy "
            f"{r['heldout']['accuracy']:.3f}; without fallback "
            f"{r['heldout']['macro_f1_without_fallback']:.3f})",
            *_set_lines(r),
            f"  training {rasa['train_seconds']:.1f} s, peak {rasa['train_peak_mb']:.0f} MB",
            f"  parse p50 {r['sequential']['p50_ms']:.1f} ms; "
            f"{r['concurrent']['throughput_rps']:.0f} parses/s at "
            f"{r['concurrent']['clients']} clients, p99 "
            f"{r['concurrent']['p99_ms']:.0f} ms; server memory {r['memory_mb']:.0f} MB",
            "Ratios (Destek / Rasa)",
            f"  throughput x{speedup:.2f}"
            f", training time x{destek['train_seconds'] / rasa['train_seconds']:.2f}, "
            f"server memory x{s['memory_mb'] / r['memory_mb']:.2f}",
        ]
        if rasa.get("learning_curve"):
            lines += ["Rasa 3.6", *_curve_lines(rasa["learning_curve"])]
    if small:
        lines += small_set_lines(small, NONSENSE)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--nlu", type=Path, default=ROOT / "data" / "nlu.yml")
    parser.add_argument("--heldout", type=Path, default=ROOT / "data/tests/nlu_heldout.yml")
    parser.add_argument(
        "--sets",
        type=Path,
        nargs="*",
        default=[
            ROOT / "data/tests/nlu_heldout_strangers.yml",
            ROOT / "data/tests/nlu_heldout_players_hard.yml",
            ROOT / "data/tests/nlu_heldout_players_mixed.yml",
            ROOT / "data/tests/nlu_nonsense.yml",
        ],
        help="more held-out sets, each reported on its own",
    )
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curves")
    parser.add_argument("--no-small", action="store_true", help="skip the editor's small set")
    parser.add_argument("--requests", type=int, default=2000, help="requests at 32 clients")
    parser.add_argument("--sequential", type=int, default=300, help="one-at-a-time requests")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rasa-venv", type=Path, default=ROOT / ".bench" / "rasa-venv")
    parser.add_argument("--no-rasa", action="store_true", help="skip the Rasa comparison")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--quick", action="store_true", help="serve only the default cascade")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench")
    args = parser.parse_args()

    # The load: strangers' texts (every set but the nonsense one), none sent twice.
    bases = [e.text for name, examples in _sets(args).items() if name != NONSENSE for e in examples]
    if not bases:
        bases = [e.text for e in load_training_data([args.heldout, args.nlu]).examples]
    texts = unique_texts(bases, 20 + args.sequential + args.requests)
    rasa = None if args.no_rasa else find_rasa(args.rasa_venv, install=True)
    with tempfile.TemporaryDirectory(prefix="destek-bench-") as tmp:
        work = Path(tmp)
        print("Destek...")
        destek = bench_destek(args, work, texts)
        rasa_result = bench_rasa(rasa, args, work, texts) if rasa else {}
        small = {}
        if not args.no_small:
            print("Editor's small set...")
            heldout = list(load_training_data([args.heldout]).examples)
            small = small_set(
                rasa, args.config, heldout, _sets(args), texts, args.sequential, args.clients, work
            )
    args.out.mkdir(parents=True, exist_ok=True)
    report = {
        "destek": destek,
        "rasa": rasa_result,
        "small_set": small,
        "machine_cpus": os.cpu_count(),
        "requests": args.requests,
        "clients": args.clients,
    }
    (args.out / "nlu.json").write_text(json.dumps(report, indent=2))
    print()
    print("\n".join(summarise(destek, rasa_result, small)))
    print(f"\nFull figures: {args.out / 'nlu.json'}")


if __name__ == "__main__":
    main()
