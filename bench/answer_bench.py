"""`answer()` on the default article: cold start (fresh process: import, load, first answer) and
warm latency per question."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.timing import percentiles_ms, time_calls
from index import ensure_default_index
from ui.app import EXAMPLES

COLD = "from qa import answer; answer('Who is Ukraine\\'s foreign minister?')"


def main() -> None:
    ensure_default_index()  # the index exists, as after the first `make run`
    colds = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD], check=True)
        colds.append(time.perf_counter() - t)
    print(f"cold start (new process, import + load + first answer): median {sorted(colds)[1]:.2f} s over 3 runs")

    from qa import answer

    answer(EXAMPLES[0])
    samples = []
    for q in EXAMPLES:
        samples += time_calls(lambda q=q: answer(q), 10)
    p50, p95 = percentiles_ms(samples)
    print(f"warm answer() on the default article: p50 {p50:.0f} ms, p95 {p95:.0f} ms ({len(samples)} calls, {len(EXAMPLES)} questions)")


if __name__ == "__main__":
    main()
