"""Capacity of a docqa server, measured the way services are: open-loop request rates through the JSON
API (`POST /api/v1/answer`) on loopback, each rate held for a fixed time, requests sent on schedule
whether or not earlier ones have returned, latency counted from when each was due (so a slow server
cannot slow the load down and hide its own queue). Prints p50 / p95 / errors / wrong answers per rate
and the highest rate held at p95 <= 1 s; then the target rate, 20/s, again while another user
rebuilds an index of 1 MB of text through the page's API, to show that answers stay right and on time.

The load generator shares the machine's cores with the server, as on any one-machine test.
Usage: python -m bench.capacity_bench [--rates 5 10 20 25 30 40] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.timing import machine, percentiles_ms
from ui.app import EXAMPLES
from ui.replicas import free_port, wait_until_up

MAX_IN_FLIGHT = 256  # requests the client keeps open at once; past it a request counts as an error
P95_TARGET_MS = 1000
TARGET_RATE = 20  # answers per second the server should hold at p95 <= 1 s, on this 2-core machine


def _ask(port: int, question: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/api/v1/answer", json.dumps({"question": question}), {"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return json.loads(body)["text"]
    finally:
        connection.close()


def run_rate(port: int, rate: float, seconds: float, expected: dict[str, str]) -> dict:
    """Send `rate` requests per second for `seconds`; return latencies (ms) and error counts."""
    latencies: list[float] = []
    errors = wrong = 0
    lock = threading.Lock()
    in_flight = threading.Semaphore(MAX_IN_FLIGHT)

    def one(due: float, question: str) -> None:
        nonlocal errors, wrong
        try:
            text = _ask(port, question)
            with lock:
                latencies.append((time.perf_counter() - due) * 1000)
                wrong += text != expected[question]
        except Exception:  # counted, the run goes on
            with lock:
                errors += 1
        finally:
            in_flight.release()

    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    with ThreadPoolExecutor(max_workers=MAX_IN_FLIGHT) as pool:
        for i in range(total):
            due = start + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            if not in_flight.acquire(blocking=False):
                with lock:
                    errors += 1
                continue
            pool.submit(one, due, EXAMPLES[i % len(EXAMPLES)])
    p50, p95 = percentiles_ms([ms / 1000 for ms in latencies]) if latencies else (float("nan"), float("nan"))
    return {"rate": rate, "sent": total, "answered": len(latencies), "p50": p50, "p95": p95, "errors": errors, "wrong": wrong}


def _row(r: dict, label: str = "") -> str:
    return (
        f"  {r['rate']:5.0f}/s  sent {r['sent']:5d}  answered {r['answered']:5d}  p50 {r['p50']:7.0f} ms  p95 {r['p95']:7.0f} ms"
        f"  errors {r['errors']:3d}  wrong {r['wrong']:3d}{label}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[5, 10, 20, 25, 30, 40])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    port = free_port()
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--port", str(port)], cwd=root, env=os.environ.copy())
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", [server])
        expected = {q: _ask(port, q) for q in EXAMPLES}  # what each question gets when the server is idle
        print(f"open loop, POST /api/v1/answer, {args.seconds:.0f} s per rate, the {len(EXAMPLES)} example questions in turn:")
        results = []
        for rate in args.rates:
            results.append(run_rate(port, rate, args.seconds, expected))
            print(_row(results[-1]), flush=True)
        held = [r["rate"] for r in results if r["p95"] <= P95_TARGET_MS and not r["errors"] and not r["wrong"]]
        best = max(held, default=0)
        print(f"highest rate held at p95 <= {P95_TARGET_MS} ms, no errors, no wrong answers: {best:.0f}/s")
        print(_row(_during_rebuild(port, TARGET_RATE, args.seconds, expected), "  (while another user rebuilds from 1 MB of text)"))
    finally:
        server.terminate()
        server.wait(timeout=30)


def _during_rebuild(port: int, rate: float, seconds: float, expected: dict[str, str]) -> dict:
    """The load at `rate` while a page user rebuilds their session's index from 1 MB of text."""
    from gradio_client import Client

    from index.build import DEFAULT_DOCUMENT

    article = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    text = "\n\n".join([article] * (2**20 // len(article.encode("utf-8"))))
    builder = threading.Thread(target=lambda: Client(f"http://127.0.0.1:{port}/", verbose=False).predict(text, None, api_name="/rebuild"))
    builder.start()
    time.sleep(2)  # the build is under way
    result = run_rate(port, rate, seconds, expected)
    builder.join()
    return result


if __name__ == "__main__":
    main()
