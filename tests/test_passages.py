import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from index.build import DEFAULT_DOCUMENT
from index.passages import MAX_CHARS, MIN_CHARS, split_passages
from index.sentences import sentence_at, sentence_spans


def test_short_paragraphs_are_joined_into_passages_with_exact_offsets():
    text = DEFAULT_DOCUMENT.read_text(encoding="utf-8")
    paragraphs = split_passages("article", text, min_chars=0)
    assert len(paragraphs) == 29  # one per paragraph: every paragraph of the article is short
    passages = split_passages("article", text)
    assert [p.passage_id for p in passages] == list(range(len(passages))) and len(passages) == 9
    for p in passages:
        assert text[p.start : p.end] == p.text and p.text == p.text.strip()
        assert len(p.text) <= MAX_CHARS
    # each passage is whole paragraphs, and takes in the next one only while it is shorter than MIN_CHARS
    starts = [q.start for q in paragraphs]
    assert all(p.start in starts for p in passages)
    assert all(len(p.text) >= MIN_CHARS for p in passages[:-1])
    assert [q.text for q in paragraphs] == [x.strip() for p in passages for x in p.text.split("\n\n")]
    # a paragraph that would take a passage past MAX_CHARS starts its own
    long_one = ("Long. " + "word " * 197).strip()
    assert [len(p.text) for p in split_passages("mixed", "Short one.\n\n" + long_one)] == [10, len(long_one)]


def test_long_paragraph_is_windowed_by_sentences_with_overlap():
    sentences = [f"Sentence number {i} talks about topic {i}." for i in range(120)]
    text = " ".join(sentences)
    passages = split_passages("long", text)
    assert len(passages) > 1
    for a, b in itertools.pairwise(passages):
        assert len(a.text) <= MAX_CHARS
        last_sentence_of_a = a.text[a.text.rfind("Sentence") :]
        assert b.text.startswith(last_sentence_of_a)  # one sentence of overlap
        assert text[b.start : b.end] == b.text
    assert passages[-1].text.endswith("topic 119.")


def test_sentence_without_punctuation_is_cut_at_spaces():
    text = "word " * 1000
    passages = split_passages("flat", text)
    assert all(len(p.text) <= MAX_CHARS for p in passages)
    assert all(text[p.start : p.end] == p.text for p in passages)
    assert sum(p.text.count("word") for p in passages) >= 1000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab .!?\n\t\"'Mr"), max_size=3000))
def test_offsets_hold_for_any_text(text):
    for p in split_passages("any", text, max_chars=200):
        assert text[p.start : p.end] == p.text
        assert p.text.strip()


def test_sentences_respect_abbreviations():
    text = 'Mr Lavrov left. Dr. Smith stayed in the U.S. for a week! "Who is that?" he asked.'
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Mr Lavrov left.", "Dr. Smith stayed in the U.S. for a week!", '"Who is that?" he asked.']
    start = text.index("Smith")
    assert text[slice(*sentence_at(text, start, start + 5))].startswith("Dr. Smith")


def test_a_sentence_ends_at_a_blank_line():
    text = "Opening hours\n\nSunday, from 12 to 16\n\nentry is free. The café serves fish soup."
    spans = [text[a:b] for a, b in sentence_spans(text)]
    assert spans == ["Opening hours", "Sunday, from 12 to 16", "entry is free.", "The café serves fish soup."]
    start = text.index("12")
    assert text[slice(*sentence_at(text, start, start + 2))] == "Sunday, from 12 to 16"
