"""The shipped passage reranker, its place in the retriever, and the mining of its training groups."""

import gzip
import json

import numpy as np
import pytest

from index import load_index, shared_embeddings
from qa.rerank_train import Group, group_windows, load_groups, mine_groups, save_groups
from qa.reranker import Reranker
from qa.retriever import HybridRetriever
from qa.squad import Example


@pytest.fixture(scope="module")
def reranker() -> Reranker:
    """The shipped reranker, loaded once for this module."""
    return Reranker.load()


def test_the_passage_that_answers_scores_highest(reranker):
    passages = [
        "Entry to the museum is free on Sundays, and the café on the top floor serves fish soup.",
        "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros.",
        "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse beside the old docks.",
    ]
    scores = reranker.scores("How much did the museum pay for the tug?", passages)
    assert scores.shape == (3,)
    assert int(np.argmax(scores)) == 1
    assert int(np.argmax(reranker.scores("When did the museum open?", passages))) == 2


def test_a_long_passage_scores_its_best_window(reranker):
    filler = "The weather on the coast was grey and wet for most of the year. " * 40
    answer = "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros."
    question = "How much did the museum pay for the tug?"
    long_score, alone = reranker.scores(question, [filler + answer, answer])
    assert long_score > reranker.scores(question, [filler])[0]
    assert reranker.scores(question, []).shape == (0,)
    assert np.isfinite([long_score, alone]).all()


def test_the_retriever_reorders_its_top_passages_by_the_reranker(story_index, reranker):
    index = load_index(story_index)
    hybrid = HybridRetriever(index=index, embeddings=shared_embeddings(), k=3)
    reranked = hybrid.model_copy(update={"reranker": reranker, "rerank_k": 5})
    question = "Who did the mayor refuse to meet?"
    ranked = reranked.ranked(question)
    assert len(ranked) == 3
    assert "Agnes Holt" in index.passages[ranked[0][0]].text
    assert {i for i, _ in ranked} <= {i for i, _ in hybrid.first_stage(question, 5)}
    shares = [s for _, s in ranked]
    assert shares == sorted(shares, reverse=True) and 0 < sum(shares) <= 1 + 1e-9


def test_mined_groups_hold_the_answer_and_hard_negatives(tmp_path):
    context = "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros."
    other = [
        "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse.",
        "The museum's café on the top floor serves fish soup to visitors on Sundays.",
        "Volunteers restored an old rowing boat over three winters.",
    ]
    examples = [
        Example("q1", "Valmora", "How much did the museum pay for the tug?", context, ("40,000 euros",), (context.index("40,000"),))
    ]
    examples += [Example(f"q{i + 2}", "Valmora", "Is there a café?", c, (), ()) for i, c in enumerate(other)]
    groups = mine_groups(examples)
    assert len(groups) == 1  # only answerable questions make groups
    (group,) = groups
    assert group.positive[group.answer_start : group.answer_end] == "40,000 euros"
    assert set(group.negatives) == set(other)
    save_groups({"train": groups}, tmp_path / "g.json.gz")
    assert load_groups(tmp_path / "g.json.gz") == {"train": groups}
    with gzip.open(tmp_path / "g.json.gz", "rt") as f:  # plain JSON, no pickle
        assert json.load(f)["groups"]["train"][0][0] == group.question


def test_training_windows_put_the_answers_window_first(reranker):
    filler = "The weather on the coast was grey and wet for most of the year. " * 40
    positive = filler + "The museum paid 40,000 euros for the tug."
    start = positive.index("40,000")
    group = Group("How much did the museum pay?", positive, start, start + len("40,000 euros"), ("A café serves soup.", "Entry is free."))
    windows = group_windows(reranker.tokenizer, group)
    assert len(windows) == 3
    assert [w.example for w in windows] == [0, 1, 2]
    first, last = windows[0].context_range
    assert windows[0].offsets[first][0] <= start < windows[0].offsets[last][1]
    assert windows[0].offsets[first][0] > 0  # not the first window of the long positive


def test_training_resumes_and_writes_a_reranker_that_loads(tmp_path):
    from qa.rerank_train import RerankConfig, train_reranker

    tug = "In 2019 the museum bought a steam tug called the Little Wren for 40,000 euros."
    museum = "The Harbour Museum of Valmora opened in 1987 in a former grain warehouse."
    groups = [
        Group("How much did the tug cost?", tug, tug.index("40,000"), tug.index("40,000") + len("40,000 euros"), (museum,)),
        Group("When did the museum open?", museum, museum.index("1987"), museum.index("1987") + 4, (tug,)),
    ]
    save_groups({"train": groups, "dev": groups}, tmp_path / "groups.json.gz")
    cfg = RerankConfig(tmp_path / "groups.json.gz", tmp_path / "run", batch_groups=1, epochs=0.5, checkpoint_every=1, device="cpu")
    # one step of the two groups, then a second run of one epoch goes on from that checkpoint
    train_reranker(cfg)
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 1
    cfg.epochs = 1.0
    final = train_reranker(cfg)
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 2
    metrics = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "dev_r1" in m] == [0, 1, 2]  # before training, and at each run's end
    scores = Reranker.load(final).scores("When did the museum open?", [tug, museum])
    assert scores.shape == (2,) and np.isfinite(scores).all()
