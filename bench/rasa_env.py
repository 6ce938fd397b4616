"""Find or install Rasa 3.6 beside Destek (its own Python 3.10 venv) for comparisons."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["RASA_VERSION", "find_rasa"]

RASA_VERSION = "3.6.21"


def find_rasa(venv: Path, install: bool) -> Path | None:
    """The ``rasa`` executable in ``venv``; installed there first if allowed and possible."""
    rasa = venv / "bin" / "rasa"
    if rasa.exists():
        return rasa
    if not install:
        return None
    python = _python310()
    if python is None:
        print("Rasa comparison skipped: Rasa 3.6 needs Python 3.10 (python3.10 not found).")
        return None
    print(f"Installing Rasa {RASA_VERSION} into {venv} (once; several minutes)...")
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    result = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", f"rasa=={RASA_VERSION}"],
        check=False,
    )
    if result.returncode != 0 or not rasa.exists():
        print("Rasa comparison skipped: installing Rasa failed.")
        return None
    return rasa


def _python310() -> str | None:
    """python3.10 on PATH, or one pyenv installed (its shim may not resolve outside a
    pyenv shell)."""
    found = shutil.which("python3.10")
    if found and subprocess.run([found, "-V"], capture_output=True).returncode == 0:
        return found
    versions = sorted((Path.home() / ".pyenv" / "versions").glob("3.10*/bin/python3.10"))
    return str(versions[-1]) if versions else None
