"""Least privilege on PostgreSQL: the GRANT statements of the three register roles,
generated from `register.tables` so that a new table is never forgotten.

* the **loader** (`tietohuolto register load`, `register_job`) owns every table: it
  creates them and replaces the register (TRUNCATE, COPY) at each load; as the owner it
  needs no grant and is the one who runs the statements below;
* the **refresher** (delivery runs, retention) reads the register and what it needs of the
  subject tables (notified prohibitions, tombstones) and writes the disclosure ledger only
  (INSERT, and DELETE for a re-run delivery's rows and the retention purge);
* the **subject-rights** role (`tietohuolto subject ...`) reads everything and writes the
  subject tables (requests, tombstones, notified prohibitions, rectifications); of the
  register it may only do what a request does there: erase a person's positions and
  prohibitions (DELETE), rectify a value (UPDATE), and put an erased person's tombstone
  marker into the ledger (UPDATE of `disclosures.person_id`). It cannot load a snapshot,
  insert into the register or write a disclosure.

A table `register.tables` gains is a register table unless it is added to
`SUBJECT_TABLES` or `LEDGER_TABLES`: the other roles may then read it and nothing more.
Every run begins by revoking the roles' privileges on each table, so printing and running
the statements again after an upgrade leaves exactly the privileges described here.
"""

from __future__ import annotations

from sqlalchemy import Integer, Table

from register.tables import (
    LEDGER_TABLES,
    SUBJECT_TABLES,
    disclosures,
    metadata,
    notified_prohibitions,
    organizations,
    persons,
    prohibitions,
    register_revision,
    tombstones,
)

DEFAULT_ROLES = {
    "loader": "tietohuolto_loader",
    "refresher": "tietohuolto_refresher",
    "subject_rights": "tietohuolto_subjects",
}

# What the refresher reads of the subject tables (matching honours these at once).
_REFRESHER_READS_SUBJECT = (notified_prohibitions, tombstones)
# What a subject request changes in the register itself.
_SUBJECT_REGISTER_WRITES: dict[str, tuple[str, ...]] = {
    persons.name: ("UPDATE", "DELETE"),  # rectification; erasure
    prohibitions.name: ("DELETE",),  # erasure
    organizations.name: ("UPDATE",),  # rectification
    register_revision.name: ("INSERT", "UPDATE"),  # every request moves it on
}


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted."""
    if not name or "\x00" in name:
        raise ValueError("a role or schema name must be a non-empty string")
    return '"' + name.replace('"', '""') + '"'


def _sequences(table: Table) -> list[str]:
    """The sequences behind a table's SERIAL columns (PostgreSQL's `<table>_<column>_seq`)."""
    column = table.autoincrement_column
    if column is None or not isinstance(column.type, Integer):
        return []
    return [f"{table.name}_{column.name}_seq"]


def grant_statements(
    loader: str = DEFAULT_ROLES["loader"],
    refresher: str = DEFAULT_ROLES["refresher"],
    subject_rights: str = DEFAULT_ROLES["subject_rights"],
    schema: str = "public",
) -> list[str]:
    """The statements, in order, that the loader (the tables' owner) runs once the tables
    exist (after the first `register load`), and again after every upgrade."""
    owner, ref, sub = (quote_ident(n) for n in (loader, refresher, subject_rights))
    ledger = {t.name for t in LEDGER_TABLES}
    subject = {t.name for t in SUBJECT_TABLES}
    refresher_reads_subject = {t.name for t in _REFRESHER_READS_SUBJECT}
    out: list[str] = []
    for table in metadata.sorted_tables:
        name = f"{quote_ident(schema)}.{quote_ident(table.name)}"
        out.append(f"ALTER TABLE {name} OWNER TO {owner};")
        out.append(f"REVOKE ALL ON TABLE {name} FROM PUBLIC, {ref}, {sub};")
        if table.name in ledger:
            out.append(f"GRANT SELECT, INSERT, DELETE ON TABLE {name} TO {ref};")
            # Erasure puts the tombstone marker into the ledger's person_id; nothing else.
            marker = ", UPDATE (person_id)" if table is disclosures else ""
            out.append(f"GRANT SELECT{marker} ON TABLE {name} TO {sub};")
            for sequence in _sequences(table):
                seq = f"{quote_ident(schema)}.{quote_ident(sequence)}"
                out.append(f"REVOKE ALL ON SEQUENCE {seq} FROM PUBLIC, {ref}, {sub};")
                out.append(f"GRANT USAGE, SELECT ON SEQUENCE {seq} TO {ref};")
        elif table.name in subject:
            if table.name in refresher_reads_subject:
                out.append(f"GRANT SELECT ON TABLE {name} TO {ref};")
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {name} TO {sub};")
        else:  # the register as loaded
            out.append(f"GRANT SELECT ON TABLE {name} TO {ref};")
            writes = _SUBJECT_REGISTER_WRITES.get(table.name, ())
            out.append(f"GRANT {', '.join(('SELECT', *writes))} ON TABLE {name} TO {sub};")
    return out
