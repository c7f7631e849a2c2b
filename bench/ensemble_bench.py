"""What averaging readers' logits would give: the shipped reader alone against the mean of its start
and end logits and those of the readers in DIR..., all int8 as `answer()` runs them, each calibrated
on dev as `docqa reader calibrate` does (uncapped, and capped to refuse no more answerable questions
than the shipped reader), with the reading time per dev question. A teacher for a GPU run, not a
shipped mode: two readers would put the tracked tree over the device call's limit
(docs/gpu-training.md).

Usage: python -m bench.ensemble_bench DIR [DIR ...]   (e.g. the model card's runs/s11/any/final)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from bench.timing import machine
from qa.reader import OnnxSpans, Reader
from qa.training.calibrate import calibrate
from qa.training.evaluate import read_all
from qa.training.squad import load_part, require_data_dir


class MeanSpans:
    """Span models of one tokenizer whose start and end logits are averaged."""

    def __init__(self, models: list[OnnxSpans]):
        self.models = models

    def __call__(self, ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        outs = [m(ids, types, mask) for m in self.models]
        return np.mean([o[0] for o in outs], axis=0), np.mean([o[1] for o in outs], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", type=Path, nargs="+", help="readers to average with the shipped one")
    args = parser.parse_args()
    print(machine())
    examples = load_part("dev", require_data_dir())
    shipped = Reader.load()
    cap = shipped.calibration.refused
    mean = MeanSpans([shipped.spans, *(OnnxSpans(d, int8=True) for d in args.dirs)])
    for label, spans in (("shipped reader", shipped.spans), (f"mean with {len(args.dirs)} more", mean)):
        reader = Reader(spans, shipped.tokenizer, shipped.calibration)
        start = time.perf_counter()
        readings, _ = read_all(reader, examples, threshold=0)
        ms = 1000 * (time.perf_counter() - start) / len(examples)
        for name, cap_at in (("uncapped", None), (f"capped {cap:.2f}%", cap)):
            fit = calibrate(examples, readings, max_refused=cap_at)
            print(
                f"{label:22s} {name:15s} weighted dev F1 {fit.weighted_f1:.2f}, plain {fit.f1:.2f}, "
                f"refused {fit.refused_count} of {fit.answerable}; {ms:.1f} ms/question"
            )


if __name__ == "__main__":
    main()
