"""TurnReplies: what the humans' side says during a player's turn goes with that turn."""

from __future__ import annotations

import asyncio

import pytest

from bot.live_agents import TurnReplies


def test_only_the_turns_own_conversation_is_collected() -> None:
    with TurnReplies.collect("p1") as replies:
        assert TurnReplies.take("p1", [{"text": "Sıranız: 1"}])
        assert not TurnReplies.take("p2", [{"text": "Temsilci katıldı."}])
    assert replies.messages == [{"text": "Sıranız: 1"}]
    assert not TurnReplies.take("p1", [{"text": "sonra"}])  # outside any turn: delivered


@pytest.mark.anyio
async def test_a_task_started_during_the_turn_that_speaks_later_delivers_itself() -> None:
    spoke = asyncio.Event()
    taken: list[bool] = []

    async def later() -> None:
        await spoke.wait()
        taken.append(TurnReplies.take("p1", [{"text": "geç gelen"}]))

    with TurnReplies.collect("p1") as replies:
        task = asyncio.create_task(later())  # copies the context, collection included
    spoke.set()
    await task
    assert taken == [False] and replies.messages == []
