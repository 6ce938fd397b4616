"""Player-style texts that never repeat, so no cache of any kind can answer them."""

from __future__ import annotations

import random
from collections.abc import Sequence

__all__ = ["unique_texts"]

_PREFIXES = [
    "",
    "",
    "",
    "merhaba ",
    "abi ",
    "slm ",
    "acil ",
    "pardon ",
    "hocam ",
    "selam, ",
    "kanka ",
    "iyi günler, ",
]
_SUFFIXES = [
    "",
    "",
    "",
    " lütfen",
    " acil",
    " ya",
    " knk",
    "?",
    "!!",
    " 🙏",
    " yardımcı olur musunuz",
    " bakar mısınız",
    " hemen",
    " abi",
]


def unique_texts(bases: Sequence[str], count: int, seed: int = 7) -> list[str]:
    """``count`` distinct texts: each a base utterance with a casual prefix and suffix."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    limit = len(bases) * len(_PREFIXES) * len(_SUFFIXES)
    if count > limit:
        raise ValueError(f"only {limit} distinct texts can be made from {len(bases)} bases")
    while len(out) < count:
        text = rng.choice(_PREFIXES) + rng.choice(bases) + rng.choice(_SUFFIXES)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
