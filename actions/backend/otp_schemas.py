"""HTTP bodies of the one-time-code routes (:mod:`actions.backend.otp`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from actions.backend.schemas import Body, Channel

__all__ = [
    "OtpChallenge",
    "OtpChallengeRequest",
    "OtpChallengeVerifyRequest",
    "OtpRequest",
    "OtpSendResult",
    "OtpVerifyRequest",
    "OtpVerifyResult",
]

# Who asks for or checks a code: the conversation. Wrong codes lock out that conversation,
# not the player, so a stranger cannot lock a player out by typing wrong codes.
Requester = Annotated[
    str | None, Field(max_length=256, description="the conversation asking (its sender id)")
]
Identifier = Annotated[str | None, Field(min_length=1, max_length=254)]


class OtpRequest(Body):
    channel: Channel
    requester: Requester = None


class OtpSendResult(BaseModel):
    status: Literal["sent", "locked"]
    channel: Channel
    destination: str = Field(description="masked phone or e-mail")
    expires_at: datetime | None = None
    locked_until: datetime | None = None
    message: str = Field(description="Turkish, for the player")


class OtpVerifyRequest(Body):
    code: str
    requester: Requester = None

    @field_validator("code")
    @classmethod
    def six_digits(cls, value: str) -> str:
        return _six_digits(value)


class OtpVerifyResult(BaseModel):
    status: Literal["verified", "wrong_code", "expired", "locked", "no_code"]
    attempts_left: int | None = None
    locked_until: datetime | None = None
    lockout_started: bool = Field(
        default=False, description="this wrong code started the lockout (later answers: false)"
    )
    player_id: int | None = Field(default=None, description="the player, once verified")
    message: str = Field(description="Turkish, for the player")


class OtpChallengeRequest(Body):
    """A code for whoever ``identifier`` names; the answer is the same if it names nobody.
    Without ``identifier``: a new code for whoever the ``requester`` last asked about."""

    identifier: Identifier = Field(default=None, description="username, e-mail or phone")
    channel: Channel = "sms"
    requester: Requester = None

    @model_validator(mode="after")
    def someone_named(self) -> OtpChallengeRequest:
        _identifier_or_requester(self.identifier, self.requester)
        return self


class OtpChallenge(BaseModel):
    status: Literal["sent", "locked"]
    expires_in: int | None = Field(default=None, description="seconds the code is valid")
    locked_until: datetime | None = None
    message: str = Field(description="Turkish, for the player; never names the account")


class OtpChallengeVerifyRequest(Body):
    """A code for whoever ``identifier`` names or, without it, for the ``requester``'s
    newest challenge: the conversation and the code suffice, so the check never depends on
    an identifier typed turns ago (which the tracker store may keep only masked)."""

    identifier: Identifier = None
    code: str
    requester: Requester = None

    @field_validator("code")
    @classmethod
    def six_digits(cls, value: str) -> str:
        return _six_digits(value)

    @model_validator(mode="after")
    def someone_named(self) -> OtpChallengeVerifyRequest:
        _identifier_or_requester(self.identifier, self.requester)
        return self


def _identifier_or_requester(identifier: str | None, requester: str | None) -> None:
    """Without an identifier the conversation names the challenge; an anonymous caller
    would share one with every other anonymous caller, so it must name an identifier."""
    if identifier is None and not requester:
        raise ValueError("give an identifier, or the requester whose code this is")


def _six_digits(value: str) -> str:
    code = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{6}", code):
        raise ValueError("the code has 6 digits")
    return code
