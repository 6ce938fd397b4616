"""The Rasa-compatible HTTP API: ``/model/parse``, ``/health``, ``/version``, ``/status``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot import __version__
from bot.nlu.pipeline import parse_result

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
async def health(request: Request) -> dict[str, Any]:
    service = getattr(request.app.state, "conversations", None)
    return {"status": "ok", "model_loaded": service is not None and service.loaded}


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
