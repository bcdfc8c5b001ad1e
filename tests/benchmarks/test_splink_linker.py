"""The Splink baseline links a small generated file: its shape, and a sane accuracy."""

from __future__ import annotations

import pandas as pd
import pytest

from synthetic import GeneratedData

pytest.importorskip("splink")  # a dev dependency: only the accuracy benchmark needs it


def _precision_recall(predicted: pd.Series, true: pd.Series) -> tuple[float, float]:
    """As the benchmark scores: an empty prediction is no prediction."""
    made, expected = predicted != "", true != ""
    right = (made & (predicted == true)).sum()
    return right / max(made.sum(), 1), right / max(expected.sum(), 1)


def test_splink_link_gives_one_row_per_contact_and_sane_precision(
    small_data: GeneratedData,
) -> None:
    from benchmarks.splink_linker import splink_link
    from crmfile import read_crm_file

    contacts = read_crm_file(small_data.crm_file).contacts
    contacts.index = contacts.index + 1000  # the result follows the contacts' own index
    snapshot = small_data.snapshot_dir
    orgs = pd.read_csv(snapshot / "organizations.csv", dtype=str, keep_default_na=False)
    persons = pd.read_csv(snapshot / "persons.csv", dtype=str, keep_default_na=False)

    result = splink_link(contacts, orgs, persons, threshold=0.5, seed=1, threads=2)

    links = result.links
    assert links.index.equals(contacts.index)
    assert list(links.columns) == ["org_id", "person_id", "org_probability", "person_probability"]
    assert result.pairs_scored > 0
    assert result.seconds > 0
    for kind in ("org", "person"):
        found = links[f"{kind}_id"] != ""
        probability = links[f"{kind}_probability"]
        assert probability[found].between(0.5, 1.0).all()
        assert (probability[~found] == 0.0).all()
    assert set(links["org_id"]) <= {"", *orgs["org_id"]}
    assert set(links["person_id"]) <= {"", *persons["person_id"]}
    broken = contacts["problem"] != ""
    assert broken.any()
    assert (links.loc[broken, ["org_id", "person_id"]] == "").all().all()

    truth = pd.read_csv(small_data.truth_file, dtype=str, keep_default_na=False)
    truth = truth.set_index("row_key").loc[contacts["row_key"]].set_index(contacts.index)
    scored = truth["expected_status"] != "opted_out"  # ids withheld there by design
    org_precision, org_recall = _precision_recall(
        links.loc[scored, "org_id"], truth.loc[scored, "true_org_id"]
    )
    person_precision, person_recall = _precision_recall(
        links.loc[scored, "person_id"], truth.loc[scored, "true_person_id"]
    )
    assert org_precision >= 0.9
    assert org_recall >= 0.8  # precision alone is met by predicting nothing
    assert person_precision >= 0.9
    assert person_recall >= 0.7
