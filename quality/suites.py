"""Great Expectations suites for the customer's input and the refreshed output.

Results leave this module as counts only: GE result objects carry sample failing values,
which are customers' personal data and must never reach logs or Dagster metadata.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from refresh.rules import FLAGS, STATUSES

_FLAG_LIST = rf"^(?:(?:{'|'.join(FLAGS)})(?:;(?:{'|'.join(FLAGS)}))*)?$"
_CONFIDENCE = r"^(?:|0\.\d\d|1\.00)$"
_CANONICAL_BUSINESS_ID = r"^(?:\d{7}-\d)?$"


@dataclass(frozen=True)
class SuiteResult:
    """Outcome of one suite: passed, and failing-row counts per expectation."""

    suite: str
    passed: bool
    evaluated_rows: int
    failures: dict[str, int] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "evaluated_rows": self.evaluated_rows,
            "failed_expectations": len(self.failures),
            **{f"failing_rows.{name}": count for name, count in self.failures.items()},
        }


def _validate(name: str, frame: pd.DataFrame, expectations: list[Any]) -> SuiteResult:
    import great_expectations as gx  # noqa: PLC0415 - 2.5 s import, only when a suite runs

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas(name)
        .add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe(name)
        .get_batch(batch_parameters={"dataframe": frame})
    )
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    outcome = batch.validate(suite, result_format="SUMMARY")
    failures: dict[str, int] = {}
    for result in outcome.results:
        if result.success:
            continue
        config = result.expectation_config
        column = config.kwargs.get("column") if config is not None else None
        label = f"{config.type}" + (f"({column})" if column else "") if config else "unknown"
        details = result.result or {}
        failures[label] = int(details.get("unexpected_count") or details.get("observed_value") or 1)
    return SuiteResult(name, bool(outcome.success), len(frame), failures)


def validate_input(contacts: pd.DataFrame, business_ids: pd.Series) -> SuiteResult:
    """The ingested contacts: identity columns present, row keys unique, business IDs that
    the matcher will use are canonical after normalisation."""
    import great_expectations as gx  # noqa: PLC0415

    frame = pd.DataFrame(
        {
            "row_key": contacts["row_key"].astype(str),
            "business_id_norm": business_ids.astype(str),
            "identified": (contacts["problem"] == "").map({True: "yes", False: "no"}),
        }
    )
    return _validate(
        "crm_input",
        frame,
        [
            gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
            gx.expectations.ExpectColumnValuesToBeUnique(column="row_key"),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="row_key"),
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="business_id_norm", regex=_CANONICAL_BUSINESS_ID
            ),
            # Unidentifiable rows are quarantined, not dropped; the count shows in the UI.
            gx.expectations.ExpectColumnValuesToBeInSet(column="identified", value_set=["yes"]),
        ],
    )


def validate_output(refreshed: pd.DataFrame, input_rows: int) -> SuiteResult:
    """The refreshed file's appended columns hold only the spec's vocabulary, row for row."""
    import great_expectations as gx  # noqa: PLC0415

    return _validate(
        "refreshed_output",
        refreshed,
        [
            gx.expectations.ExpectTableRowCountToEqual(value=input_rows),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="refresh_status", value_set=list(STATUSES)
            ),
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="refresh_flags", regex=_FLAG_LIST
            ),
            gx.expectations.ExpectColumnValuesToMatchRegex(
                column="refresh_confidence", regex=_CONFIDENCE
            ),
        ],
    )


def validate_same_rows(facts: pd.DataFrame, input_rows: int) -> SuiteResult:
    """One output row per input row, carrying the customer's row key in the same place."""
    import great_expectations as gx  # noqa: PLC0415

    return _validate(
        "same_rows",
        facts[["input_key", "output_key"]],
        [
            gx.expectations.ExpectTableRowCountToEqual(value=input_rows),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="input_key", column_B="output_key"
            ),
        ],
    )


def validate_row_flag(name: str, facts: pd.DataFrame, column: str) -> SuiteResult:
    """Every row satisfies the processor-only property computed in `column`."""
    import great_expectations as gx  # noqa: PLC0415

    frame = pd.DataFrame({column: facts[column].map({True: "yes", False: "no"})})
    return _validate(
        name,
        frame,
        [gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=["yes"])],
    )
