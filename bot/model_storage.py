"""Trained model archives: ``models/NAME.tar.gz`` holding metadata and the pipelines.

The archive holds ``metadata.json`` (Destek version, language, training time, the
config used, the intents), ``nlu.pkl``, the trained NLU pipeline, and ``core.pkl``, the
domain with the trained dialogue policies (absent from an NLU-only model). Archives are
pickles: load only models you trained or trust, as with any Rasa model.
"""

from __future__ import annotations

import io
import json
import pickle
import secrets
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import __version__
from bot.dialogue.domain import Domain
from bot.dialogue.policies import PolicyEnsemble
from bot.errors import ModelError
from bot.nlu.pipeline import Pipeline

__all__ = [
    "CoreModel",
    "TrainedModel",
    "load_model",
    "model_path_for",
    "resolve_model",
    "save_model",
]

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class CoreModel:
    """The dialogue half of a model: the domain it was trained with and its policies."""

    domain: Domain
    policies: PolicyEnsemble


@dataclass(slots=True)
class TrainedModel:
    """What a model archive holds, loaded."""

    nlu: Pipeline | None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    core: CoreModel | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path else "(unsaved)"


def model_path_for(out_dir: Path, fixed_name: str | None) -> Path:
    """``out/NAME.tar.gz``, or a timestamped name like Rasa's when none is fixed."""
    if fixed_name:
        name = fixed_name if fixed_name.endswith(".tar.gz") else f"{fixed_name}.tar.gz"
    else:
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.tar.gz"
    return out_dir / name


def save_model(path: Path, model: TrainedModel) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "format_version": FORMAT_VERSION,
        "destek_version": __version__,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **model.metadata,
    }
    tmp = path.with_name(path.name + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=3) as archive:
        _add(archive, "metadata.json", json.dumps(metadata, indent=2, ensure_ascii=False).encode())
        if model.nlu is not None:
            _add(archive, "nlu.pkl", pickle.dumps(model.nlu, protocol=pickle.HIGHEST_PROTOCOL))
        if model.core is not None:
            _add(archive, "core.pkl", pickle.dumps(model.core, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)  # readers never see a half-written archive
    model.metadata = metadata
    model.path = path
    return path


def _add(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(time.time())
    archive.addfile(info, io.BytesIO(payload))


def resolve_model(path: Path) -> Path:
    """A model file as given, or the newest ``*.tar.gz`` in a directory."""
    if path.is_dir():
        archives = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        if not archives:
            raise ModelError(f"no model (*.tar.gz) in {path}; train one with 'bot train'")
        return archives[-1]
    if not path.exists():
        raise ModelError(f"model {path} does not exist; train one with 'bot train'")
    return path


def load_model(path: Path) -> TrainedModel:
    path = resolve_model(path)
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = set(archive.getnames())
            if "metadata.json" not in names:
                raise ModelError(f"{path} is not a Destek model (no metadata.json)")
            metadata = json.loads(_read(archive, "metadata.json"))
            if metadata.get("format_version") != FORMAT_VERSION:
                raise ModelError(
                    f"{path} has model format {metadata.get('format_version')!r}; this "
                    f"Destek reads format {FORMAT_VERSION}: retrain with 'bot train'"
                )
            nlu = pickle.loads(_read(archive, "nlu.pkl")) if "nlu.pkl" in names else None
            core = pickle.loads(_read(archive, "core.pkl")) if "core.pkl" in names else None
    except (tarfile.TarError, OSError, EOFError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read model {path}: {exc}") from exc
    except (pickle.UnpicklingError, AttributeError, ImportError) as exc:
        raise ModelError(f"model {path} was saved by an incompatible version: retrain") from exc
    return TrainedModel(nlu=nlu, core=core, metadata=metadata, path=path)


def _read(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise ModelError(f"model archive entry {name} is not a file")
    return member.read()
