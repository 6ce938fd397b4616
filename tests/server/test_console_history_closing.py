"""The console's history shows what the player said after the close: the rating, its
comment, and the answer to the follow-up."""

from __future__ import annotations

from bot.dialogue.events import UserUttered
from bot.dialogue.handover_events import CsatCommented, CsatRated, FollowUpAnswered
from bot.server.console.history import history_items


def test_the_rating_its_comment_and_the_follow_up_answer_are_lines() -> None:
    raw = [
        UserUttered('/csat{"score": 2}', timestamp=10.0).as_dict(),  # the button: not a line
        CsatRated(2, timestamp=10.0).as_dict(),
        UserUttered("çok bekledim", timestamp=11.0).as_dict(),
        CsatCommented("çok bekledim", timestamp=11.0).as_dict(),
        FollowUpAnswered(False, timestamp=12.0).as_dict(),
    ]
    items = history_items(raw)
    assert [(i.kind, i.score, i.text, i.reason) for i in items] == [
        ("csat", 2, None, None),
        ("player", None, "çok bekledim", None),
        ("csat_comment", None, "çok bekledim", None),
        ("follow_up", None, None, "not_solved"),
    ]
