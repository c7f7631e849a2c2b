"""Fit the reader's "no answer" calibration on dev: a logistic over the span-vs-null margin, and the
probability threshold that maximises dev F1 (BERT's SQuAD 2.0 recipe, with a probability on top)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from qa.reader import Calibration, Reading
from qa.squad import Example, score


def fit_logistic(margins: Sequence[float], labels: Sequence[int], steps: int = 2000, lr: float = 0.1) -> tuple[float, float]:
    """(scale, bias) of P(label=1) = sigmoid(scale * margin + bias), by gradient descent on log loss."""
    finite = [(m, y) for m, y in zip(margins, labels, strict=True) if math.isfinite(m)]
    mean = sum(m for m, _ in finite) / len(finite)
    sd = math.sqrt(sum((m - mean) ** 2 for m, _ in finite) / len(finite)) or 1.0
    a, b = 0.0, 0.0  # on the standardised margin
    for _ in range(steps):
        ga = gb = 0.0
        for m, y in finite:
            z = a * (m - mean) / sd + b
            p = 1.0 / (1.0 + math.exp(-max(min(z, 50), -50)))
            ga += (p - y) * (m - mean) / sd
            gb += p - y
        a -= lr * ga / len(finite)
        b -= lr * gb / len(finite)
    return a / sd, b - a * mean / sd


def calibrate(examples: Sequence[Example], readings: Sequence[Reading]) -> tuple[Calibration, float]:
    """The calibration fitted on these dev readings, and the dev F1 (percent) it reaches."""
    labels = [0 if ex.is_impossible else 1 for ex in examples]
    scale, bias = fit_logistic([r.margin for r in readings], labels)
    probe = Calibration(scale, bias)
    probs = [probe.probability(r.margin) if math.isfinite(r.margin) else 0.0 for r in readings]
    span_f1 = [score(r.spans[0].text, ex)[1] if r.spans else 0.0 for r, ex in zip(readings, examples, strict=True)]
    null_f1 = [float(ex.is_impossible) for ex in examples]
    # Answer when p >= t: sweep t over the observed probabilities and keep the best total F1.
    order = sorted(range(len(readings)), key=lambda i: probs[i], reverse=True)
    total = sum(null_f1)  # threshold above every p: always "no answer"
    best_total, best_t = total, 1.0 + 1e-9
    for i in order:
        total += span_f1[i] - null_f1[i]
        if total > best_total:
            best_total, best_t = total, probs[i]
    return Calibration(scale, bias, best_t), 100 * best_total / len(examples)
