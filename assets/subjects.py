"""Data-subject requests as Dagster jobs with typed config: the same register functions as
the `tietohuolto subject ...` commands, audited in the register (ids only). Their run
config holds ids, field names and paths, never a person's name, e-mail or values."""

import os
import stat
from pathlib import Path

from dagster import Config, OpExecutionContext, in_process_executor, job, op
from pydantic import Field

from pipelines.paths import var_dir
from pipelines.resources import RegisterResource
from register import access_report, add_prohibition, erase, rectify, write_access_report

# Run config is kept in the instance's run storage for as long as the run exists, shown in
# the UI and untouched by an erasure: it carries register ids, field names and paths only,
# never a name, an e-mail or a value about a person. Look a person up by e-mail or name
# with `tietohuolto subject find` (or `subject access`); give a corrected value through a
# request file (`tietohuolto subject stage-value`), read and deleted by the run.
REQUESTS_FOLDER = "subject-requests"
_MAX_VALUE_FILE_BYTES = 4096


class AccessRequestConfig(Config):
    """Right of access: what the register holds on a person, and who received it."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    person_id: str = Field(
        description="Register person id (`tietohuolto subject find --email E` finds it; "
        "names and e-mails never go into run config)."
    )
    out_dir: str = Field(default="", description="Report folder; empty = var/subject-requests.")


@op
def subject_access(
    context: OpExecutionContext, config: AccessRequestConfig, register: RegisterResource
) -> list[str]:
    """Writes the access report (HTML and JSON) of one register person."""
    report = access_report(register.store, config.person_id, config.requested_by)
    folder = config.out_dir or str(var_dir() / REQUESTS_FOLDER)
    paths = write_access_report(report, folder)
    context.log.info(f"access report for person {config.person_id}: {len(paths)} files")
    return [str(path) for path in paths]


class RectificationConfig(Config):
    """Right to rectification: the correction survives later snapshot loads."""

    requested_by: str = Field(description="Operator handling the request (audited).")
    kind: str = Field(default="person", description="'person' or 'organization'.")
    id: str = Field(description="The person_id or org_id.")
    field: str = Field(description="The field to correct, e.g. title, email, name.")
    value_file: str = Field(
        description="Request file holding the correct value, made by `tietohuolto subject "
        "stage-value` in var/subject-requests/ (owner-only); read and deleted by the run."
    )


def take_value_file(value_file: str) -> str:
    """The value in a request file under var/subject-requests/, which is then deleted.

    Only a regular file directly in that folder, not a link, owned by this user and
    readable by nobody else, of at most 4 KiB, is read. Refusals name the problem, never
    the content.
    """
    folder = (var_dir() / REQUESTS_FOLDER).resolve()
    path = Path(value_file)
    if path.parent.resolve() != folder or path.name in {"", ".", ".."}:
        raise ValueError(f"value_file must be a file directly in {folder}")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ValueError(f"cannot open value_file {path.name} ({exc.strerror})") from exc
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"value_file {path.name} is not a regular file")
        if info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise ValueError(f"value_file {path.name} must be owner-only (0600) and ours")
        if info.st_size > _MAX_VALUE_FILE_BYTES:
            raise ValueError(f"value_file {path.name} is over {_MAX_VALUE_FILE_BYTES} bytes")
        raw = os.read(descriptor, _MAX_VALUE_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
        path.unlink(missing_ok=True)
    try:
        return raw.decode("utf-8").removesuffix("\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"value_file {path.name} is not UTF-8") from exc


@op
def subject_rectify(config: RectificationConfig, register: RegisterResource) -> str:
    value = take_value_file(config.value_file)
    result = rectify(
        register.store, config.kind, config.id, config.field, value, config.requested_by
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
