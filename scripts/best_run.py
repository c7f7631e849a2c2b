"""Print a dev figure of each finished run under a folder and name the best in FOLDER/best.

The last line of a finished run's metrics.jsonl holds its dev figure: `dev_f1` for a reader (F1 at
the fitted threshold), `dev_r1` for a reranker (share of dev questions whose answer's passage
outscores the retriever's other top passages).
Usage: python scripts/best_run.py RUNS_FOLDER [KEY]
"""

import json
import sys
from pathlib import Path

runs = Path(sys.argv[1])
key = sys.argv[2] if len(sys.argv) > 2 else "dev_f1"
scores = {}
for metrics in sorted(runs.glob("*/metrics.jsonl")):
    lines = metrics.read_text().splitlines()
    last = json.loads(lines[-1]) if lines else {}  # a run stopped before its first line has none
    if key in last and (metrics.parent / "final" / "model.safetensors").exists():
        scores[metrics.parent.name] = last[key]
        threshold = f", threshold {last['calibration']['threshold']:.3f}" if "calibration" in last else ""
        print(f"{metrics.parent.name}: {key} {last[key]:.4f} (fp32){threshold}")
if not scores:
    sys.exit("no run finished")
best = max(scores, key=scores.get)
(runs / "best").write_text(best + "\n")
print(f"best: {best}")
