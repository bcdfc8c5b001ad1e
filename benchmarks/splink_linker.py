"""A competent Splink baseline that links a customer's CRM rows to the register.

`tietohuolto bench accuracy` and `tietohuolto bench speed --splink` run it beside our own
matcher on the same data, as a yardstick: what a fair practitioner gets from an
off-the-shelf probabilistic linker. The configuration is the one issue 14 names, lean
enough that its cost is Splink's and not a careless setting's: two Splink ``link_only``
models on the DuckDB backend, each with its u probabilities estimated by seeded random
sampling and its m probabilities by expectation maximisation on two of its blocking rules:

* persons: CRM rows against the register's positions, current or ended, each carrying
  its organisation's business ID and name; blocking on business ID, e-mail, phone,
  (first, last) and (last, company);
* organisations: CRM rows against the register's organisations (one record per name, so
  an organisation's other names can match too); blocking on business ID, the whole
  name, the web domain against the e-mail's and (postcode, first word of the name); the
  switchboard is not compared (a CRM row's number is nearly always the person's own).
  No rule blocks on a single common word: a word such as "rakennus"
  that thousands of organisations share makes millions of pairs, which is what once cost
  this baseline 365 s and 14 GB at 200,000 organisations.

Each contact gets the best pair at or above ``threshold`` from each model. The inputs are
standardised the way one would before any linkage (business IDs compacted, names
ASCII-folded without legal forms, e-mail domains against web domains, phone numbers as
national digits) and nothing more: no knowledge of our own matching rules goes in.

Development only: Splink is a dev dependency, imported at module level; the reported
seconds exclude that import. Nothing here prints or logs values from the data.
"""

from __future__ import annotations

import logging
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import EMTrainingException
from stdnum.fi import ytunnus

if TYPE_CHECKING:
    from splink.internals.blocking_rule_creator import BlockingRuleCreator

# The contact columns the models read; a frame lacking one is treated as all empty. Street
# addresses are not compared (nor in the configuration).
CONTACT_COLUMNS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "title",
    "org_name",
    "business_id",
    "email",
    "mobile",
    "phone",
    "postcode",
    "city",
)

# Legal-form words, removed from organisation names: "Virtanen Oy" and "Virtanen Ab" are
# the same firm, and a shared "oy" must not make two firms look alike.
LEGAL_FORMS = frozenset(
    {
        "oy",
        "oyj",
        "ab",
        "abp",
        "ky",
        "kb",
        "tmi",
        "ay",
        "ry",
        "rf",
        "osk",
        "sr",
        "as",
        "osakeyhtio",
        "kommandiittiyhtio",
        "toiminimi",
        "osuuskunta",
        "ltd",
        "limited",
        "inc",
        "llc",
        "plc",
        "gmbh",
    }
)

# Pairs sampled to estimate u: Splink's default is 1e6 and it calls 1e7 "often adequate".
# Sampling was most of this baseline's run time; on generated data 2e6 and 3e7 gave the
# same links, so the lean configuration samples 2e6.
U_SAMPLE_PAIRS = 2e6

_CRM = "crm"  # dataset names, to tell the two sides of a scored pair apart
_REGISTER = "register"
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True)
class SplinkLinks:
    """What the baseline found.

    ``links`` has the contacts' index and one row per contact: ``org_id`` and
    ``person_id`` ("" when none), ``org_probability`` and ``person_probability`` (the
    chosen pair's match probability, 0.0 when none). ``seconds`` is the wall time of the
    whole run (standardise, train, predict, pick the best) without importing Splink;
    ``pairs_scored`` the pairs both models kept from prediction (at or above ``threshold``).
    """

    links: pd.DataFrame
    seconds: float
    pairs_scored: int


