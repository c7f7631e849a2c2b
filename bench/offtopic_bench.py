"""Does answer() still refuse what a document never mentions? On texts written for these checks
(bench/data/offtopic.json, not SQuAD articles), through answer() as people call it: how many of the
questions each text answers get an answer (and their F1), how many off-topic questions are refused,
and how many of the on-topic questions the text leaves open ("unsaid", the SQuAD 2.0 kind) are refused.

Usage: python -m bench.offtopic_bench [--verbose]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from index.build import build_index
from index.documents import Document
from qa.api import answer, forget
from qa.reader import shared_reader
from qa.training.squad import f1

DATA = Path(__file__).resolve().parent / "data" / "offtopic.json"


def load_checks() -> list[dict]:
    """The texts and their three sets of questions."""
    return json.loads(DATA.read_text(encoding="utf-8"))["texts"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every question, its answer and its score")
    args = parser.parse_args()
    calibration = shared_reader().calibration
    weight = f"answerable questions weighted {calibration.answerable_weight:g} to 1 on dev"
    print(f"answer() answers at P(right) >= {calibration.threshold:.3f} ({weight})")
    totals = {"answerable": [0, 0, 0.0], "off_topic": [0, 0], "unsaid": [0, 0]}
    with tempfile.TemporaryDirectory(prefix="docqa-offtopic-") as tmp:
        for check in load_checks():
            folder = Path(tmp) / check["name"]
            build_index([Document(check["name"], check["text"])], folder)
            answered = [(q, gold, answer(q, index=folder)) for q, gold in check["answerable"]]
            refused = {kind: [(q, answer(q, index=folder)) for q in check[kind]] for kind in ("off_topic", "unsaid")}
            forget(folder)
            scores = [f1(a.text, gold) for _, gold, a in answered]
            found = sum(a.found for _, _, a in answered)
            line = f"{check['name']}: answerable {found}/{len(answered)} answered (F1 {100 * sum(scores) / len(scores):.1f})"
            for kind, rows in refused.items():
                line += f", {kind.replace('_', '-')} {sum(not a.found for _, a in rows)}/{len(rows)} refused"
                totals[kind][0] += sum(not a.found for _, a in rows)
                totals[kind][1] += len(rows)
            totals["answerable"][0] += found
            totals["answerable"][1] += len(answered)
            totals["answerable"][2] += sum(scores)
            print(line)
            if args.verbose:
                for q, gold, a in answered:
                    print(f"  answerable  {a.score:.2f} {q} -> {a.text or '(no answer)'} [gold: {gold}]")
                for kind, rows in refused.items():
                    for q, a in rows:
                        print(f"  {kind:10s}  {a.score:.2f} {q} -> {a.text or '(no answer)'}")
    found, n, score = totals["answerable"]
    print(
        f"all: answerable {found}/{n} answered (F1 {100 * score / n:.1f}), "
        f"off-topic {totals['off_topic'][0]}/{totals['off_topic'][1]} refused, unsaid {totals['unsaid'][0]}/{totals['unsaid'][1]} refused"
    )


if __name__ == "__main__":
    main()
