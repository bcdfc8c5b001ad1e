"""The refreshed file's vocabulary, typed from `shared/spec/refreshed-file.md`, and the
staleness date arithmetic. Written from the spec alone: nothing here is read from the
refresh's own code, so that the ground truth says what the spec says."""

from __future__ import annotations

import calendar
from datetime import date

# `refresh_status` values, in the order the spec's table lists them.
STATUSES: tuple[str, ...] = (
    "verified",
    "updated",
    "person_left",
    "org_inactive",
    "opted_out",
    "not_found",
    "ambiguous",
    "invalid",
)
# `refresh_flags` values, in the order the spec lists them (`duplicate` is its extension).
FLAGS: tuple[str, ...] = (
    "business_id_changed",
    "name_changed",
    "title_changed",
    "email_changed",
    "phone_changed",
    "address_changed",
    "stale",
    "no_direct_marketing",
    "no_phone_marketing",
    "no_email_marketing",
    "customer_suppressed",
    "business_id_invalid",
    "duplicate",
)
# Flags that say a fact changed: any of them makes a matched row `updated`.
CHANGE_FLAGS: frozenset[str] = frozenset(
    {
        "business_id_changed",
        "name_changed",
        "title_changed",
        "email_changed",
        "phone_changed",
        "address_changed",
    }
)
# prohibitions.csv `kind` -> the flag it puts on the row (`disclosure` makes it opted_out).
PROHIBITION_FLAGS: dict[str, str] = {
    "direct_marketing": "no_direct_marketing",
    "phone_marketing": "no_phone_marketing",
    "email_marketing": "no_email_marketing",
}
PROHIBITION_KINDS: tuple[str, ...] = (
    "direct_marketing",
    "disclosure",
    "phone_marketing",
    "email_marketing",
)
ORG_STATUSES: tuple[str, ...] = ("active", "liquidation", "bankrupt", "ceased", "merged")
INACTIVE_ORG_STATUSES: frozenset[str] = frozenset({"liquidation", "bankrupt", "ceased", "merged"})
AREAS: tuple[str, ...] = (
    "JOHTO",
    "TALOUS",
    "HENKILOSTO",
    "IT",
    "MARKKINOINTI",
    "MYYNTI",
    "HANKINTA",
    "TUOTANTO",
    "LOGISTIIKKA",
    "VIESTINTA",
    "KIINTEISTO",
    "TUTKIMUS",
    "LAKI",
    "MUU",
)

# Snapshot columns, in the order of `shared/spec/register-snapshot.md`.
ORGANIZATION_COLUMNS: tuple[str, ...] = (
    "org_id",
    "business_id",
    "name",
    "aux_names",
    "status",
    "successor_business_id",
    "industry_code",
    "personnel_class",
    "revenue_class",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "postal_street",
    "postal_postcode",
    "postal_city",
    "phone",
    "fax",
    "www",
    "updated_at",
)
PERSON_COLUMNS: tuple[str, ...] = (
    "person_id",
    "org_id",
    "first_name",
    "last_name",
    "title",
    "responsibility_area",
    "email",
    "mobile",
    "valid_from",
    "valid_to",
    "verified_at",
)
PROHIBITION_COLUMNS: tuple[str, ...] = ("person_id", "kind", "registered_at")


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the month's last day where it is
    shorter: 31 May - 3 months = 28/29 February)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def staleness(verified_at: date, as_of: date, months: int, margin_days: int = 3) -> str:
    """'stale', 'fresh', or 'edge' when within `margin_days` of the cut-off, where a
    reasonable reading of "within the configured age" could go either way."""
    cutoff = months_before(as_of, months)
    gap = (cutoff - verified_at).days
    if abs(gap) <= margin_days:
        return "edge"
    return "stale" if gap > 0 else "fresh"
