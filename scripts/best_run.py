"""Print the dev F1 of each finished run under a folder and name the best in FOLDER/best.

The last line of a finished run's metrics.jsonl holds its dev F1 at the fitted threshold.
Usage: python scripts/best_run.py RUNS_FOLDER
"""

import json
import sys
from pathlib import Path

runs = Path(sys.argv[1])
scores = {}
for metrics in sorted(runs.glob("*/metrics.jsonl")):
    last = json.loads(metrics.read_text().splitlines()[-1])
    if "dev_f1" in last and (metrics.parent / "final" / "model.safetensors").exists():
        scores[metrics.parent.name] = last["dev_f1"]
        print(f"{metrics.parent.name}: dev F1 {last['dev_f1']:.2f} (fp32), threshold {last['calibration']['threshold']:.3f}")
if not scores:
    sys.exit("no run finished")
best = max(scores, key=scores.get)
(runs / "best").write_text(best + "\n")
print(f"best: {best}")
