"""``bot data validate`` prints examples as written, annotations and brackets included."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from bot.workbench.validation_report import validate_files

NLU = """version: "3.1"
nlu:
- intent: order_food
  examples: |
    - [world](cuisine) food
    - [world](cuisine) food
    - [thai]{"entity": "cuisine"} food please
"""


def test_duplicate_example_is_quoted_with_its_annotation(tmp_path: Path) -> None:
    (tmp_path / "nlu.yml").write_text(NLU, encoding="utf-8")
    (tmp_path / "domain.yml").write_text(
        'version: "3.1"\nintents: [order_food]\nentities: [cuisine]\n', encoding="utf-8"
    )
    buffer = io.StringIO()
    validate_files(
        domain=tmp_path / "domain.yml",
        data=[tmp_path / "nlu.yml"],
        config=tmp_path / "config.yml",
        fail_on_warnings=False,
        console=Console(file=buffer, width=200, color_system=None),
    )
    printed = buffer.getvalue()
    assert "duplicate example '[world](cuisine) food' of intent 'order_food'" in printed
