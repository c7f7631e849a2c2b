"""Fit the reader's "no answer" calibration on dev: a logistic over the span-vs-null margin, and the
probability threshold that maximises dev F1 (BERT's SQuAD 2.0 recipe, with a probability on top).

The logistic's label is whether the reader's best span is right (F1 >= 0.5 against a gold answer;
never for an unanswerable question), so the probability shown with an answer is the chance that
this answer is right. Half of the dev questions are unanswerable, and adversarially so; most
questions people ask of a document are answerable. So both the logistic and the threshold weight
dev's answerable questions ANSWERABLE_WEIGHT to 1: the probability is for questions asked as people
ask them, and the threshold does not refuse answerable questions to catch SQuAD 2.0's traps.
A cap on the share of answerable questions refused (`max_refused`) keeps a new reader's threshold
from buying the unanswerable half with refusals: the rule for a candidate is "no more refusals than
the shipped reader", then the best weighted F1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.reader import Calibration, Reading
from qa.training.squad import Example, score

ANSWERABLE_WEIGHT = 4.0
RIGHT_F1 = 0.5  # a span at least this close to a gold answer (SQuAD F1) counts as a right answer


@dataclass(frozen=True)
class DevFit:
    """A calibration fitted on dev, and how it does there (percent)."""

    calibration: Calibration
    f1: float  # dev F1 at the threshold
    weighted_f1: float  # dev F1 with answerable questions weighted `answerable_weight` to 1: what the threshold maximises
    refused_count: int  # answerable dev questions refused at the threshold
    answerable: int  # answerable dev questions in all

    @property
    def refused(self) -> float:
        """The share (percent) of the answerable dev questions refused at the threshold."""
        return self.calibration.refused


def fit_logistic(
    margins: Sequence[float], labels: Sequence[int], weights: Sequence[float] | None = None, steps: int = 2000, lr: float = 0.1
) -> tuple[float, float]:
    """(scale, bias) of P(label=1) = sigmoid(scale * margin + bias), by gradient descent on the
    (weighted) log loss; infinite margins (nothing to read) are left out."""
    m, y = np.asarray(margins, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    w = np.ones_like(m) if weights is None else np.asarray(weights, dtype=np.float64)
    finite = np.isfinite(m)
    m, y, w = m[finite], y[finite], w[finite] / w[finite].sum()
    mean = float((w * m).sum())
    sd = math.sqrt(float((w * (m - mean) ** 2).sum())) or 1.0
    x = (m - mean) / sd
    a = b = 0.0  # on the standardised margin
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * x + b, -50, 50)))
        a -= lr * float((w * (p - y) * x).sum())
        b -= lr * float((w * (p - y)).sum())
    return a / sd, b - a * mean / sd


def calibrate(
    examples: Sequence[Example], readings: Sequence[Reading], answerable_weight: float = ANSWERABLE_WEIGHT, max_refused: float | None = None
) -> DevFit:
    """The calibration fitted on these dev readings, answerable questions weighted `answerable_weight`
    to 1 (1: plain SQuAD 2.0 dev F1), and its figures on dev. With `max_refused` (percent), the
    threshold is the best among those that refuse at most that share of the answerable questions."""
    answerable = [0 if ex.is_impossible else 1 for ex in examples]
    weights = [answerable_weight if y else 1.0 for y in answerable]
    span_f1 = [score(r.spans[0].text, ex)[1] if r.spans else 0.0 for r, ex in zip(readings, examples, strict=True)]
    right = [int(y and f >= RIGHT_F1) for y, f in zip(answerable, span_f1, strict=True)]
    scale, bias = fit_logistic([r.margin for r in readings], right, weights)
    probe = Calibration(scale, bias)
    probs = [probe.probability(r.margin) if math.isfinite(r.margin) else 0.0 for r in readings]
    null_f1 = [float(ex.is_impossible) for ex in examples]
    n_answerable = sum(answerable)
    most_refusals = math.inf if max_refused is None else max_refused / 100 * n_answerable + 1e-9
    # Answer when p >= t: sweep t over the observed probabilities and keep the best weighted F1
    # among the thresholds within the cap; the sweep ends answering everything, which is within any cap.
    order = sorted(range(len(readings)), key=lambda i: probs[i], reverse=True)
    total = sum(w * f for w, f in zip(weights, null_f1, strict=True))  # threshold above every p: always "no answer"
    best_total, best_t = (total if n_answerable <= most_refusals else -math.inf), 1.0 + 1e-9
    refusals = n_answerable
    for i in order:
        total += weights[i] * (span_f1[i] - null_f1[i])
        refusals -= answerable[i]
        if total > best_total and refusals <= most_refusals:
            best_total, best_t = total, probs[i]
    answered = [p >= best_t for p in probs]
    f1 = sum(s if a else n for s, n, a in zip(span_f1, null_f1, answered, strict=True))
    refused = sum(1 for a, y in zip(answered, answerable, strict=True) if y and not a)
    share = 100 * refused / n_answerable if n_answerable else 0.0
    return DevFit(
        calibration=Calibration(scale, bias, best_t, answerable_weight, max_refused, share),
        f1=100 * f1 / len(examples),
        weighted_f1=100 * best_total / sum(weights),
        refused_count=refused,
        answerable=n_answerable,
    )
