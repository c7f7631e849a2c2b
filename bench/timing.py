"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def percentiles_ms(samples_s: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds of durations given in seconds."""
    ms = sorted(s * 1000 for s in samples_s)
    p95 = statistics.quantiles(ms, n=20)[18] if len(ms) > 1 else ms[0]
    return statistics.median(ms), p95


def time_calls(fn: Callable[[], object], repeat: int) -> list[float]:
    """Durations in seconds of `repeat` calls of fn."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out
