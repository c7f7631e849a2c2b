"""The hybrid retriever on a real index: fusion arithmetic, modes, and the LangChain face."""

import pytest

from index import load_index, shared_embeddings
from qa.retriever import HybridRetriever, min_max_fusion, reciprocal_rank_fusion


def test_min_max_fusion_scales_each_list_and_keeps_a_clear_lead():
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    bm25 = [(2, 12.0), (1, 11.0), (4, 2.0)]
    fused = dict(min_max_fusion([dense, bm25], [0.5, 0.5]))
    assert fused == pytest.approx({1: 0.5 + 0.5 * 0.9, 2: 0.25 + 0.5, 3: 0.0, 4: 0.0})
    assert [i for i, _ in min_max_fusion([dense, bm25], [0.5, 0.5])] == [1, 2, 3, 4]
    # rank fusion only sees the order, so it cannot tell that 1 leads dense by far and trails BM25 by a little
    assert reciprocal_rank_fusion([[1, 2, 3], [2, 1, 4]])[0][1] == reciprocal_rank_fusion([[1, 2, 3], [2, 1, 4]])[1][1]


def test_min_max_fusion_handles_empty_and_single_lists():
    assert min_max_fusion([[], [(7, 3.0)]], [0.5, 0.5]) == [(7, 0.5)]
    assert min_max_fusion([[], []], [0.5, 0.5]) == []


@pytest.fixture(scope="module")
def retriever(story_index):
    return HybridRetriever(index=load_index(story_index), embeddings=shared_embeddings(), k=2)


@pytest.mark.parametrize("mode", ["dense", "bm25", "rrf", "hybrid"])
def test_every_mode_finds_the_passage_that_answers(retriever, mode):
    ranked = retriever.model_copy(update={"mode": mode}).ranked("How much did the museum pay for the steam tug?")
    assert "Little Wren" in retriever.index.passages[ranked[0][0]].text


def test_is_a_langchain_retriever_with_located_passages(retriever):
    docs = retriever.invoke("Who refused to meet the union leader?")
    assert len(docs) == 2
    top = docs[0]
    assert "Tomas Brevik" in top.page_content
    text = retriever.index.documents[top.metadata["doc_id"]].text
    assert text[top.metadata["start"] : top.metadata["end"]] == top.page_content
    assert [d.metadata["rank"] for d in docs] == [0, 1]
    assert docs[0].metadata["score"] >= docs[1].metadata["score"]


def test_unknown_mode_is_refused(retriever):
    with pytest.raises(ValueError, match="mode must be one of"):
        retriever.model_copy(update={"mode": "magic"}).ranked("tug")
