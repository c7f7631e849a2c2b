"""`answer()` on the default article: the very first start (the models exported to ONNX), cold start
(fresh process: import, load, first answer) and warm latency per question."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.timing import machine, percentiles_ms, time_calls
from index import ensure_default_index
from ui.app import EXAMPLES

QUESTION = "Who is Ukraine's foreign minister?"


def _first_answer(index_dir: Path | None = None) -> str:
    """Python code that imports qa and answers QUESTION once."""
    where = f", index={str(index_dir)!r}" if index_dir else ""
    return f"from qa import answer; answer({QUESTION!r}{where})"


def main() -> None:
    print(f"machine: {machine()}")
    index_dir = ensure_default_index()  # the index exists, as after the first `make run`
    with tempfile.TemporaryDirectory() as home:  # no ONNX exports yet, as on a new install
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", _first_answer(index_dir)], check=True, env={**os.environ, "DOCQA_HOME": home})
        print(f"first start after install (exports the models to ONNX once): {time.perf_counter() - t:.2f} s")
    colds = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", _first_answer()], check=True)
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
