"""Deliveries as dynamic partitions: one per customer file, keyed `customer/delivery-id`.

A key becomes a folder (`<outbox>/<customer>/<delivery-id>/`), and anyone who reaches the
UI can add one, so every key is checked by `split_key` before it is used as a path: the
customer per `valid_customer`, the delivery id a short slug (letters, digits, `.`, `_`,
`-`; no `/`, `..`, leading dot, control characters or NUL).
"""

import re
from datetime import datetime
from pathlib import Path

from dagster import DynamicPartitionsDefinition

deliveries = DynamicPartitionsDefinition(name="deliveries")
# Selection orders (issue 17), keyed `customer/order-id` and checked by `split_key` alike.
selections = DynamicPartitionsDefinition(name="selections")

_CUSTOMER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
MAX_DELIVERY_ID = 128
_DELIVERY_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_DELIVERY_ID - 1}}}$")


class InvalidDeliveryKeyError(ValueError):
    """A partition key that cannot name a delivery folder (the key itself is not repeated:
    it may be anything someone typed)."""


def delivery_key(customer: str, path: Path, digest: str, day: datetime) -> str:
    """Stable and readable: `acme/2026-11-25-crm-3f9a1c` (customer, day, file stem, hash)."""
    stem = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in path.stem.lower())
    stem = re.sub(r"-{2,}", "-", stem).strip("-")[:40].strip("-") or "file"
    key = f"{customer}/{day:%Y-%m-%d}-{stem}-{digest[:6]}"
    split_key(key)  # by construction; a bad customer name is refused here, not as a path
    return key


def valid_customer(name: str) -> bool:
    """Customer names become folder names and partition-key prefixes."""
    return bool(_CUSTOMER.match(name))


def valid_delivery_id(delivery_id: str) -> bool:
    """A delivery id is one safe path component: no separators, `..`, NUL or controls."""
    return bool(_DELIVERY_ID.fullmatch(delivery_id)) and ".." not in delivery_id


def split_key(key: str) -> tuple[str, str]:
    """(customer, delivery id) of a partition key, both validated; a key without a customer
    is `manual`'s. Raises InvalidDeliveryKeyError for anything that is not a safe pair."""
    customer, slash, delivery = key.partition("/")
    if not slash:
        customer, delivery = "manual", key
    if not valid_customer(customer):
        raise InvalidDeliveryKeyError(
            "partition key refused: the customer part must be lower-case letters, digits, "
            "'-' and '_' (at most 63)"
        )
    if not valid_delivery_id(delivery):
        raise InvalidDeliveryKeyError(
            "partition key refused: the delivery id must be one name of letters, digits, "
            f"'.', '-' and '_' (at most {MAX_DELIVERY_ID}, no '/', '..' or leading dot)"
        )
    return customer, delivery


def valid_delivery_key(key: str) -> bool:
    try:
        split_key(key)
    except InvalidDeliveryKeyError:
        return False
    return True
