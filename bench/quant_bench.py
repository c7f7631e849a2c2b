"""What int8 costs the reader on dev: the ONNX Runtime encoder in fp32 against the shipped int8 one.

For each: dev F1 at its own fitted no-answer threshold, weighted as `answer()`'s threshold is chosen
(answerable questions 4 to 1) and plain, F1 on the answerable dev questions when always answering
(span quality alone), and the median reading time per question.
"""

from __future__ import annotations

import statistics

from qa.reader import Reader
from qa.training.calibrate import calibrate
from qa.training.evaluate import read_all
from qa.training.squad import load_part, require_data_dir, score

VARIANTS = {"fp32": False, "int8 (shipped)": True}


def main() -> None:
    dev = load_part("dev", require_data_dir())
    print(f"dev part: {len(dev)} questions, {sum(not ex.is_impossible for ex in dev)} answerable")
    for name, int8 in VARIANTS.items():
        readings, times = read_all(Reader.load(quantize=int8), dev)
        fit = calibrate(dev, readings)
        spans = [score(r.spans[0].text, ex)[1] if r.spans else 0.0 for r, ex in zip(readings, dev, strict=True) if not ex.is_impossible]
        span_f1, p50 = 100 * statistics.mean(spans), statistics.median(times)
        print(
            f"{name}: dev F1 {fit.weighted_f1:.2f} weighted (plain {fit.f1:.2f}, {fit.refused:.1f}% of the answerable refused) "
            f"at its fitted threshold; answerable F1 {span_f1:.2f} always answering; p50 {p50:.1f} ms"
        )


if __name__ == "__main__":
    main()
