"""Offline tools: training, `bot test nlu|core` and their reports, `bot data validate`, the shells.

Nothing that serves players imports this package: the server loads trained models through
:mod:`bot.model_storage` and never the code that made them.
"""

from __future__ import annotations
