"""Natural-language understanding: normalisation, features, intents and entities."""

from __future__ import annotations
