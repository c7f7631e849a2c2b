"""SQuAD-format data: load a file restricted to one part of `splits.json`, and score predictions.

A file `X.json` may come with `X.ambiguous-starts.json`: for questions whose answer text occurs more
than once in its paragraph and whose `answer_start` was guessed, every place it could start. Loaded
examples carry them as `start_candidates`.

Scoring follows the official SQuAD v1.1/v2.0 scripts: answers are lower-cased, stripped of
punctuation and of the articles a/an/the, white space folded; EM and F1 take the best match over
the gold answers, and an empty prediction is right only on an unanswerable question.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.names import normalize_answer

PARTS = ("train", "dev", "test")


@dataclass(frozen=True)
class Example:
    """One question about one paragraph, with its gold answers ([] when unanswerable)."""

    qid: str
    title: str
    question: str
    context: str
    answers: tuple[str, ...]
    answer_starts: tuple[int, ...]
    # where answers[0] may start when answer_starts[0] was guessed among several occurrences (else empty)
    start_candidates: tuple[int, ...] = ()

    @property
    def is_impossible(self) -> bool:
        return not self.answers


def default_data_dir() -> Path:
    """`../shared/data/squad` beside the repository root, where the project's data lives."""
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "squad"


def require_data_dir() -> Path:
    """The default data folder, or FileNotFoundError naming where the SQuAD data was looked for."""
    data_dir = default_data_dir()
    if not (data_dir / "splits.json").exists():
        raise FileNotFoundError(f"SQuAD data not found at {data_dir} (splits.json is missing)")
    return data_dir


def _titles_for(splits: dict, part: str, file_name: str) -> set[str] | None:
    """The article titles of `file_name` in `part`: None means all of them, empty means none."""
    chosen = splits.get(part, {}).get(file_name)
    if chosen is None:
        return set()
    if chosen == "all":
        return None
    return set(chosen)


def load_examples(path: str | Path, part: str | None = None, splits_path: str | Path | None = None) -> list[Example]:
    """Read a SQuAD JSON file; with `part`, keep only that part's articles per `splits.json`."""
    path = Path(path)
    if part is not None and part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, not {part!r}")
    data = json.loads(path.read_text(encoding="utf-8"))
    titles: set[str] | None = None
    if part is not None:
        splits_file = Path(splits_path) if splits_path else path.parent / "splits.json"
        titles = _titles_for(json.loads(splits_file.read_text(encoding="utf-8")), part, path.name)
    ambiguous_file = ambiguous_starts_file(path)
    ambiguous = json.loads(ambiguous_file.read_text(encoding="utf-8")) if ambiguous_file.exists() else {}
    return list(_iter_examples(data["data"], titles, ambiguous))


def ambiguous_starts_file(path: Path) -> Path:
    """Where the guessed answer starts of the SQuAD file `path` are listed, if it has any."""
    return path.with_name(path.stem + ".ambiguous-starts.json")


def _iter_examples(articles: Iterable[dict], titles: set[str] | None, ambiguous: dict[str, dict]) -> Iterator[Example]:
    for article in articles:
        if titles is not None and article["title"] not in titles:
            continue
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else qa["answers"]
                yield Example(
                    qid=qa["id"],
                    title=article["title"],
                    question=qa["question"],
                    context=paragraph["context"],
                    answers=tuple(a["text"] for a in answers),
                    answer_starts=tuple(a["answer_start"] for a in answers),
                    start_candidates=tuple(ambiguous[qa["id"]]["candidates"]) if qa["id"] in ambiguous else (),
                )


def load_part(part: str, data_dir: str | Path | None = None) -> list[Example]:
    """All examples of one part across every file that `splits.json` names for it."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    splits = json.loads((data_dir / "splits.json").read_text(encoding="utf-8"))
    examples: list[Example] = []
    for file_name in splits[part]:
        examples.extend(load_examples(data_dir / file_name, part))
    return examples


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1(prediction: str, gold: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred_tokens)
    recall = overlap / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def score(prediction: str, example: Example) -> tuple[float, float]:
    """(EM, F1) of one prediction; an unanswerable question is matched against the empty answer."""
    golds = example.answers or ("",)
    return max(exact_match(prediction, g) for g in golds), max(f1(prediction, g) for g in golds)
