"""How training windows are labelled: answer spans, [CLS] for no answer, and the extra negatives."""

import json
import random
from dataclasses import replace

import pytest

from qa.reader import MODEL_DIR
from qa.squad import Example
from qa.train import TrainConfig, answer_removed_negatives, label_windows, other_paragraph_negatives

MUSEUM = "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse."
TUG = "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros."
EXAMPLES = [
    Example("q1", "Valmora", "When did the Harbour Museum open?", MUSEUM, ("1987",), (MUSEUM.index("1987"),)),
    Example("q2", "Valmora", "What did the museum buy in 2019?", TUG, ("a steam tug",), (TUG.index("a steam tug"),)),
    Example("q3", "Valmora", "Who designed the warehouse?", MUSEUM, (), ()),
    Example("q4", "Skarn", "Where does the ferry go?", "The ferry goes to Skarn.", ("Skarn",), (18,)),
]


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))


def test_negatives_pair_answerable_questions_with_another_paragraph_of_their_article():
    negatives = other_paragraph_negatives(EXAMPLES, 1.0, random.Random(0))
    # q3 is already unanswerable; q4's article has a single paragraph
    assert [(n.qid, n.context) for n in negatives] == [("q1-other", TUG), ("q2-other", MUSEUM)]
    assert all(n.is_impossible for n in negatives)
    assert other_paragraph_negatives(EXAMPLES, 0.0, random.Random(0)) == []


def test_negatives_drop_the_sentences_that_hold_the_answer():
    story = f"{MUSEUM} {TUG} It is moored at the east quay."
    examples = [
        Example("t1", "Valmora", "What did the museum buy in 2019?", story, ("a steam tug",), (story.index("a steam tug"),)),
        # the answer also stands in a sentence that survives: no negative
        Example("t2", "Valmora", "Where is it moored?", story + " The east quay is old.", ("east quay",), (story.index("east quay"),)),
        EXAMPLES[2],  # already unanswerable
    ]
    negatives = answer_removed_negatives(examples, 1.0, random.Random(0))
    assert [(n.qid, n.context) for n in negatives] == [("t1-removed", f"{MUSEUM} It is moored at the east quay.")]
    assert negatives[0].is_impossible
    assert answer_removed_negatives(examples, 0.0, random.Random(0)) == []


def test_windows_are_labelled_with_the_answer_or_cls(tokenizer, tmp_path):
    cfg = TrainConfig(out_dir=tmp_path, unanswerable_repeat=3, other_paragraph=1.0)
    labeled = label_windows(tokenizer, EXAMPLES, cfg, random.Random(0))
    answers = [x for x in labeled if (x.start, x.end) != (0, 0)]
    assert len(answers) == 3 and len(labeled) == 3 + 3 + 2  # q3 three times, one negative each for q1 and q2
    for x in answers:
        example = EXAMPLES[x.window.example]
        start, end = x.window.offsets[x.start][0], x.window.offsets[x.end][1]
        assert example.context[start:end] == example.answers[0]


def _squad_dir(folder, train: list[Example], dev: list[Example]):
    """A SQuAD-format file and splits.json holding `train` and `dev` as two articles."""

    def article(title, examples):
        paragraphs = {}
        for ex in examples:
            qa = {"id": ex.qid, "question": ex.question, "is_impossible": ex.is_impossible}
            qa["answers"] = [{"text": a, "answer_start": s} for a, s in zip(ex.answers, ex.answer_starts, strict=True)]
            paragraphs.setdefault(ex.context, []).append(qa)
        return {"title": title, "paragraphs": [{"context": c, "qas": q} for c, q in paragraphs.items()]}

    (folder / "set.json").write_text(json.dumps({"data": [article("T", train), article("D", dev)]}))
    (folder / "splits.json").write_text(json.dumps({"train": {"set.json": ["T"]}, "dev": {"set.json": ["D"]}, "test": {}}))
    return folder


def test_training_resumes_from_its_checkpoint_and_ends_calibrated(tmp_path, caplog):
    from qa.reader import Reader
    from qa.train import train

    data = _squad_dir(tmp_path, EXAMPLES[:3], [EXAMPLES[3], replace(EXAMPLES[2], qid="d2")])
    cfg = TrainConfig(
        out_dir=tmp_path / "run", data_dir=data, init_from=MODEL_DIR, max_steps=2, batch_size=2, checkpoint_every=1, device="cpu"
    )
    train(cfg)
    cfg.max_steps = 3
    with caplog.at_level("INFO", logger="qa.train"):
        final = train(cfg)
    assert "resuming from step 2" in caplog.text
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "dev_f1" in m] == [2, 3]
    reader = Reader.load(final)
    assert 0 < reader.calibration.threshold <= 1 + 1e-6
    assert reader.read("Where does the ferry go?", [EXAMPLES[3].context], threshold=0).best.text == "Skarn"
