"""``bot data validate`` checks the console's canned responses beside the domain: a broken
canned.yml is an error with its file and line, an intent the domain lacks a warning."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.workbench.validation_report import validate_files

DOMAIN = 'version: "3.1"\nintents: [greet, balance]\n'
NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - merhaba
    - selam
    - iyi günler
- intent: balance
  examples: |
    - bakiyem ne kadar
    - bakiye sorgula
    - hesabımda ne kadar var
"""


def _validate(root: Path, canned: str | None) -> tuple[int, str]:
    (root / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (root / "nlu.yml").write_text(NLU, encoding="utf-8")
    if canned is not None:
        (root / "canned.yml").write_text(canned, encoding="utf-8")
    buffer = io.StringIO()
    code = validate_files(
        domain=root / "domain.yml",
        data=[root / "nlu.yml"],
        config=root / "config.yml",
        fail_on_warnings=False,
        console=Console(file=buffer, width=300, color_system=None),
    )
    return code, buffer.getvalue()


def test_no_canned_file_and_a_good_one_are_valid(tmp_path: Path) -> None:
    assert _validate(tmp_path, None)[0] == 0
    good = "canned_responses:\n  bakiye:\n    title: Bakiye\n    intents: [balance]\n    text: x\n"
    code, printed = _validate(tmp_path, good)
    assert code == 0 and "no problems found" in printed


def test_a_broken_canned_file_is_an_error_with_its_line(tmp_path: Path) -> None:
    broken = "canned_responses:\n  bakiye:\n    title: Bakiye\n    text: Bakiyeniz {bakiye}\n"
    code, printed = _validate(tmp_path, broken)
    assert code == 1
    assert f"{tmp_path / 'canned.yml'}:4: error D501: canned response 'bakiye': unknown " in printed
    assert "variable {bakiye}" in printed


def test_an_intent_the_domain_lacks_is_a_warning(tmp_path: Path) -> None:
    canned = (
        "canned_responses:\n  sifre:\n    title: Şifre\n    intents: [pasword_reset]\n    text: x\n"
    )
    code, printed = _validate(tmp_path, canned)
    assert code == 0
    assert (
        f"{tmp_path / 'canned.yml'}:2: warning D502: canned response 'sifre' fits intent "
        "'pasword_reset', which is not in the domain"
    ) in printed
