"""Deliveries as dynamic partitions: one per customer file, keyed `customer/delivery-id`."""

import re
from datetime import datetime
from pathlib import Path

from dagster import DynamicPartitionsDefinition

deliveries = DynamicPartitionsDefinition(name="deliveries")

_CUSTOMER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def delivery_key(customer: str, path: Path, digest: str, day: datetime) -> str:
    """Stable and readable: `acme/2026-11-25-crm-3f9a1c` (customer, day, file stem, hash)."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in path.stem.lower()).strip("-")
    stem = re.sub(r"-{2,}", "-", stem)[:40] or "file"
    return f"{customer}/{day:%Y-%m-%d}-{stem}-{digest[:6]}"


def split_key(key: str) -> tuple[str, str]:
    """(customer, delivery id) of a partition key; a key without a customer is `manual`."""
    customer, _, delivery = key.partition("/")
    return (customer, delivery) if delivery else ("manual", customer)


def valid_customer(name: str) -> bool:
    """Customer names become folder names and partition-key prefixes."""
    return bool(_CUSTOMER.match(name))
