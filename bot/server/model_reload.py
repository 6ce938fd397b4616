"""Replacing the served model while the server runs.

Two ways, both without dropping a message: Rasa's ``PUT /model`` (also ``POST /model``)
with ``{"model_file": "models/new.tar.gz"}``, and a new archive appearing in the models
directory the server was started with (each worker watches it, so a retrain reaches every
worker). The new model is loaded and warmed up beside the old one; turns already running
finish on the old model.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ModelError
from bot.model_storage import TrainedModel, load_model, resolve_model
from bot.server import audit_trail, heap
from bot.server.runtime import ConversationService, service_of
from bot.store.audit import ACTOR_API, ACTOR_SYSTEM, MODEL_ACTIVATED, AuditLog

__all__ = ["ModelWatcher", "reload_model", "router"]

log = logging.getLogger(__name__)
router = APIRouter()


class ModelRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_file: str = Field(
        min_length=1,
        max_length=4096,
        pattern=r"^[^\x00]+$",  # a NUL is no path: refused, never an error from the OS
        description="path of a trained model archive",
    )


async def reload_model(service: ConversationService, path: Path) -> TrainedModel:
    """Load ``path`` off the event loop and serve it.

    Raises:
        ModelError: the file is missing or is not a model this Destek reads.
    """
    model = await anyio.to_thread.run_sync(load_model, path)
    await service.load(model)
    heap.thaw()  # the model served until now may be collected
    heap.settle()
    return model


@router.put("/model", status_code=204)
@router.post("/model", status_code=204)
async def replace_model(request: Request) -> Response:
    try:
        body = ModelRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    path = Path(body.model_file)
    served_from = _models_directory(request.app.state.settings.model)
    if not path.resolve().is_relative_to(served_from):
        # A model archive is a pickle: loading one runs code, so only archives where the
        # server's own models are kept may be loaded over HTTP.
        raise HTTPException(403, f"model_file must be inside {served_from}")
    try:
        await reload_model(service_of(request), path)
    except ModelError as exc:
        raise HTTPException(400, str(exc)) from exc
    await audit_trail.model_activated(request.app, ACTOR_API, path.name, "api")
    return Response(status_code=204)


def _models_directory(model: Path) -> Path:
    """Where the served models are kept: the ``-m`` directory, or the archive's own."""
    return (model if model.is_dir() else model.parent).resolve()


class ModelWatcher:
    """Serves the newest archive of a models directory as soon as it appears.

    An archive that fails to load is logged once and skipped until it changes; one that
    is served is recorded in ``audit`` (if given) as the system's activation.
    """

    def __init__(
        self,
        service: ConversationService,
        directory: Path,
        interval: float,
        audit: AuditLog | None = None,
    ) -> None:
        self.service = service
        self.audit = audit
        self.directory = directory
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._failed: tuple[Path, float] | None = None

    def start(self, current: Path | None) -> None:
        self._seen = _stamp(current)
        self._task = asyncio.create_task(self._watch(), name="model-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # the watcher must outlive any one bad archive
                log.exception("model watcher: checking %s failed", self.directory)

    async def check(self) -> bool:
        """Load the newest archive if it is new; whether a model was loaded."""
        try:
            newest = resolve_model(self.directory)
        except ModelError:
            return False  # no archive (yet)
        stamp = _stamp(newest)
        if stamp == self._seen or stamp == self._failed:
            return False
        try:
            await reload_model(self.service, newest)
        except ModelError as exc:
            self._failed = stamp
            log.error("model watcher: %s", exc)
            return False
        self._seen = stamp
        log.info("model watcher: now serving %s", newest.name)
        if self.audit is not None:
            details = {"via": "watcher"}
            await self.audit.record(ACTOR_SYSTEM, MODEL_ACTIVATED, newest.name[-255:], details)
        return True


def _stamp(path: Path | None) -> tuple[Path, float] | None:
    if path is None:
        return None
    try:
        return (path.resolve(), path.stat().st_mtime)
    except OSError:
        return None
