"""Rasa 3.6 beside Destek in the server benchmark: Destek's own project, made trainable
by Rasa with the fewest changes, serving the same REST traffic through the same action
server and mock backend.

Rasa reads domain.yml and data/nlu.yml unchanged; the pipeline is bench/rasa_config.yml's
(Rasa's default one, as in the NLU benchmark), with RulePolicy alone: a rules bot. Rasa
refuses three things of data/rules.yml and data/stories.yml, so the copy it trains on
differs there:

- rules that write out what the actions already do with a ``FollowupAction`` (an account
  action starting ``identity_form``; the form running the waiting action once the code
  is right) contradict, for Rasa, the rules that end in that action and then listen, and
  ``pending_action`` does not influence the conversation: they are left out, and the
  ``slot_was_set: pending_action`` step of the identity-form interruptions is dropped.
  Both engines run the same actions in these turns, on the actions' follow-ups; a rule
  per account action says the bot then listens (what the left-out rules said);
- Rasa wants every rule ending in ``action_handoff`` to say the form ends
  (``active_loop: null``), as some of them do;
- stories.yml is left out (the stories restate rule paths, which Rasa calls contradicting).

``action_handoff`` is built into Destek's engine; Rasa calls it on the action server, so
Rasa's action server serves bench/rasa_rest_project/rasa_actions.py: the project's actions
and that one. The trained model and Rasa's own training cache stay in .bench/rasa-rest/, so
a second run trains nothing (the first takes about 8 minutes on 2 cores).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from bench.servers import ServerProcess, free_port

__all__ = ["ACTIONS_PACKAGE", "build_project", "rasa_server", "train"]

ROOT = Path(__file__).resolve().parent.parent.parent
ACTIONS_PACKAGE = "bench.rasa_rest_project.rasa_actions"
MODEL_NAME = "destek-rules"
HANDOFF = "action_handoff"


def _mentions_pending_action(step: Any) -> bool:
    slots = step.get("slot_was_set") if isinstance(step, dict) else None
    return isinstance(slots, list) and any(
        (isinstance(s, dict) and "pending_action" in s) or s == "pending_action" for s in slots
    )


def rasa_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """data/rules.yml's rules as Rasa will train them (see the module's docstring)."""
    out = []
    followed: list[str] = []
    for rule in rules:
        steps = list(rule["steps"])
        if any(_mentions_pending_action(s) for s in steps):
            if not any("intent" in s for s in steps):  # what a FollowupAction does
                last = steps[-1].get("action")
                if last not in (None, "identity_form", *followed):
                    followed.append(last)
                continue
            steps = [s for s in steps if not _mentions_pending_action(s)]
        if steps[-1] == {"action": HANDOFF}:
            steps.append({"active_loop": None})
        out.append({**rule, "steps": steps})
    # The bot listens after an account action the identity form ran as its follow-up.
    listens = [{"rule": f"{name} sonrası dinle", "steps": [{"action": name}]} for name in followed]
    return out + listens


def build_project(where: Path) -> None:
    """Write the Rasa project into ``where`` (the same bytes each time: Rasa's cache hits)."""
    (where / "data").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "domain.yml", where / "domain.yml")
    shutil.copyfile(ROOT / "data/nlu.yml", where / "data/nlu.yml")
    rules = yaml.safe_load((ROOT / "data/rules.yml").read_text(encoding="utf-8"))
    rules["rules"] = rasa_rules(rules["rules"])
    _dump(rules, where / "data/rules.yml")
    config = yaml.safe_load((ROOT / "bench/rasa_config.yml").read_text(encoding="utf-8"))
    config["policies"] = [{"name": "RulePolicy", "core_fallback_threshold": 0.3}]
    _dump(config, where / "config.yml")


def _dump(data: Any, path: Path) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")


def train(rasa: Path, where: Path) -> Path:
    """``rasa train`` in ``where`` (Rasa's cache is ``where/.rasa``); the model's path."""
    command = [str(rasa), "train", "--domain", "domain.yml", "--data", "data"]
    command += ["-c", "config.yml", "--out", "models", "--fixed-model-name", MODEL_NAME]
    result = subprocess.run(command, cwd=where, capture_output=True, text=True, check=False)
    model = where / "models" / f"{MODEL_NAME}.tar.gz"
    if result.returncode != 0 or not model.exists():
        raise RuntimeError(f"rasa train failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return model


def rasa_server(
    rasa: Path, model: Path, work: Path, action_url: str, token: str, sqlite: bool
) -> ServerProcess:
    """``rasa run`` on one worker: REST channel (open, as in Rasa), custom actions at
    ``action_url`` (``token`` as Rasa sends it, ``?token=``); conversations in Rasa's
    default in-memory tracker store, or with ``sqlite`` in its SQL one on SQLite."""
    endpoints: dict[str, Any] = {"action_endpoint": {"url": action_url, "token": token}}
    if sqlite:
        db = str(work / "rasa.db")
        endpoints["tracker_store"] = {"type": "SQL", "dialect": "sqlite", "db": db}
    _dump(endpoints, work / "endpoints.yml")
    (work / "credentials.yml").write_text("rest:\n", encoding="utf-8")
    port = free_port()
    command = [str(rasa), "run", "-m", str(model), "-i", "127.0.0.1", "-p", str(port)]
    command += ["--endpoints", str(work / "endpoints.yml")]
    command += ["--credentials", str(work / "credentials.yml"), "--quiet"]
    return ServerProcess(command, port, "/", cwd=work)
