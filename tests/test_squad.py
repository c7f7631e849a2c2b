"""SQuAD loading, official scoring, and the no-answer calibration."""

import math

import pytest

from qa.reader import Calibration, Reading, Span
from qa.training.calibrate import calibrate, fit_logistic
from qa.training.squad import Example, f1, load_part, normalize_answer, score
from tests.conftest import needs_squad


def test_normalisation_matches_the_official_script():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert normalize_answer("an apple, a pear") == "apple pear"


def test_f1_and_unanswerable_scoring():
    assert f1("Sergei Lavrov", "Lavrov") == pytest.approx(2 / 3)
    assert score("", Example("1", "t", "q", "c", (), ())) == (1.0, 1.0)
    assert score("Lavrov", Example("1", "t", "q", "c", (), ())) == (0.0, 0.0)
    assert score("the Lavrov", Example("1", "t", "q", "c", ("Lavrov", "Sergei Lavrov"), (0, 0))) == (1.0, 1.0)


@needs_squad()
def test_parts_have_the_documented_sizes():
    assert len(load_part("dev")) == 1770
    test = load_part("test")
    assert len(test) == 8413
    assert sum(ex.is_impossible for ex in load_part("dev")) == 861
    dev_titles = {ex.title for ex in load_part("dev")}
    assert not dev_titles & {ex.title for ex in test}


def test_logistic_fit_separates_and_threshold_maximises_f1():
    margins = [-4.0, -3.0, -2.5, -1.0, 1.0, 2.0, 3.5, 4.0]
    labels = [0, 0, 0, 0, 1, 1, 1, 1]
    scale, bias = fit_logistic(margins, labels)
    probe = Calibration(scale, bias)
    assert probe.probability(3.0) > 0.8 and probe.probability(-3.0) < 0.2
    fit = calibrate(_examples(labels), _readings(margins), answerable_weight=1)
    assert fit.f1 == fit.weighted_f1 == 100.0 and fit.refused == 0.0
    assert all((fit.calibration.probability(m) >= fit.calibration.threshold) == bool(y) for m, y in zip(margins, labels, strict=True))
    assert math.isfinite(fit.calibration.threshold)


def test_weighting_the_answerable_questions_lowers_the_bar():
    # margins overlap: two answerable questions sit among the unanswerable ones
    margins = [-4.0, -3.0, -2.5, -2.0, -1.0, 1.0, 2.0, 3.5, 4.0, -2.8, -2.2]
    labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    plain = calibrate(_examples(labels), _readings(margins), answerable_weight=1)
    weighted = calibrate(_examples(labels), _readings(margins), answerable_weight=4)
    assert plain.refused == pytest.approx(100 * 2 / 6) and weighted.refused == 0.0
    assert weighted.weighted_f1 > weighted.f1  # the unanswerable questions it now answers weigh less
    assert weighted.calibration.answerable_weight == 4
    # the probability is for questions as people ask them: higher at the same margin
    assert weighted.calibration.probability(0.0) > plain.calibration.probability(0.0)


def test_a_refusal_cap_keeps_the_best_threshold_within_it():
    margins = [-4.0, -3.0, -2.5, -2.0, -1.0, 1.0, 2.0, 3.5, 4.0, -2.8, -2.2]
    labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]
    free = calibrate(_examples(labels), _readings(margins), answerable_weight=1)
    capped = calibrate(_examples(labels), _readings(margins), answerable_weight=1, max_refused=20)
    none = calibrate(_examples(labels), _readings(margins), answerable_weight=1, max_refused=0)
    assert (free.refused_count, capped.refused_count, none.refused_count) == (2, 1, 0)
    assert capped.answerable == 6 and capped.calibration.max_refused == 20 and free.calibration.max_refused is None
    # what the fitted threshold refuses is recorded with it: the cap for the reader that would replace it
    assert capped.calibration.refused == pytest.approx(100 / 6) and free.calibration.refused == pytest.approx(100 * 2 / 6)
    assert none.weighted_f1 <= capped.weighted_f1 <= free.weighted_f1
    # the capped threshold still refuses the unanswerable questions below it
    assert capped.calibration.threshold > capped.calibration.probability(-2.5)
    # a cap the free threshold already meets changes nothing
    met = calibrate(_examples(labels), _readings(margins), answerable_weight=1, max_refused=100 * 2 / 6)
    assert met.calibration.threshold == free.calibration.threshold


def _examples(labels: list[int]) -> list[Example]:
    return [Example(str(i), "t", "q", "the answer", () if y == 0 else ("answer",), () if y == 0 else (4,)) for i, y in enumerate(labels)]


def _readings(margins: list[float]) -> list[Reading]:
    return [Reading([Span("answer", 0, 4, 10, m, 0.5)], m, 0.5, True) for m in margins]
