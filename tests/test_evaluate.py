"""Scoring end to end: the article is indexed, questions go through answer(), and each answer to an
answerable question is traced to the paragraph it came from (real models, texts written for the tests)."""

from qa.training.e2e import evaluate_end_to_end
from qa.training.evaluate import FROM_GOLD, FROM_OTHER_READ, FROM_OTHER_UNREAD, NO_ANSWER, Source
from qa.training.squad import Example
from tests.conftest import STORY_PARAGRAPHS as PARAGRAPHS


def _example(qid: str, question: str, paragraph: int, answer: str = "") -> Example:
    context = PARAGRAPHS[paragraph]
    if not answer:
        return Example(qid, "story", question, context, (), ())
    return Example(qid, "story", question, context, (answer,), (context.index(answer),))


def test_end_to_end_traces_each_answer_to_its_paragraph():
    population = "What is the population of Valmora?"  # the story does not say
    examples = [  # the article is rebuilt from the labelled paragraphs, in this order: the whole story
        _example("own", "When did the Harbour Museum open?", 0, "1987"),
        _example("unanswerable-1", population, 1),
        _example("unanswerable-2", population, 2),
        # Labelled with other paragraphs, so the right answers come from elsewhere and score 0. The
        # museum question is read in its own passage alone; the founder question in two, one of
        # them the mayor's paragraph that holds its label.
        _example("read", "Who founded the museum?", 3, "Tomas Brevik"),
        _example("unread", "When did the Harbour Museum open?", 4, "Sundays"),
        _example("none", population, 4, "fish soup"),
    ]
    figures = evaluate_end_to_end(examples)
    assert figures.n == 6 and figures.has_ans_n == 4 and figures.no_ans_n == 2
    assert figures.sources == {
        FROM_GOLD: Source(1, 100.0),
        FROM_OTHER_READ: Source(1, 0.0),
        FROM_OTHER_UNREAD: Source(1, 0.0),
        NO_ANSWER: Source(1, 0.0),
    }
    assert figures.no_ans_f1 == 100.0
    assert figures.f1 == 50.0
    assert figures.refused == 25.0  # one of the four answerable questions got no answer


def test_a_reader_alone_answers_from_the_gold_paragraph_or_not_at_all():
    from qa.training.evaluate import figures

    examples = [_example("a", "When did the Harbour Museum open?", 0, "1987"), _example("b", "Who founded it?", 1, "Ines Calder")]
    result = figures(examples, ["1987", ""], [20.0, 30.0])
    assert result.refused == 50.0
    assert result.sources == {
        FROM_GOLD: Source(1, 100.0),
        FROM_OTHER_READ: Source(0, 0.0),
        FROM_OTHER_UNREAD: Source(0, 0.0),
        NO_ANSWER: Source(1, 0.0),
    }
