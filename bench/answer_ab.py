"""Warm `answer()` latency of this checkout against another one (an older release), in one window.

This machine's speed drifts by a third within minutes, so two runs of `bench.answer_bench` an hour
apart compare the hours more than the code. Here each checkout answers in its own process, and the
two take turns: a round is every example question once, and the rounds alternate, so drift falls
on both alike.

Usage: git worktree add /tmp/old REV && python -m bench.answer_ab /tmp/old [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench.timing import machine
from ui.app import EXAMPLES

# Runs inside a checkout (its folder first on sys.path): answers each line of questions it is sent
# (a JSON list) and replies with the seconds each answer took.
WORKER = """
import json, sys, time
from qa import answer
for line in sys.stdin:
    out = []
    for q in json.loads(line):
        t = time.perf_counter()
        answer(q)
        out.append(time.perf_counter() - t)
    print(json.dumps(out), flush=True)
"""


class Worker:
    """One checkout's `answer()` in a process of its own, answering rounds of questions on demand."""

    def __init__(self, checkout: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def round(self, questions: list[str]) -> list[float]:
        self.process.stdin.write(json.dumps(questions) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the other checkout (e.g. a git worktree of an older commit)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds per checkout (each: every example question once)")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    this, other = "this checkout", f"other ({args.other})"
    workers = {this: Worker(here), other: Worker(args.other.resolve())}
    try:
        for worker in workers.values():
            worker.round(EXAMPLES)  # load models and index, answer once: what follows is warm
        samples: dict[str, list[float]] = {name: [] for name in workers}
        ratios = []
        for r in range(args.rounds):
            names = list(workers) if r % 2 == 0 else list(reversed(workers))  # who goes first alternates
            medians = {}
            for name in names:
                took = workers[name].round(EXAMPLES)
                samples[name] += took
                medians[name] = statistics.median(took)
            ratios.append(medians[this] / medians[other])
    finally:
        for worker in workers.values():
            worker.close()
    print(f"machine: {machine()}")
    print(f"warm answer() on the default article, {args.rounds} alternating rounds of {len(EXAMPLES)} questions each:")
    for name, took in samples.items():
        ms = sorted(t * 1000 for t in took)
        print(f"  {name:30s} p50 {statistics.median(ms):5.1f} ms  p95 {statistics.quantiles(ms, n=20)[18]:5.1f} ms")
    print(f"  this / other, median over rounds of the ratio of round medians: {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
