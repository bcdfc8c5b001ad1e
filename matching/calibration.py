"""Turning match scores into calibrated confidences: among matches given confidence c,
about a share c are right.

The person matcher's score (bits of evidence, `matching.comparisons`) goes through a
logistic curve; organisation matches get a confidence per method and name similarity. The
constants below were fitted on generated data (`tietohuolto bench accuracy --fit
--seed 11 --orgs 20000 --crm-rows 10000`), a seed the benchmark's default run does not
use, and the benchmark prints a reliability table (confidence bins against observed
precision) to show they still hold on other data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from matching.schema import OrgMethod

# Never claim certainty: even a checked business ID can be the customer's mistake.
MAX_CONFIDENCE = 0.999
SIMILARITY_BINS = (100.0, 95.0, 90.0, 85.0, 0.0)


def _default_org_table() -> dict[str, tuple[tuple[float, float], ...]]:
    # Fitted: `bench accuracy --fit --seed 11 --orgs 20000 --crm-rows 10000`. An exact name
    # with nothing else agreeing was rare there (add-one smoothing keeps it modest).
    return {
        OrgMethod.BUSINESS_ID: ((0.0, 0.9999),),
        OrgMethod.NAME: ((0.0, 0.75),),
        OrgMethod.NAME_AND_PLACE: ((100.0, 0.9992), (95.0, 0.963), (0.0, 0.963)),
    }


@dataclass(frozen=True)
class Calibration:
    """Score -> confidence. `org_table` maps a method to (minimum similarity, confidence)
    steps, highest similarity first."""

    person_slope: float = 1.3556
    person_intercept: float = 0.1729
    org_table: Mapping[str, tuple[tuple[float, float], ...]] = field(
        default_factory=_default_org_table
    )

    def person_confidence(self, score: np.ndarray) -> np.ndarray:
        logit = self.person_slope * np.asarray(score, dtype=float) + self.person_intercept
        return np.minimum(1.0 / (1.0 + np.exp(-logit)), MAX_CONFIDENCE)

    def organisation_confidence(self, method: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        method = np.asarray(method, dtype=object)
        similarity = np.asarray(similarity, dtype=float)
        confidence = np.zeros(len(method))
        for name, steps in self.org_table.items():
            chosen = method == name
            # Steps run from the highest similarity down; the first one reached applies.
            for minimum, value in reversed(steps):
                confidence[chosen & (similarity >= minimum)] = value
        return np.minimum(confidence, MAX_CONFIDENCE)


DEFAULT_CALIBRATION = Calibration()


def fit_logistic(
    score: np.ndarray, correct: np.ndarray, iterations: int = 50
) -> tuple[float, float]:
    """(slope, intercept) of P(correct | score) by Newton's method, lightly regularised so
    that perfectly separated data still gives finite numbers."""
    x = np.column_stack([np.asarray(score, dtype=float), np.ones(len(score))])
    y = np.asarray(correct, dtype=float)
    beta = np.zeros(2)
    ridge = 1e-3 * np.eye(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (y - p) - ridge @ beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return float(beta[0]), float(beta[1])


def fit_org_table(
    method: np.ndarray, similarity: np.ndarray, correct: np.ndarray
) -> dict[str, tuple[tuple[float, float], ...]]:
    """Observed precision per method and similarity bin (add-one smoothed), made
    non-increasing as similarity falls."""
    method = np.asarray(method, dtype=object)
    similarity = np.asarray(similarity, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    table: dict[str, tuple[tuple[float, float], ...]] = {}
    for name in sorted(set(method)):
        steps: list[tuple[float, float]] = []
        upper = np.inf
        for minimum in SIMILARITY_BINS:
            chosen = (method == name) & (similarity >= minimum) & (similarity < upper)
            upper = minimum
            if not chosen.any():
                continue
            rate = (correct[chosen].sum() + 1) / (chosen.sum() + 2)
            if steps:
                rate = min(rate, steps[-1][1])
            steps.append((minimum, round(float(rate), 4)))
        if steps and steps[-1][0] > 0:
            # Below the lowest similarity seen, the lowest rate seen: never "no confidence".
            steps[-1] = (0.0, steps[-1][1])
        table[name] = tuple(steps)
    return table


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float
    precision: float


RELIABILITY_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0)


def reliability_table(
    confidence: np.ndarray, correct: np.ndarray, edges: Sequence[float] = RELIABILITY_EDGES
) -> list[ReliabilityBin]:
    """Matches binned by confidence, with the share of them that was right."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    bins: list[ReliabilityBin] = []
    for low, high in pairwise(edges):
        chosen = (confidence >= low) & ((confidence < high) | (high == edges[-1]))
        if not chosen.any():
            continue
        bins.append(
            ReliabilityBin(
                low,
                high,
                int(chosen.sum()),
                float(confidence[chosen].mean()),
                float(correct[chosen].mean()),
            )
        )
    return bins


def expected_calibration_error(bins: Sequence[ReliabilityBin]) -> float:
    """Count-weighted mean gap between confidence and observed precision."""
    total = sum(b.count for b in bins)
    if not total:
        return 0.0
    return sum(b.count * abs(b.mean_confidence - b.precision) for b in bins) / total


def format_reliability(bins: Sequence[ReliabilityBin]) -> str:
    lines = [f"{'confidence':<14}{'matches':>9}{'mean conf':>11}{'precision':>11}"]
    for b in bins:
        span = f"{b.low:.2f}-{b.high:.2f}"
        lines.append(f"{span:<14}{b.count:>9}{b.mean_confidence:>11.4f}{b.precision:>11.4f}")
    lines.append(f"expected calibration error: {expected_calibration_error(bins):.4f}")
    return "\n".join(lines)


__all__ = [
    "DEFAULT_CALIBRATION",
    "MAX_CONFIDENCE",
    "Calibration",
    "ReliabilityBin",
    "expected_calibration_error",
    "fit_logistic",
    "fit_org_table",
    "format_reliability",
    "reliability_table",
]
