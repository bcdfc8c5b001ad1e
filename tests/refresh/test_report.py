"""The change report's review list: the least confident matches first, with their evidence
and the customer's own row keys, never the row's values."""

from __future__ import annotations

import pandas as pd

from refresh.apply import decisions_frame
from refresh.report import report_markdown, review_list, summarise
from refresh.report_html import report_html
from refresh.rules import Decision

ABOUT = {
    "customer": "acme",
    "delivery_id": "2026-11-25-crm-abc123",
    "source_file": "crm.csv",
    "snapshot_id": "snap-1",
    "created_at": "2026-11-25T10:00:00+00:00",
}


def _decisions() -> list[Decision]:
    return [
        Decision("verified", confidence=0.99, evidence="organisation: business ID"),
        Decision(
            "updated", confidence=0.62, evidence="person: last name exact, first name initial"
        ),
        Decision("not_found"),
        Decision("opted_out"),
        Decision("verified", confidence=0.80, evidence="organisation: name 93, postcode"),
    ]


def test_review_lists_the_least_confident_matches_first_and_only_matches() -> None:
    review = review_list(_decisions(), ["C1", "C2", "C3", "C4", "C5"], limit=2)
    assert [r["row"] for r in review] == ["C2", "C5"]
    assert review[0] == {
        "row": "C2",
        "status": "updated",
        "confidence": "0.62",
        "evidence": "person: last name exact, first name initial",
    }


def test_both_report_pages_show_the_review_list() -> None:
    decisions = _decisions()
    appended = decisions_frame(decisions, pd.RangeIndex(len(decisions)))
    summary = {**summarise(appended), "review": review_list(decisions, ["1", "2", "3", "4", "5"])}
    markdown = report_markdown(summary, ABOUT)
    html = report_html(summary, ABOUT)
    for page in (markdown, html):
        assert "Matches to review first" in page
        assert "first name initial" in page