def splink_link(
    contacts: pd.DataFrame,
    register_orgs: pd.DataFrame,
    register_persons: pd.DataFrame,
    *,
    threshold: float = 0.5,
    seed: int = 1,
    threads: int | None = None,
) -> SplinkLinks:
    """Link each contact to a register organisation and person with Splink.

    ``contacts`` in canonical columns (all text, "" when missing); rows with a non-empty
    ``problem`` get no match. ``register_orgs`` and ``register_persons`` are the
    snapshot's ``organizations.csv`` and ``persons.csv`` read as text. The person model's
    answer is a person_id whether the position is current or ended; the contact's org_id
    is the organisation model's answer, else the organisation of the chosen position.
    """
    started = time.perf_counter()
    threads = threads or os.cpu_count() or 1
    crm = _standardise_contacts(contacts)
    orgs = _standardise_orgs(register_orgs)
    positions = _standardise_positions(register_persons, register_orgs)

    org_best, org_pairs = _run_model(
        _org_model(len(register_orgs)),
        crm,
        orgs.drop(columns="org_id"),
        threshold=threshold,
        seed=seed,
        threads=threads,
    )
    person_best, person_pairs = _run_model(
        _person_model(len(positions)),
        crm,
        positions.drop(columns=["person_id", "org_id"]),
        threshold=threshold,
        seed=seed,
        threads=threads,
    )

    # Back from Splink's ids (row numbers) to the register's ids, by position in contacts.
    rows = len(contacts)
    org_id = np.full(rows, "", dtype=object)
    org_probability = np.zeros(rows)
    person_id = np.full(rows, "", dtype=object)
    person_probability = np.zeros(rows)
    at, chosen = org_best["crm_id"].to_numpy(), org_best["register_id"].to_numpy()
    org_id[at] = orgs["org_id"].to_numpy()[chosen]
    org_probability[at] = org_best["match_probability"].to_numpy()
    at, chosen = person_best["crm_id"].to_numpy(), person_best["register_id"].to_numpy()
    person_id[at] = positions["person_id"].to_numpy()[chosen]
    person_probability[at] = person_best["match_probability"].to_numpy()
    # The organisation of the chosen position where the organisation model found nothing.
    no_org = org_id[at] == ""
    org_id[at[no_org]] = positions["org_id"].to_numpy()[chosen[no_org]]
    org_probability[at[no_org]] = person_probability[at[no_org]]
    links = pd.DataFrame(
        {
            "org_id": org_id,
            "person_id": person_id,
            "org_probability": org_probability,
            "person_probability": person_probability,
        },
        index=contacts.index,
    )

    return SplinkLinks(
        links=links,
        seconds=time.perf_counter() - started,
        pairs_scored=org_pairs + person_pairs,
    )


# -- standardisation ----------------------------------------------------------------------


@lru_cache(maxsize=1 << 17)
def fold(text: str) -> str:
    """Lower-case ASCII-folded words: "Mäkelä-Hartikainen" -> "makela hartikainen"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


@lru_cache(maxsize=1 << 17)
def org_name_key(name: str) -> str:
    """A folded organisation name without legal-form words (kept when nothing else is)."""
    words = fold(name).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    return " ".join(kept or words)


def business_id(value: str) -> str:
    """A business ID as NNNNNNN-N when it has the digits of one, else as given (stripped):
    "FI03742878", "374287-8" and "0374287 - 8" all become "0374287-8"."""
    compact = ytunnus.compact(value) if value.strip() else ""
    if compact.isdigit() and 6 <= len(compact) <= 8:
        padded = compact.zfill(8)
        return f"{padded[:7]}-{padded[7]}"
    return value.strip()


def postcode(value: str) -> str:
    """Digits of a postcode, left-padded to five when a spreadsheet ate the zeros."""
    digits = _DIGITS.sub("", value)
    return digits.zfill(5) if 3 <= len(digits) < 5 else digits


def phone(value: str) -> str:
    """A phone number as national digits: "+358 40 123 4567", "00358401234567" and
    "040-123 4567" all become "0401234567"; fewer than six digits is no number."""
    digits = _DIGITS.sub("", value)
    for prefix in ("00358", "358"):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 5:
            digits = "0" + digits[len(prefix) :]
            break
    return digits if len(digits) >= 6 else ""


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def web_domain(www: str) -> str:
    """``https://www.example.fi/yhteystiedot`` -> ``example.fi``."""
    host = www.strip().lower().split("://")[-1].split("/")[0].split(":")[0]
    return host.removeprefix("www.")


def _first_token(key: str) -> str:
    return key.split(" ", 1)[0]


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column, "" where missing (absent column, NaN)."""
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].fillna("").astype(str)


def _nulls(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty strings as NULL in a nullable string dtype: Splink's null levels test IS NULL,
    and the dtype keeps an all-empty column VARCHAR in DuckDB."""
    out = frame.copy()
    for column in out.columns:
        if column != "unique_id":
            out[column] = out[column].replace("", pd.NA).astype("string")
    return out


