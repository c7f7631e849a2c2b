"""How training windows are labelled: answer spans, [CLS] for no answer, and the extra negatives."""

import random

import pytest

from qa.reader import MODEL_DIR
from qa.squad import Example
from qa.train import TrainConfig, label_windows, other_paragraph_negatives

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
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(MODEL_DIR, local_files_only=True)


def test_negatives_pair_answerable_questions_with_another_paragraph_of_their_article():
    negatives = other_paragraph_negatives(EXAMPLES, 1.0, random.Random(0))
    # q3 is already unanswerable; q4's article has a single paragraph
    assert [(n.qid, n.context) for n in negatives] == [("q1-other", TUG), ("q2-other", MUSEUM)]
    assert all(n.is_impossible for n in negatives)
    assert other_paragraph_negatives(EXAMPLES, 0.0, random.Random(0)) == []


def test_windows_are_labelled_with_the_answer_or_cls(tokenizer, tmp_path):
    cfg = TrainConfig(out_dir=tmp_path, unanswerable_repeat=3, other_paragraph=1.0)
    labeled = label_windows(tokenizer, EXAMPLES, cfg, random.Random(0))
    answers = [x for x in labeled if (x.start, x.end) != (0, 0)]
    assert len(answers) == 3 and len(labeled) == 3 + 3 + 2  # q3 three times, one negative each for q1 and q2
    for x in answers:
        example = EXAMPLES[x.window.example]
        start, end = x.window.offsets[x.start][0], x.window.offsets[x.end][1]
        assert example.context[start:end] == example.answers[0]
