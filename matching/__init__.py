"""The matching engine: normalise, block, compare, score, link. No Dagster, no SQL, no files."""

from matching.blocking import register_name_words
from matching.business_id import (
    BusinessIdState,
    compact_business_id,
    is_valid_business_id,
    normalise_business_id,
)
from matching.calibration import DEFAULT_CALIBRATION, Calibration
from matching.contact_points import email_domain, normalise_email, normalise_phone, same_phone
from matching.link import (
    link,
    link_chunk,
    link_elsewhere,
    link_persons,
    needs_elsewhere,
    search_scope,
)
from matching.organisations import (
    ORG_MATCH_COLUMNS,
    REGISTER_ORG_COLUMNS,
    OrganisationThresholds,
    contradicted_by_name,
    match_organisations,
    organisation_keys,
    successor_chain,
)
from matching.persons import (
    PERSON_MATCH_COLUMNS,
    PersonThresholds,
    contact_person_keys,
    contact_phone_keys,
    find_elsewhere,
    match_persons,
    resolve_shared_persons,
)
from matching.schema import (
    CHANGE_FLAGS,
    EVIDENCE_COLUMNS,
    EVIDENCE_DEFAULTS,
    Evidence,
    Flag,
    OrgMethod,
    PersonMethod,
    Status,
    complete_evidence,
)
from matching.text import fold, fold_name, org_name_key, person_name_key, strip_diacritics
from matching.title_meaning import TitleMeaning, same_title, title_meaning

__all__ = [
    "CHANGE_FLAGS",
    "DEFAULT_CALIBRATION",
    "EVIDENCE_COLUMNS",
    "EVIDENCE_DEFAULTS",
    "ORG_MATCH_COLUMNS",
    "PERSON_MATCH_COLUMNS",
    "REGISTER_ORG_COLUMNS",
    "BusinessIdState",
    "Calibration",
    "Evidence",
    "Flag",
    "OrgMethod",
    "OrganisationThresholds",
    "PersonMethod",
    "PersonThresholds",
    "Status",
    "TitleMeaning",
    "compact_business_id",
    "complete_evidence",
    "contact_person_keys",
    "contact_phone_keys",
    "contradicted_by_name",
    "email_domain",
    "find_elsewhere",
    "fold",
    "fold_name",
    "is_valid_business_id",
    "link",
    "link_chunk",
    "link_elsewhere",
    "link_persons",
    "match_organisations",
    "match_persons",
    "needs_elsewhere",
    "normalise_business_id",
    "normalise_email",
    "normalise_phone",
    "org_name_key",
    "organisation_keys",
    "person_name_key",
    "register_name_words",
    "resolve_shared_persons",
    "same_phone",
    "same_title",
    "search_scope",
    "strip_diacritics",
    "successor_chain",
    "title_meaning",
]
