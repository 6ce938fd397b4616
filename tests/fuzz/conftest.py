"""Property-based fuzzing (marker ``fuzz``, in pyproject.toml; ``-m "not fuzz"`` skips).

Two hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE``: ``ci`` (the default: a few
dozen examples a property, so the whole directory runs in well under a minute) and
``fuzz`` (thousands, for ``make fuzz``). A test states no ``max_examples`` of its own, so
the profile decides; a crash found once is kept as an ``@example`` beside its property.
No example database is written into the tree: a failure prints the blob that replays it
(``@reproduce_failure``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"

settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,  # a shared machine's pauses are not bugs
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=5_000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get(PROFILE_VARIABLE, "ci"))
