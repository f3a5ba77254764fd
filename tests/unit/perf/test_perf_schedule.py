import math
import statistics

import pytest

from evalscope.perf.schedule import arrival_offsets


def gaps(offsets):
    return [b - a for a, b in zip(offsets, offsets[1:])]


def test_closed_loop_has_no_schedule():
    assert arrival_offsets(10, -1) is None
    assert arrival_offsets(10, 0) is None
    assert arrival_offsets(10, math.inf) is None


def test_poisson_rate_and_cv():
    off = arrival_offsets(20000, rate=50.0, burstiness=1.0, seed=1)
    assert len(off) == 20000 and off[0] == 0.0 and off == sorted(off)
    g = gaps(off)
    mean = statistics.fmean(g)
    assert mean == pytest.approx(1 / 50, rel=0.03)
    assert statistics.pstdev(g) / mean == pytest.approx(1.0, rel=0.05)  # exponential: CV 1


def test_burstiness_changes_cv_not_mean():
    bursty = gaps(arrival_offsets(20000, 10.0, burstiness=0.25, seed=2))
    regular = gaps(arrival_offsets(20000, 10.0, burstiness=16, seed=2))
    for g in (bursty, regular):
        assert statistics.fmean(g) == pytest.approx(0.1, rel=0.06)
    assert statistics.pstdev(bursty) / 0.1 == pytest.approx(2.0, rel=0.1)  # CV = 1/sqrt(shape)
    assert statistics.pstdev(regular) / 0.1 == pytest.approx(0.25, rel=0.1)


def test_constant_rate_and_seed():
    assert gaps(arrival_offsets(5, 4.0, burstiness=math.inf)) == [0.25] * 4
    assert arrival_offsets(50, 3.0, seed=7) == arrival_offsets(50, 3.0, seed=7)
    assert arrival_offsets(50, 3.0, seed=7) != arrival_offsets(50, 3.0, seed=8)
    with pytest.raises(ValueError):
        arrival_offsets(5, 1.0, burstiness=0)
