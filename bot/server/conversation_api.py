"""Rasa's conversation API: a conversation's tracker, and an intent triggered from outside.

``GET /conversations/{id}/tracker`` gives Rasa's tracker JSON (an empty conversation for
an unknown id, as Rasa). ``POST /conversations/{id}/trigger_intent`` with ``{"name",
"entities"}`` runs the bot as if the player had sent that intent (a site's "deposit
failed" event, a reminder) and answers ``{"tracker", "messages"}``; the messages are
also what the player's channel would show.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.channels import UserMessage
from bot.server.runtime import NO_DIALOGUE, service_of

__all__ = ["router"]

router = APIRouter()


class TriggeredIntent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=128, pattern=r"^[^{}/\s]+$")
    entities: dict[str, Any] | None = None


@router.get("/conversations/{conversation_id}/tracker")
async def tracker(conversation_id: str, request: Request) -> dict[str, Any]:
    """A conversation in Rasa's tracker JSON (an empty one for an unknown id, as Rasa)."""
    async with service_of(request).runtime.use() as runtime:
        if runtime.engine is None:
            raise HTTPException(503, NO_DIALOGUE)
        return (await runtime.engine.tracker(conversation_id)).as_dict()


@router.post("/conversations/{conversation_id}/trigger_intent")
async def trigger_intent(conversation_id: str, request: Request) -> dict[str, Any]:
    try:
        body = TriggeredIntent.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    async with service_of(request).runtime.use() as runtime:
        engine = runtime.engine
        if engine is None:
            raise HTTPException(503, NO_DIALOGUE)
        if body.name not in engine.domain.intent_names:
            raise HTTPException(404, f"the intent {body.name!r} is not in the domain")
        # The intent as a payload, which skips NLU and carries the entities.
        payload = (
            f"/{body.name}{json.dumps(body.entities, ensure_ascii=False)}"
            if (body.entities)
            else f"/{body.name}"
        )
        messages = await engine.handle(UserMessage(payload, conversation_id, "rest"))
        return {
            "tracker": (await engine.tracker(conversation_id)).as_dict(),
            "messages": messages,
        }
