"""Scoring honours the truth's leniencies: acceptable statuses, optional flags, the
successor of a merged organisation."""

from __future__ import annotations

from synthetic.scoring import score


def _row(key: str, status: str, flags: str = "", org: str = "", person: str = "") -> dict[str, str]:
    return {"key": key, "refresh_status": status, "refresh_flags": flags,
            "register_org_id": org, "register_person_id": person}  # fmt: skip


def test_lenient_optional_and_successor() -> None:
    truth = {
        "1": {"expected_status": "org_inactive", "acceptable_statuses": "org_inactive",
              "expected_flags": "", "optional_flags": "business_id_changed",
              "true_org_id": "O1", "alt_org_id": "O2", "true_person_id": "P1"},
        "2": {"expected_status": "not_found", "acceptable_statuses": "not_found;person_left",
              "expected_flags": "", "optional_flags": "", "true_org_id": "O3",
              "alt_org_id": "", "true_person_id": ""},
    }  # fmt: skip
    scores = score(
        [
            _row("1", "org_inactive", "business_id_changed", "O2", "P1"),
            _row("2", "person_left", "", "O3"),
        ],
        truth,
        "key",
    )
    assert scores.status_accuracy == 0.5 and scores.lenient_accuracy == 1.0
    assert scores.flags["business_id_changed"].predicted == 0
    assert scores.organisations.precision == 1.0 and scores.organisations.recall == 1.0
