"""The customer's own suppression list: rows it names are flagged `customer_suppressed`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from matching.contact_points import normalise_email, normalise_phone


@dataclass(frozen=True)
class SuppressionList:
    emails: frozenset[str]
    phones: frozenset[str]
    row_keys: frozenset[str]

    @classmethod
    def from_values(cls, values: Iterable[str]) -> SuppressionList:
        """Each value is an e-mail (it has an @), a phone number (it parses as one), or
        else one of the customer's own row ids."""
        emails, phones, keys = set(), set(), set()
        for value in values:
            if "@" in value:
                email = normalise_email(value)
                if email:
                    emails.add(email)
                continue
            phone = normalise_phone(value) if any(ch.isdigit() for ch in value) else None
            if phone and sum(ch.isdigit() for ch in value) >= 6:
                phones.add(phone)
            keys.add(value)
        return cls(frozenset(emails), frozenset(phones), frozenset(keys))

    def __len__(self) -> int:
        return len(self.emails) + len(self.phones) + len(self.row_keys)

    def names(self, contact: Mapping[str, str]) -> bool:
        if contact.get("row_key", "") in self.row_keys:
            return True
        email = normalise_email(contact.get("email"))
        if email and email in self.emails:
            return True
        for column in ("phone", "mobile"):
            phone = normalise_phone(contact.get(column))
            if phone and phone in self.phones:
                return True
        return False


EMPTY_SUPPRESSION = SuppressionList(frozenset(), frozenset(), frozenset())
