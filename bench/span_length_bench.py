"""How much to shorten the reader's spans: for a few length penalties (subtracted from a span's logit
per word piece beyond its first), read the dev part with each question's own paragraph, fit the
calibration as `docqa reader calibrate` does, and print dev F1 with the answerable questions weighted
4 to 1 (what answer()'s threshold is chosen for), plain F1 there, the share of answerable questions
refused, and the mean length of the answers given. qa.reader.LENGTH_PENALTY was chosen with it.

Usage: python -m bench.span_length_bench [--penalties 0 0.1 0.2 0.35 0.5] [--model DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.calibrate import calibrate
from qa.evaluate import read_all
from qa.reader import LENGTH_PENALTY, Reader
from qa.squad import load_part, require_data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--penalties", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.35, 0.5])
    parser.add_argument("--model", type=Path, default=None, help="reader folder (default: the shipped one)")
    args = parser.parse_args()
    dev = load_part("dev", require_data_dir())
    reader = Reader.load(args.model)
    print(f"dev part, {len(dev)} questions, reader with the gold paragraph (int8); shipped penalty {LENGTH_PENALTY}")
    for penalty in args.penalties:
        reader.length_penalty = penalty
        readings, _ = read_all(reader, dev)
        fit = calibrate(dev, readings)
        given = [len(r.spans[0].text.split()) for r, ex in zip(readings, dev, strict=True) if r.spans and not ex.is_impossible]
        print(
            f"  penalty {penalty:4.2f}: weighted F1 {fit.weighted_f1:.2f}, F1 {fit.f1:.2f}, "
            f"answerable refused {fit.refused:.1f}%, best span {sum(given) / len(given):.2f} words on average"
        )


if __name__ == "__main__":
    main()