def _standardise_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """The contacts a model may match (no ``problem``), standardised; ``unique_id`` is the
    row's position in ``contacts``."""
    usable = contacts.reset_index(drop=True)
    if "problem" in usable.columns:
        usable = usable[usable["problem"].fillna("") == ""]
    column = {name: _text(usable, name) for name in CONTACT_COLUMNS}
    # A file with only a full name: the first word is the first name, the last the surname.
    full = _text(usable, "full_name").str.strip()
    no_names = (column["first_name"] == "") & (column["last_name"] == "") & (full != "")
    column["first_name"] = column["first_name"].where(~no_names, full.str.split().str[0])
    column["last_name"] = column["last_name"].where(~no_names, full.str.split().str[-1])

    name = column["org_name"].map(org_name_key)
    last = column["last_name"].map(fold)
    frame = pd.DataFrame(
        {
            "unique_id": usable.index.to_numpy(dtype="int64"),
            "bid": column["business_id"].map(business_id),
            "name": name,
            "name_token": name.map(_first_token),
            "postcode": column["postcode"].map(postcode),
            "city": column["city"].map(fold),
            "domain": column["email"].map(email_domain),
            "first": column["first_name"].map(fold),
            "last": last,
            "email": column["email"].str.strip().str.lower(),
            "title": column["title"].map(fold),
            # The person's own number where the file has one, else the switchboard.
            "phone": column["mobile"].where(column["mobile"] != "", column["phone"]).map(phone),
        }
    )
    return _nulls(frame)


def _standardise_orgs(register_orgs: pd.DataFrame) -> pd.DataFrame:
    """One record per organisation name (the official one and each ``aux_names`` entry);
    ``unique_id`` is the record's row number, ``org_id`` maps it back."""
    orgs = register_orgs.reset_index(drop=True)
    names = (_text(orgs, "name") + "|" + _text(orgs, "aux_names")).str.split("|")
    exploded = orgs.assign(_name=names).explode("_name")
    exploded = exploded[exploded["_name"].str.strip() != ""].reset_index(drop=True)
    # Visiting address first, the postal one where the register has no visiting address.
    visiting = _text(exploded, "visiting_postcode")
    code = visiting.where(visiting != "", _text(exploded, "postal_postcode"))
    city = _text(exploded, "visiting_city")
    city = city.where(visiting != "", _text(exploded, "postal_city"))
    name = exploded["_name"].map(org_name_key)
    frame = pd.DataFrame(
        {
            "unique_id": exploded.index.to_numpy(dtype="int64"),
            "org_id": _text(exploded, "org_id"),
            "bid": _text(exploded, "business_id").map(business_id),
            "name": name,
            "name_token": name.map(_first_token),
            "postcode": code.map(postcode),
            "city": city.map(fold),
            "domain": _text(exploded, "www").map(web_domain),
        }
    )
    return _nulls(frame).astype({"org_id": object})


def _standardise_positions(
    register_persons: pd.DataFrame, register_orgs: pd.DataFrame
) -> pd.DataFrame:
    """One record per position, current or ended, with its organisation's business ID and
    name; ``unique_id`` is the row number, ``person_id`` and ``org_id`` map it back."""
    persons = register_persons.reset_index(drop=True)
    org_of = register_orgs.set_index("org_id")
    org_id = _text(persons, "org_id")
    last = _text(persons, "last_name").map(fold)
    name = org_id.map(org_of["name"]).fillna("").map(org_name_key)
    frame = pd.DataFrame(
        {
            "unique_id": persons.index.to_numpy(dtype="int64"),
            "person_id": _text(persons, "person_id"),
            "org_id": org_id,
            "first": _text(persons, "first_name").map(fold),
            "last": last,
            "email": _text(persons, "email").str.strip().str.lower(),
            "title": _text(persons, "title").map(fold),
            "phone": _text(persons, "mobile").map(phone),
            "bid": org_id.map(org_of["business_id"]).fillna("").map(business_id),
            "name": name,
        }
    )
    return _nulls(frame).astype({"person_id": object, "org_id": object})


# -- the models ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    settings: SettingsCreator
    # EM runs once per rule; each rule's own columns get no m estimate from its session,
    # so the two rules between them cover every comparison. Rules whose pairs mix
    # matches and non-matches, as Splink advises.
    em_rules: tuple[BlockingRuleCreator, ...]
    columns: tuple[str, ...]  # the standardised columns the model reads, both sides


def _org_model(organisations: int) -> _Model:
    return _Model(
        SettingsCreator(
            link_type="link_only",
            comparisons=[
                cl.ExactMatch("bid"),
                cl.NameComparison("name", jaro_winkler_thresholds=[0.95, 0.88, 0.7]),
                cl.ExactMatch("postcode"),
                cl.ExactMatch("city"),
                cl.ExactMatch("domain"),
            ],
            blocking_rules_to_generate_predictions=[
                block_on("bid"),
                block_on("name"),
                block_on("domain"),
                block_on("postcode", "name_token"),
            ],
            # A CRM row is one organisation at most: one in `organisations` random pairs.
            probability_two_random_records_match=1 / max(organisations, 1),
            retain_matching_columns=False,
        ),
        em_rules=(block_on("name"), block_on("bid")),
        columns=("bid", "name", "name_token", "postcode", "city", "domain"),
    )


