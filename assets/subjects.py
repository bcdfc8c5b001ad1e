"""Data-subject requests as Dagster jobs with typed config: the same register functions as
the `tietohuolto subject ...` commands, audited in the register (ids only)."""

from dagster import Config, OpExecutionContext, in_process_executor, job, op
from pydantic import Field

from pipelines.paths import var_dir
from pipelines.resources import RegisterResource
from register import (
    access_report,
    add_prohibition,
    erase,
    find_persons,
    rectify,
    write_access_report,
)


class AccessRequestConfig(Config):
    """Right of access: what the register holds on a person, and who received it."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    person_id: str = Field(default="", description="Register person id, if known.")
    email: str = Field(default="", description="Or: the person's work e-mail.")
    name: str = Field(default="", description="Or: 'First Last' (with the organisation).")
    organisation: str = Field(default="", description="Organisation name or business ID.")
    out_dir: str = Field(default="", description="Report folder; empty = var/subject-requests.")


@op
def subject_access(
    context: OpExecutionContext, config: AccessRequestConfig, register: RegisterResource
) -> list[str]:
    """Writes the access report (HTML and JSON); an ambiguous look-up fails listing the
    candidates' ids instead of guessing."""
    store = register.store
    person_id = config.person_id
    if not person_id:
        found = find_persons(
            store,
            email=config.email or None,
            name=config.name or None,
            org=config.organisation or None,
        )
        if len(found) != 1:
            ids = ", ".join(candidate.person_id for candidate in found) or "none"
            raise ValueError(f"look-up matched {len(found)} persons ({ids}); give --person-id")
        person_id = found[0].person_id
    report = access_report(store, person_id, config.requested_by)
    folder = config.out_dir or str(var_dir() / "subject-requests")
    paths = write_access_report(report, folder)
    context.log.info(f"access report for person {person_id}: {len(paths)} files")
    return [str(path) for path in paths]


class RectificationConfig(Config):
    """Right to rectification: the correction survives later snapshot loads."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    kind: str = Field(default="person", description="'person' or 'organization'.")
    id: str = Field(description="The person_id or org_id.")
    field: str = Field(description="The field to correct, e.g. title, email, name.")
    value: str = Field(description="The correct value.")


@op
def subject_rectify(config: RectificationConfig, register: RegisterResource) -> str:
    result = rectify(
        register.store, config.kind, config.id, config.field, config.value, config.requested_by
    )
    return str(result.request_id)


class ErasureConfig(Config):
    """Right to erasure: removed, and kept out of later snapshots by a tombstone."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    person_id: str = Field(description="Register person id.")


@op
def subject_erase(config: ErasureConfig, register: RegisterResource) -> str:
    return str(erase(register.store, config.person_id, config.requested_by).request_id)


class ProhibitionConfig(Config):
    """A prohibition the person notified: honoured from the very next delivery."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    person_id: str = Field(description="Register person id.")
    kind: str = Field(
        description="disclosure, direct_marketing, phone_marketing or email_marketing."
    )


@op
def subject_prohibit(config: ProhibitionConfig, register: RegisterResource) -> str:
    result = add_prohibition(register.store, config.person_id, config.kind, config.requested_by)
    return str(result.request_id)


@job(executor_def=in_process_executor, description="Data-subject request: access report.")
def subject_access_job() -> None:
    subject_access()


@job(executor_def=in_process_executor, description="Data-subject request: rectification.")
def subject_rectify_job() -> None:
    subject_rectify()


@job(executor_def=in_process_executor, description="Data-subject request: erasure.")
def subject_erase_job() -> None:
    subject_erase()


@job(executor_def=in_process_executor, description="Data-subject request: new prohibition.")
def subject_prohibit_job() -> None:
    subject_prohibit()


SUBJECT_JOBS = [subject_access_job, subject_rectify_job, subject_erase_job, subject_prohibit_job]
