"""Load check of the web app: 20 concurrent gradio_client users asking for a minute on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.timing import machine, percentiles_ms
from ui.app import EXAMPLES
from ui.replicas import free_port, wait_until_up

USERS = 20
DURATION_S = 60


def main() -> None:
    from gradio_client import Client

    print(f"machine: {machine()}")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(
        [sys.executable, "-m", "ui", "serve", "--port", str(port)], cwd=Path(__file__).resolve().parents[1], env=os.environ.copy()
    )
    try:
        wait_until_up(url, [server])
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.time() + DURATION_S

        def user(n: int) -> None:
            client = Client(url, verbose=False)
            i = n
            while time.time() < stop:
                q = EXAMPLES[i % len(EXAMPLES)]
                t = time.perf_counter()
                try:
                    client.predict(q, api_name="/ask")
                    with lock:
                        latencies.append(time.perf_counter() - t)
                except Exception as err:  # counted and reported, the run goes on
                    with lock:
                        errors.append(repr(err)[:200])
                i += 1

        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        p50, p95 = percentiles_ms(latencies)
        print(
            f"web app, {USERS} concurrent clients for {DURATION_S} s on loopback: {len(latencies)} answers "
            f"({len(latencies) / DURATION_S:.1f}/s), p50 {p50:.0f} ms, p95 {p95:.0f} ms, errors {len(errors)}"
        )
        for e in errors[:3]:
            print("  error:", e)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