def _person_model(positions: int) -> _Model:
    email = ColumnExpression("email")
    return _Model(
        SettingsCreator(
            link_type="link_only",
            comparisons=[
                cl.JaroWinklerAtThresholds("first", [0.92, 0.8]),
                cl.JaroWinklerAtThresholds("last", [0.92, 0.8]),
                cl.CustomComparison(
                    [
                        cll.NullLevel(email),
                        cll.ExactMatchLevel(email),
                        cll.ExactMatchLevel(email.regex_extract("^[^@]+")).configure(
                            label_for_charts="Exact match on the local part"
                        ),
                        cll.ElseLevel(),
                    ],
                    output_column_name="email",
                ),
                cl.ExactMatch("phone"),
                cl.ExactMatch("title"),
                cl.ExactMatch("bid"),
                cl.JaroWinklerAtThresholds("name", [0.92, 0.8]),
            ],
            # The configuration: business ID, e-mail, phone, (first, last) and
            # (last, company).
            blocking_rules_to_generate_predictions=[
                block_on("bid"),
                block_on("email"),
                block_on("phone"),
                block_on("first", "last"),
                block_on("last", "name"),
            ],
            # A CRM row is one position at most (a person's several positions aside).
            probability_two_random_records_match=1 / max(positions, 1),
            retain_matching_columns=False,
        ),
        em_rules=(block_on("bid"), block_on("first", "last")),
        columns=("first", "last", "email", "phone", "title", "bid", "name"),
    )


class _UnobservedLevelFilter(logging.Filter):
    """Drops EM's per-session "level not observed, unable to train m value" warnings: a
    session blocked on a column sees few pairs that disagree on it, and the other session
    supplies those m values. A level no session trained still warns, from predict()."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "not observed in dataset" not in record.getMessage()


def _run_model(
    model: _Model,
    crm: pd.DataFrame,
    register: pd.DataFrame,
    *,
    threshold: float,
    seed: int,
    threads: int,
) -> tuple[pd.DataFrame, int]:
    """Train and run one link_only model; the best pair per CRM row at or above
    ``threshold`` (columns crm_id, register_id, match_probability) and the number of
    candidate pairs scored."""
    columns = ["unique_id", *model.columns]
    crm, register = crm[columns], register[columns]
    if crm.empty or register.empty:
        empty = {"crm_id": [], "register_id": [], "match_probability": []}
        return pd.DataFrame(empty).astype({"crm_id": "int64", "register_id": "int64"}), 0
    em_logger = logging.getLogger("splink.internals.expectation_maximisation")
    quiet = _UnobservedLevelFilter()
    em_logger.addFilter(quiet)
    connection = duckdb.connect(":memory:")
    try:
        connection.execute(f"SET threads = {int(threads)}")
        connection.execute("SET enable_progress_bar = false")
        db_api = DuckDBAPI(connection)
        tables = [
            db_api.register(crm, table_name=_CRM),
            db_api.register(register, table_name=_REGISTER),
        ]
        # WARNING: the benchmark prints its own table; Splink's INFO chatter would bury it.
        linker = Linker(tables, model.settings, log_level=logging.WARNING)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=seed)
        for rule in model.em_rules:
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(rule)
            except EMTrainingException:
                # No pairs under this rule (a file without business IDs, say): the other
                # session trains what it can, and predict() names what stays untrained.
                continue
        # Only pairs that can be chosen are kept (what a practitioner would do at scale: the
        # unfiltered table of every blocked pair is what costs Splink its memory).
        scored = linker.inference.predict(threshold_match_probability=threshold)
        pairs = connection.execute(f"SELECT count(*) FROM {scored.physical_name}").fetchall()[0][0]
        # Which side is the CRM row is Splink's choice; the source dataset says.
        best = connection.sql(
            f"""
            SELECT
                CASE WHEN source_dataset_l = '{_CRM}' THEN unique_id_l ELSE unique_id_r END
                    AS crm_id,
                CASE WHEN source_dataset_l = '{_CRM}' THEN unique_id_r ELSE unique_id_l END
                    AS register_id,
                match_probability
            FROM {scored.physical_name}
            WHERE match_probability >= {float(threshold)}
            QUALIFY row_number() OVER (
                PARTITION BY crm_id ORDER BY match_weight DESC, register_id
            ) = 1
            ORDER BY crm_id
            """
        ).df()
    finally:
        connection.close()
        em_logger.removeFilter(quiet)
    return best.astype({"crm_id": "int64", "register_id": "int64"}), int(pairs)
