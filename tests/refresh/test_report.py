"""The change report's review list: the least confident matches first, with their evidence
and the customer's own row keys, never the row's values."""

from __future__ import annotations

import pandas as pd

from refresh.columnar import appended_text
from refresh.report import report_markdown, review_list, summarise
from refresh.report_html import report_html
from refresh.rules import Decision
from tests.refresh.oracle import frame_of

ABOUT = {
    "customer": "acme",
    "delivery_id": "2026-11-25-crm-abc123",
    "source_file": "crm.csv",
    "snapshot_id": "snap-1",
    "created_at": "2026-11-25T10:00:00+00:00",
}


def _decisions() -> pd.DataFrame:
    return frame_of(
        [
            Decision("verified", confidence=0.99, evidence="organisation: business ID"),
            Decision(
                "updated", confidence=0.62, evidence="person: last name exact, first name initial"
            ),
            Decision("not_found"),
            Decision("opted_out"),
            Decision("verified", confidence=0.80, evidence="organisation: name 93, postcode"),
        ]
    )


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
    summary = {**summarise(decisions), "review": review_list(decisions, ["1", "2", "3", "4", "5"])}
    markdown = report_markdown(summary, ABOUT)
    html = report_html(summary, ABOUT)
    for page in (markdown, html):
        assert "Matches to review first" in page
        assert "first name initial" in page


def test_the_summary_counts_changes_under_the_customers_own_column_names() -> None:
    decisions = frame_of(
        [
            Decision(
                "updated",
                flags=["title_changed", "stale"],
                updates={"title": "Myyntijohtaja"},
                confidence=0.97,
            ),
            Decision("updated", flags=["email_changed"], updates={"email": "a@b.fi"}),
            Decision("invalid", reason="no person name and no organisation"),
        ]
    )
    summary = summarise(decisions, {"title": "Titteli", "email": "Sähköposti"})
    assert summary["statuses"]["updated"] == 2
    assert summary["statuses"]["invalid"] == 1
    assert summary["flags"]["title_changed"] == 1
    assert summary["flags"]["stale"] == 1
    # An invalid row's reason is no changed column.
    assert summary["changed_columns"] == {"Sähköposti": 1, "Titteli": 1}
    assert summary["confidence_histogram"]["0.95-1.00"] == 1
    sent = pd.DataFrame({"title": ["Myyntipäällikkö", "", ""], "email": ["", "x@b.fi", ""]})
    text = appended_text(decisions, sent, column_names={"email": "Sähköposti"})
    assert text["refresh_changes"].tolist() == [
        "title: Myyntipäällikkö -> Myyntijohtaja",
        "Sähköposti: x@b.fi -> a@b.fi",
        "reason: no person name and no organisation",
    ]
