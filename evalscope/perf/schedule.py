"""Arrival schedules: they only decide *when* each request is due; the client only sends.

``arrival_offsets(n, rate, burstiness, seed)`` returns the due time of each request in seconds
after the start of a run. Inter-arrival gaps are Gamma distributed with shape ``burstiness`` and
mean ``1 / rate`` (vLLM's definition): ``burstiness=1`` is a Poisson process (exponential gaps),
smaller values are burstier, larger ones more regular, ``inf`` is a constant rate. The first
request is due at 0. A closed loop (``rate <= 0``) has no schedule (``None``): each of the
``parallel`` workers sends its next request as soon as its previous one ends.
"""

from __future__ import annotations

import math
import random
from typing import Optional


def arrival_offsets(n: int, rate: float, burstiness: float = 1.0, seed: Optional[int] = 0) -> Optional[list[float]]:
    if rate <= 0 or math.isinf(rate):
        return None
    if burstiness <= 0:
        raise ValueError("burstiness must be > 0")
    rng = random.Random(seed)
    mean_gap = 1.0 / rate
    offsets = [0.0]
    t = 0.0
    for _ in range(n - 1):
        if math.isinf(burstiness):
            gap = mean_gap
        else:
            gap = rng.gammavariate(burstiness, mean_gap / burstiness)
        t += gap
        offsets.append(t)
    return offsets[:n]
