"""What a player sees of a conversation: their messages, the bot's and the agent's."""

from __future__ import annotations

from bot.dialogue.events import BotUttered, UserUttered
from bot.dialogue.handover_events import HandoverAssigned, LiveAgentUttered
from bot.dialogue.transcript import transcript


def test_the_agents_messages_are_in_the_history_in_order() -> None:
    events = [
        UserUttered("canlı destek istiyorum", timestamp=1.0),
        BotUttered("Sizi bir temsilciye aktarıyorum.", {"buttons": []}, timestamp=2.0),
        HandoverAssigned("ayse", timestamp=3.0),
        LiveAgentUttered("ayse", "Merhaba, ben Ayşe. Nasıl yardımcı olabilirim?", timestamp=4.0),
        UserUttered("cekimim gelmedi", timestamp=5.0),
    ]
    assert transcript(events) == [
        {"sender": "user", "text": "canlı destek istiyorum", "timestamp": 1.0},
        {"sender": "bot", "text": "Sizi bir temsilciye aktarıyorum.", "timestamp": 2.0},
        {
            "sender": "agent",
            "agent_id": "ayse",
            "text": "Merhaba, ben Ayşe. Nasıl yardımcı olabilirim?",
            "timestamp": 4.0,
        },
        {"sender": "user", "text": "cekimim gelmedi", "timestamp": 5.0},
    ]
