"""How docqa answers a newcomer's questions about the default article (bench/data/article_questions.json):
how many it answers right, answers wrong and refuses, through answer() as people call it. An answer
counts as right when it, or the name given with it, scores F1 >= 0.5 against one of the accepted answers.

Usage: python -m bench.article_bench [--verbose]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from qa.api import answer
from qa.training.squad import f1
from qa.types import Answer

DATA = Path(__file__).resolve().parent / "data" / "article_questions.json"


def load_questions() -> list[tuple[str, list[str]]]:
    """The questions, each with the answers a reader would accept."""
    return [(q, accepted) for q, accepted in json.loads(DATA.read_text(encoding="utf-8"))["questions"]]


def best_f1(a: Answer, accepted: list[str]) -> float:
    """The answer's F1 against the closest accepted answer, its text or its name, whichever scores more."""
    return max(f1(shown, gold) for gold in accepted for shown in (a.text, a.name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every question, its answer and its score")
    args = parser.parse_args()
    rows = load_questions()
    verdicts: Counter[str] = Counter()
    total = 0.0
    for question, accepted in rows:
        a = answer(question)
        score = best_f1(a, accepted) if a.found else 0.0
        total += score
        verdict = "refused" if not a.found else "right" if score >= 0.5 else "wrong"
        verdicts[verdict] += 1
        if args.verbose:
            shown = a.text + (f" ({a.name})" if a.name else "") if a.found else "(the document does not say)"
            print(f"{verdict:7s} {a.score:.2f} {question} -> {shown} [accepted: {' / '.join(accepted)}]")
    n = len(rows)
    tally = f"{verdicts['right']} right, {verdicts['wrong']} wrong, {verdicts['refused']} refused"
    print(f"{n} questions about the default article: {tally}; F1 {100 * total / n:.1f}")


if __name__ == "__main__":
    main()
