"""Print the dev figures of each finished reader run under a folder and name the best in FOLDER/best.

The last line of a finished run's metrics.jsonl holds its dev figures (fp32, as the run measured
them): F1 with the answerable questions weighted 4 to 1 at the threshold that maximises it within
the run's refusal cap (what `answer()` is tuned for, and what picks the best), plain F1 there, and
the share of answerable dev questions refused. FOLDER/ranking lists the finished runs best first.
Usage: python scripts/best_run.py RUNS_FOLDER
"""

import json
import sys
from pathlib import Path

runs = Path(sys.argv[1])
finished = {}
for metrics in sorted(runs.glob("*/metrics.jsonl")):
    lines = metrics.read_text().splitlines()
    last = json.loads(lines[-1]) if lines else {}  # a run stopped before its first line has none
    if "dev_weighted_f1" in last and (metrics.parent / "final" / "model.safetensors").exists():
        finished[metrics.parent.name] = last
if not finished:
    sys.exit("no run finished")
ranking = sorted(finished, key=lambda name: -finished[name]["dev_weighted_f1"])
print("run: dev weighted F1 / F1 / answerable refused (cap), threshold, steps in seconds (fp32)")
for name in ranking:
    m = finished[name]
    cap = m["calibration"].get("max_refused")
    print(
        f"{name}: {m['dev_weighted_f1']:.2f} / {m['dev_f1']:.2f} / {m['dev_refused']:.1f}% "
        f"({'none' if cap is None else f'{cap:.1f}%'}), "
        f"threshold {m['calibration']['threshold']:.3f}, {m['step']} steps in {m['elapsed']:.0f} s"
    )
(runs / "best").write_text(ranking[0] + "\n")
(runs / "ranking").write_text("\n".join(ranking) + "\n")
print(f"best: {ranking[0]}")
