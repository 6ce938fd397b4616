"""The Rasa-compatible HTTP API: ``/model/parse``, ``/health``, ``/version``, ``/status``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import __version__
from bot.nlu.pipeline import parse_result
from bot.server.health import HealthChecks

__all__ = ["public_router", "router"]

# The Rasa HTTP API: served only with --enable-api, as in Rasa.
router = APIRouter()
# Liveness and version: always served.
public_router = APIRouter()

MINIMUM_COMPATIBLE_VERSION = "0.1.0"


class ParseRequest(BaseModel):
    """Rasa's ``POST /model/parse`` body; unknown keys are ignored as Rasa does."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="the user message to parse")
    message_id: str | None = None


@router.post("/model/parse")
async def parse(request: Request) -> dict[str, Any]:
    # Read JSON whatever the Content-Type says, as Rasa does: `curl -d '{...}'` sends
    # a form content type with a JSON body.
    try:
        body = ParseRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    message = await request.app.state.conversations.parse(body.text)
    result = parse_result(message)
    if body.message_id is not None:
        result["message_id"] = body.message_id
    return result


@public_router.get("/health")
async def health(request: Request) -> JSONResponse:
    """``ok`` when the model is loaded and every dependency answers; ``degraded`` (still
    200: the bot answers, with apologies where a dependency is missing) when one is
    down; 503 when nothing could be stored or no model is loaded."""
    service = getattr(request.app.state, "conversations", None)
    loaded = service is not None and service.loaded
    checks = getattr(request.app.state, "health_checks", None)
    if checks is None:
        checks = request.app.state.health_checks = HealthChecks()
    found = {} if service is None else await checks.states(service, _backend_url(request))
    down = [name for name, state in found.items() if state != "ok"]
    serving = loaded and "tracker_store" not in down
    body = {
        "status": "ok" if serving and not down else "degraded" if serving else "down",
        "model_loaded": loaded,
        "dependencies": found,
    }
    return JSONResponse(body, status_code=200 if serving else 503)


def _backend_url(request: Request) -> str | None:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "backend_url", None)


@public_router.get("/version")
async def version() -> dict[str, str]:
    return {"version": __version__, "minimum_compatible_version": MINIMUM_COMPATIBLE_VERSION}


@router.get("/status")
async def status(request: Request) -> dict[str, Any]:
    model = request.app.state.conversations.runtime.model
    return {
        "model_file": model.name,
        "model_id": model.metadata.get("model_id", model.name),
        "num_active_training_jobs": 0,
    }
