"""Scoring a refreshed file against the generator's ground truth (truth.csv).

Strict status accuracy counts the expected status only; lenient accuracy also the
`acceptable_statuses`. A flag in `optional_flags` is neither required nor counted against
precision. An organisation link to `alt_org_id` (a merged organisation's successor) is
right. Truth files without those columns score as before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from synthetic.vocab import FLAGS, STATUSES

# Rows whose truth withholds the ids by design: a disclosure prohibition hides the match.
_IDS_WITHHELD = frozenset({"opted_out"})


@dataclass(frozen=True)
class PrecisionRecall:
    true_positive: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.actual if self.actual else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    rows: int
    status_hits: int
    lenient_hits: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    flags: dict[str, PrecisionRecall] = field(default_factory=dict)
    organisations: PrecisionRecall = PrecisionRecall(0, 0, 0)
    persons: PrecisionRecall = PrecisionRecall(0, 0, 0)

    @property
    def status_accuracy(self) -> float:
        return self.status_hits / self.rows if self.rows else 1.0

    @property
    def lenient_accuracy(self) -> float:
        return self.lenient_hits / self.rows if self.rows else 1.0


def _links(pairs: Iterable[tuple[str, str]]) -> PrecisionRecall:
    """Precision/recall of ids: a prediction is right when it equals the true id."""
    tp = predicted = actual = 0
    for given, expected in pairs:
        predicted += bool(given)
        actual += bool(expected)
        tp += bool(given) and given == expected
    return PrecisionRecall(tp, predicted, actual)


def score(
    refreshed: Iterable[Mapping[str, str]], truth: Mapping[str, Mapping[str, str]], key: str
) -> Scores:
    """`refreshed` rows (dicts with the spec's columns) keyed by `key` into `truth`."""
    rows = list(refreshed)
    scores = Scores(rows=len(rows), status_hits=0)
    flag_counts = {flag: [0, 0, 0] for flag in FLAGS}
    org_pairs: list[tuple[str, str]] = []
    person_pairs: list[tuple[str, str]] = []
    for row in rows:
        expected = truth[row[key]]
        given_status, expected_status = row["refresh_status"], expected["expected_status"]
        scores.confusion[(expected_status, given_status)] += 1
        scores.status_hits += given_status == expected_status
        acceptable = set(filter(None, expected.get("acceptable_statuses", "").split(";")))
        scores.lenient_hits += given_status == expected_status or given_status in acceptable
        optional = set(filter(None, expected.get("optional_flags", "").split(";")))
        given_flags = set(filter(None, row["refresh_flags"].split(";"))) - optional
        expected_flags = set(filter(None, expected["expected_flags"].split(";")))
        for flag, counts in flag_counts.items():
            counts[0] += flag in given_flags and flag in expected_flags
            counts[1] += flag in given_flags
            counts[2] += flag in expected_flags
        if expected_status not in _IDS_WITHHELD and given_status not in _IDS_WITHHELD:
            given_org = row["register_org_id"]
            if given_org and given_org == expected.get("alt_org_id"):
                given_org = expected["true_org_id"]
            org_pairs.append((given_org, expected["true_org_id"]))
            person_pairs.append((row["register_person_id"], expected["true_person_id"]))
    scores.flags = {flag: PrecisionRecall(*counts) for flag, counts in flag_counts.items()}
    scores.organisations = _links(org_pairs)
    scores.persons = _links(person_pairs)
    return scores


def format_scores(scores: Scores) -> str:
    """The tables the accuracy benchmark prints."""
    lines = [
        f"rows: {scores.rows}    strict status accuracy: {scores.status_accuracy:.4f}"
        f"    lenient: {scores.lenient_accuracy:.4f}",
        "",
        f"{'links':<14}{'precision':>10}{'recall':>10}{'F1':>10}",
    ]
    for name, pr in (("organisations", scores.organisations), ("persons", scores.persons)):
        lines.append(f"{name:<14}{pr.precision:>10.4f}{pr.recall:>10.4f}{pr.f1:>10.4f}")
    lines += ["", "status confusion (rows: expected, columns: given)"]
    short = [s[:9] for s in STATUSES]
    lines.append(f"{'':<14}" + "".join(f"{s:>10}" for s in short))
    for expected in STATUSES:
        counts = [scores.confusion.get((expected, given), 0) for given in STATUSES]
        lines.append(f"{expected:<14}" + "".join(f"{c:>10}" for c in counts))
    lines += ["", f"{'flag':<22}{'precision':>10}{'recall':>10}{'given':>8}{'expected':>10}"]
    for flag, pr in scores.flags.items():
        if pr.predicted or pr.actual:
            lines.append(
                f"{flag:<22}{pr.precision:>10.4f}{pr.recall:>10.4f}{pr.predicted:>8}{pr.actual:>10}"
            )
    return "\n".join(lines)
