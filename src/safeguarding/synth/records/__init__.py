"""Builders of the force's records: each writes one record (and its record_persons rows) to the batch."""

from __future__ import annotations

import random


def officer(rng: random.Random) -> str:
    """A constable's collar number (a pool of about 1,500, as in a county force)."""
    return f"PC{rng.randrange(1000, 2500)}"


def supervisor(rng: random.Random) -> str:
    """A sergeant or inspector who ratifies, reviews and shares."""
    return rng.choice(("PS", "PS", "PS", "INSP")) + str(rng.randrange(100, 260))
