"""What the player answers after a handover: the rating, a comment on it, and whether
the problem is solved when the bot follows up later.

:func:`closing_step` decides, from the conversation's state before the message and the
message as read, whether the message answers one of these questions; None means it
does not, and the bot handles it as any other message.

- After the rating question (``csat_asked``): a digit 1-5 or a rating button. The bot
  then asks for an optional comment (``utter_ask_csat_comment``; after a 1 or 2
  ``utter_ask_csat_comment_low``, "what went wrong", where declared), or, in a project
  that declares no comment question, just thanks (``utter_csat_thanks``).
- After the comment question (``csat_comment_asked``): "Geç" (``/csat_skip``), "yok",
  "hayır" skip it ("Geç" pressed later is ignored); a message the NLU reads as a new
  request (an intent other than those a comment looks like: unsure, complaint,
  thanks...) is answered as usual and not kept as a comment, since after rating players
  often just ask the next thing; anything else is the comment (``csat_comment``),
  thanked with ``utter_csat_comment_thanks`` or ``utter_csat_thanks``.
- After the follow-up (``follow_up_asked``): yes (``/follow_up{"solved": true}``,
  "evet", "çözüldü") is thanked (``utter_follow_up_thanks``); no (``"solved": false``,
  "hayır", "çözülmedi") hands the player to the queue again with reason ``follow_up``
  (``utter_follow_up_handover`` first).

Responses are said only where the domain declares them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.dialogue.conversation_state import DialogueState
from bot.dialogue.events import Event, UserUttered
from bot.dialogue.handover_events import (
    CsatCommentAsked,
    CsatCommented,
    CsatRated,
    FollowUpAnswered,
)
from bot.dialogue.handover_turns import csat_score

__all__ = [
    "ASK_CSAT_COMMENT",
    "ASK_CSAT_COMMENT_LOW",
    "CSAT_COMMENT_THANKS",
    "CSAT_SKIP_PAYLOAD",
    "CSAT_THANKS",
    "FOLLOW_UP_HANDOVER",
    "FOLLOW_UP_PAYLOAD",
    "FOLLOW_UP_REASON",
    "FOLLOW_UP_THANKS",
    "ClosingStep",
    "closing_step",
    "follow_up_answer",
]

CSAT_THANKS = "utter_csat_thanks"
ASK_CSAT_COMMENT = "utter_ask_csat_comment"
ASK_CSAT_COMMENT_LOW = "utter_ask_csat_comment_low"
CSAT_COMMENT_THANKS = "utter_csat_comment_thanks"
FOLLOW_UP_THANKS = "utter_follow_up_thanks"
FOLLOW_UP_HANDOVER = "utter_follow_up_handover"
CSAT_SKIP_PAYLOAD = "/csat_skip"
FOLLOW_UP_PAYLOAD = "/follow_up"
FOLLOW_UP_REASON = "follow_up"
LOW_SCORE = 2
REQUEST_CONFIDENCE = 0.5
# What a comment reads like to the NLU: not a new request.
COMMENT_INTENTS = frozenset(
    {"nlu_fallback", "complaint", "out_of_scope", "thank", "goodbye", "affirm", "deny"}
)
_FOLD = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_SKIP = {"gec", "yok", "hayir", "yorum yok", "istemiyorum", "skip", "-", CSAT_SKIP_PAYLOAD}
_YES = {"evet", "cozuldu", "evet cozuldu", "tamam", "e", "yes"}
_NO = {"hayir", "cozulmedi", "hayir cozulmedi", "hala cozulmedi", "h", "no"}


@dataclass(frozen=True, slots=True)
class ClosingStep:
    """What the engine does with an answer: record ``events``, then (for ``handover``)
    go to the queue with that reason, say the first declared response of ``say``, and
    record ``then``."""

    events: tuple[Event, ...]
    say: tuple[str, ...] = ()
    then: tuple[Event, ...] = ()
    handover: str | None = None


def closing_step(
    state: DialogueState, user: UserUttered, responses: Sequence[str]
) -> ClosingStep | None:
    """The step for the player's message ``user``, given the state before it and the
    domain's ``responses``; None: not an answer, handle the message as usual."""
    text = user.text or ""
    if state.awaiting_csat:
        score = csat_score(text)
        return None if score is None else _rated(score, responses)
    if state.awaiting_csat_comment:
        return _commented(user)
    if state.awaiting_follow_up:
        solved = follow_up_answer(text)
        if solved is None:
            return None
        if solved:
            return ClosingStep((FollowUpAnswered(True),), (FOLLOW_UP_THANKS,))
        answered = (FollowUpAnswered(False),)
        return ClosingStep(answered, (FOLLOW_UP_HANDOVER,), handover=FOLLOW_UP_REASON)
    if text.strip() == CSAT_SKIP_PAYLOAD:
        return ClosingStep(())  # "Geç" pressed late: nothing to skip, nothing to say
    return None


def _rated(score: int, responses: Sequence[str]) -> ClosingStep:
    asks = (ASK_CSAT_COMMENT_LOW, ASK_CSAT_COMMENT) if score <= LOW_SCORE else (ASK_CSAT_COMMENT,)
    if any(name in responses for name in asks):
        return ClosingStep((CsatRated(score=score),), asks, (CsatCommentAsked(),))
    return ClosingStep((CsatRated(score=score),), (CSAT_THANKS,))


def _commented(user: UserUttered) -> ClosingStep | None:
    text = (user.text or "").strip()
    if not text or _folded(text) in _SKIP:
        return ClosingStep((), (CSAT_THANKS,))
    if _is_request(user):
        return None
    return ClosingStep((CsatCommented(text),), (CSAT_COMMENT_THANKS, CSAT_THANKS))


def _is_request(user: UserUttered) -> bool:
    """Whether the NLU read the message as something to answer (or it is a button of
    another question) rather than a remark on the help the player got."""
    if (user.text or "").startswith("/"):
        return True
    intent = user.parse_data.get("intent") or {}
    confidence = intent.get("confidence") or 0.0
    name = intent.get("name")
    return bool(name) and name not in COMMENT_INTENTS and confidence >= REQUEST_CONFIDENCE


def follow_up_answer(text: str | None) -> bool | None:
    """True (solved), False (not solved) or None (not an answer to the follow-up)."""
    text = (text or "").strip()
    if text.startswith(FOLLOW_UP_PAYLOAD + "{"):
        try:
            solved = json.loads(text[len(FOLLOW_UP_PAYLOAD) :]).get("solved")
        except (ValueError, AttributeError):
            return None
        return solved if isinstance(solved, bool) else None
    folded = _folded(text)
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    return None


def _folded(text: str) -> str:
    text = text.replace("I", "ı").replace("İ", "i").lower().translate(_FOLD)
    return " ".join(re.sub(r"[^\w/-]+", " ", text).split())
