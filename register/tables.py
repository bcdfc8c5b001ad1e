"""The master register store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Three kinds of table:

* the register as the current snapshot has it (`organizations`, `persons`, `prohibitions`),
  replaced on every load — except that `persons` also keeps every position an earlier
  snapshot listed and a later one dropped, as an *ended* position (see `persons`);
* what the register's data subjects asked for, which outlives any snapshot
  (`notified_prohibitions`, `rectifications`, `tombstones`) and the audit of those
  requests (`subject_requests`);
* the disclosure ledger (`disclosures`): which customer received which fields of whom.

Timestamps (`*_at` of type DateTime) are stored in UTC.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

snapshots = Table(
    "snapshots",
    metadata,
    Column("snapshot_id", String(100), primary_key=True),
    Column("source", Text, nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("organization_count", Integer, nullable=False),
    Column("person_count", Integer, nullable=False),
    Column("prohibition_count", Integer, nullable=False),
    Column("is_current", Boolean, nullable=False, default=False),
)

organizations = Table(
    "organizations",
    metadata,
    Column("org_id", String(64), primary_key=True),
    Column("business_id", String(9), nullable=False),
    Column("name", Text, nullable=False),
    Column("aux_names", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("successor_business_id", String(9), nullable=True),
    Column("industry_code", String(5), nullable=True),
    Column("personnel_class", String(16), nullable=True),
    Column("revenue_class", String(16), nullable=True),
    Column("visiting_street", Text, nullable=True),
    Column("visiting_postcode", String(10), nullable=True),
    Column("visiting_city", Text, nullable=True),
    Column("postal_street", Text, nullable=True),
    Column("postal_postcode", String(10), nullable=True),
    Column("postal_city", Text, nullable=True),
    Column("phone", String(40), nullable=True),
    Column("fax", String(40), nullable=True),
    Column("www", Text, nullable=True),
    Column("updated_at", Date, nullable=True),
    # Folded official name without legal form: the name-and-place fallback looks it up.
    Column("name_key", Text, nullable=False),
    Index("ix_organizations_business_id", "business_id"),
    Index("ix_organizations_name_key", "name_key"),
)

# The name-and-place fallback's block index (`matching.blocking`): one row per key of an
# organisation's names, place and web domain. Rebuilt with the organisations at each load.
organization_keys = Table(
    "organization_keys",
    metadata,
    Column("key", Text, nullable=False),
    Column("org_id", String(64), nullable=False),
    Index("ix_organization_keys_key", "key"),
)

# The register's revision: a counter that every change of the register outside a snapshot
# load moves on (a data subject's request), so that a columnar image of the register
# (`register.image`) made before it is known to be stale.
register_revision = Table(
    "register_revision",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("revision", Integer, nullable=False),
)

# One row per *position* (a person at an organisation from a date), keyed by
# `position_key` = person_id + org_id + valid_from (see register.snapshot.position_key). A
# position keeps its `position_id` across snapshots. When a later snapshot no longer lists a
# position, the row stays: `ended_at` is set to the load time and, if the snapshot had no
# `valid_to`, `valid_to` becomes the load date, so that candidate queries see it as ended.
# A position listed again becomes current again (`ended_at` cleared, values from the source).
persons = Table(
    "persons",
    metadata,
    Column("position_id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(64), nullable=False),
    Column("org_id", String(64), nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("title", Text, nullable=True),
    Column("responsibility_area", String(16), nullable=True),
    Column("email", Text, nullable=True),
    Column("mobile", String(40), nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("verified_at", Date, nullable=True),
    # Folded "first last" and lower-case e-mail: looking a person up across the register
    # (to tell "left" from "never known") goes through these indexes, never a scan.
    Column("name_key", Text, nullable=False),
    Column("email_key", Text, nullable=True),
    # History (nullable only so that a store created before them can gain the columns).
    Column("position_key", Text, nullable=True),
    Column("first_seen_snapshot", String(100), nullable=True),
    Column("first_seen_at", DateTime(timezone=True), nullable=True),
    Column("last_seen_snapshot", String(100), nullable=True),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Index("ux_persons_position_key", "position_key", unique=True),
    Index("ix_persons_org_id", "org_id"),
    Index("ix_persons_person_id", "person_id"),
    Index("ix_persons_name_key", "name_key"),
    Index("ix_persons_email_key", "email_key"),
)

prohibitions = Table(
    "prohibitions",
    metadata,
    Column("person_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("registered_at", Date, nullable=True),
    Index("ix_prohibitions_person_id", "person_id"),
)

# Prohibitions notified to us directly (a data-subject request), in force at once and kept
# across snapshot loads whatever the snapshot says; `prohibitions_for` unions them in.
notified_prohibitions = Table(
    "notified_prohibitions",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("registered_at", Date, nullable=False),
    Column("request_id", String(32), nullable=False),
)

# Overrides of register values a data subject had rectified; re-applied after every load
# until a snapshot carries the same value (then the row is deleted). `kind` is `person` or
# `organization`; `subject_id` the person_id or org_id. `value` NULL = "unknown".
rectifications = Table(
    "rectifications",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("subject_id", String(64), primary_key=True),
    Column("field", String(32), primary_key=True),
    Column("value", Text, nullable=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(32), nullable=False),
)

# Erased persons: a salted SHA-256 of the person_id (never any data), so that a later
# snapshot load skips them. `salt_fingerprint` tells which salt made the hash: a changed
# salt would silently let erased persons back in, so loading refuses then.
tombstones = Table(
    "tombstones",
    metadata,
    Column("person_hash", String(64), primary_key=True),
    Column("salt_fingerprint", String(16), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=False),
    Column("request_id", String(32), nullable=False),
)

# The disclosure ledger: which fields (names only, sorted, comma-separated) of which person
# went to which customer in which delivery. An erased person's rows carry `erased:<hash>`.
disclosures = Table(
    "disclosures",
    metadata,
    Column("disclosure_id", Integer, primary_key=True, autoincrement=True),
    Column("customer", String(200), nullable=False),
    Column("delivery_id", String(200), nullable=False),
    Column("person_id", String(80), nullable=False),
    Column("fields", Text, nullable=False),
    Column("disclosed_at", DateTime(timezone=True), nullable=False),
    Column("snapshot_id", String(100), nullable=False),
    # Selections (issue 17): what the disclosure was for — `campaign` (with its id) or
    # `continuous`; NULL for a refresh delivery. Nullable so that a ledger created before
    # them gains the columns (`RegisterStore.create_schema` adds missing nullable columns).
    Column("purpose", String(20), nullable=True),
    Column("campaign_id", String(100), nullable=True),
    Index("ix_disclosures_person_id", "person_id"),
    Index("ix_disclosures_disclosed_at", "disclosed_at"),
    Index("ix_disclosures_delivery", "customer", "delivery_id"),
)

# The audit of data-subject requests: ids, kinds and field names only, never values.
subject_requests = Table(
    "subject_requests",
    metadata,
    Column("request_id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("person_id", String(80), nullable=True),
    Column("org_id", String(64), nullable=True),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_subject_requests_person_id", "person_id"),
)

REGISTER_TABLES = (organizations, persons, prohibitions)
SUBJECT_TABLES = (notified_prohibitions, rectifications, tombstones, subject_requests)
LEDGER_TABLES = (disclosures,)
