"""The model, for content editors: which one is served, and serving another.

``GET /console/api/model`` names the served model and the archives in the models
directory; ``PUT /console/api/model`` ``{"model_file": "20261206-x.tar.gz"}`` serves one
of them, as the HTTP API's ``PUT /model`` does (loaded beside the old one; no message is
dropped). Content editors and admins only: they change what the bot says, not who
answers a chat. Only an archive's name in the models directory is taken, never a path:
an archive is a pickle, and loading one runs its code.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from bot.errors import ModelError
from bot.server import audit_trail
from bot.server.console.floor import ConsoleProblem
from bot.server.console.guards import ModelEditorDep
from bot.server.model_reload import reload_model
from bot.server.runtime import service_of

__all__ = ["model_router"]

model_router = APIRouter(prefix="/console/api", tags=["console"])
ARCHIVE_SUFFIX = ".tar.gz"


class ServedModel(BaseModel):
    model_file: str
    model_id: str
    archives: list[str] = Field(description="archives in the models directory, newest first")


class ModelChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_file: str = Field(min_length=1, max_length=255, pattern=r"^[\w.\-]+\.tar\.gz$")


def _directory(request: Request) -> Path:
    model: Path = request.app.state.settings.model
    return (model if model.is_dir() else model.parent).resolve()


def _archives(directory: Path) -> list[str]:
    found = [p for p in directory.glob(f"*{ARCHIVE_SUFFIX}") if p.is_file()]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


@model_router.get("/model")
async def served_model(request: Request, editor: ModelEditorDep) -> ServedModel:
    model = service_of(request).runtime.model
    return ServedModel(
        model_file=model.name,
        model_id=str(model.metadata.get("model_id", model.name)),
        archives=_archives(_directory(request)),
    )


@model_router.put("/model", status_code=204)
async def serve_model(request: Request, body: ModelChoice, editor: ModelEditorDep) -> None:
    path = _directory(request) / body.model_file
    if not path.is_file():
        raise ConsoleProblem(404, "no_model", f"no archive {body.model_file!r} in the models")
    try:
        await reload_model(service_of(request), path)
    except ModelError as error:
        raise ConsoleProblem(400, "bad_model", str(error)) from None
    await audit_trail.model_activated(request.app, editor.login, body.model_file, "console")
