"""Keep the long-lived heap out of Python's full garbage collections.

A loaded model and the server around it are a few hundred thousand objects that live as
long as the process. Every full collection walked all of them (about 0.1 s on the event
loop, every few seconds under load), which showed as latency spikes on every socket.
Once the server is up they are frozen (``gc.freeze``), so full collections walk only
what was made since; they are thawed when the server stops or another model replaces
this one, so an unloaded model can still be collected.
"""

from __future__ import annotations

import gc

__all__ = ["settle", "thaw"]


def settle() -> None:
    """Collect once, then keep everything alive now out of later collections."""
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """Give the frozen objects back to the collector (a server stopping, a model going)."""
    gc.unfreeze()
