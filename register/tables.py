"""The master register store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL."""

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

REGISTER_TABLES = (organizations, persons, prohibitions)
