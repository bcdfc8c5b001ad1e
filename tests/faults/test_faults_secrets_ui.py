"""Row 12 of issue 15, the UI part: with `TIETOHUOLTO_REGISTER_URL` holding a password in
the code location's environment, nothing the Dagster UI reads over GraphQL shows it — the
resources page (config fields and configured values), the launchpad's default config and
config schema, the jobs' partition run config — and a launchpad run that types a URL with a
password into the register resource's config is refused before a run (and its config) is
stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dagster import instance_for_test

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SECRET = "Canary-Ui-Pw-5519"
URL = f"postgresql://tietohuolto:{SECRET}@register.invalid:5432/register?connect_timeout=2"

RESOURCES = """
query Resources($repo: RepositorySelector!) {
  allTopLevelResourceDetailsOrError(repositorySelector: $repo) {
    __typename
    ... on ResourceDetailsList {
      results {
        name description
        configFields { name description defaultValueAsJson }
        configuredValues { key value type }
      }
    }
  }
}
"""

LAUNCHPAD = """
query Launchpad($job: PipelineSelector!) {
  runConfigSchemaOrError(selector: $job) {
    __typename
    ... on RunConfigSchema {
      rootDefaultYaml
      allConfigTypes { key description ... on CompositeConfigType {
        fields { name description defaultValueAsJson } } }
    }
  }
  pipelineOrError(params: $job) {
    __typename
    ... on Pipeline { presets { name runConfigYaml } }
  }
}
"""

LAUNCH = """
mutation Launch($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on RunConfigValidationInvalid { errors { message } }
    ... on PythonError { message }
    ... on LaunchRunSuccess { run { runId } }
  }
}
"""


def _query(context: Any, text: str, variables: dict[str, Any]) -> dict[str, Any]:
    from dagster_graphql.test.utils import execute_dagster_graphql

    result = execute_dagster_graphql(context, text, variables)
    assert not result.errors, result.errors
    return dict(result.data)


def test_the_ui_never_shows_the_register_password(
    faults_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster_graphql.test.utils import (
        define_out_of_process_context,
        infer_job_selector,
        infer_repository_selector,
    )

    monkeypatch.setenv("TIETOHUOLTO_REGISTER_URL", URL)
    definitions = str(Path(__file__).resolve().parents[2] / "pipelines" / "definitions.py")
    seen: list[str] = []
    (faults_env / "dagster").mkdir()
    with (
        instance_for_test(temp_dir=str(faults_env / "dagster")) as instance,
        define_out_of_process_context(definitions, "defs", instance) as context,
    ):
        repo = infer_repository_selector(context)
        shown = _query(context, RESOURCES, {"repo": repo})
        resources = shown["allTopLevelResourceDetailsOrError"]
        assert resources["__typename"] == "ResourceDetailsList", resources
        assert {r["name"] for r in resources["results"]} >= {"register", "folders"}
        seen.append(json.dumps(shown))
        for job in ("refresh_job", "register_job", "retention_job"):
            launchpad = _query(context, LAUNCHPAD, {"job": infer_job_selector(context, job)})
            assert launchpad["runConfigSchemaOrError"]["__typename"] == "RunConfigSchema"
            seen.append(json.dumps(launchpad))
        # A URL with a password typed into the launchpad: refused by the config schema,
        # so no run (and no run config) is stored.
        launched = _query(
            context,
            LAUNCH,
            {
                "params": {
                    "selector": infer_job_selector(context, "register_job"),
                    "runConfigData": {"resources": {"register": {"config": {"url": URL}}}},
                    "mode": "default",
                }
            },
        )["launchPipelineExecution"]
        assert launched["__typename"] != "LaunchRunSuccess", launched
        seen.append(json.dumps(launched))
        runs = instance.get_runs()
        assert all(SECRET not in repr(run.run_config) for run in runs)
    hits = sum(text.count(SECRET) for text in seen)
    assert hits == 0, [text[:300] for text in seen if SECRET in text]
    print(
        f"row 12 (UI): 0 hits of the password in {len(seen)} GraphQL answers (resources, "
        "launchpad schema and defaults of 3 jobs, a refused launch); runs stored: "
        f"{len(runs)}"
    )
