"""``bot shell nlu``: type a message, see the intent ranking and the entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bot.model_storage import load_model

__all__ = ["run_nlu_shell"]


def run_nlu_shell(model_path: Path, console: Console) -> int:
    model = load_model(model_path)
    if model.nlu is None:
        console.print(f"model {model.name} has no NLU pipeline")
        return 1
    model.nlu.warm_up()
    console.print(f"[bold]{model.name}[/] loaded. Type a message; /stop or Ctrl-D quits.")
    while True:
        try:
            text = console.input("[bold cyan]> [/]")
        except EOFError:
            break
        if text.strip() in ("/stop", "/exit", "/quit"):
            break
        result = model.nlu.parse(text)
        console.print(render(result))
    return 0


def render(result: dict[str, Any]) -> Table:
    table = Table(title=f"intent: {result['intent']}", show_lines=False)
    table.add_column("intent")
    table.add_column("confidence", justify="right")
    for item in result.get("intent_ranking", [])[:10]:
        table.add_row(item["name"], f"{item['confidence']:.3f}")
    entities = result.get("entities") or []
    if entities:
        lines = [json.dumps(e, ensure_ascii=False) for e in entities]
        table.caption = "entities:\n" + "\n".join(lines)
    return table
