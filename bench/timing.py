"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

VECTOR_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8")


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


def machine() -> str:
    """The CPU the figures come from, e.g. "AMD EPYC, 2 cores, avx2": timings move with the machine."""
    model, flags = platform.processor() or platform.machine(), set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    vector = " ".join(f for f in VECTOR_FLAGS if f in flags) or "no AVX2"
    return f"{model}, {os.cpu_count()} cores, {vector}"
