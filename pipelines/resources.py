"""Resources: the register store and the delivery folders. Connections live here."""

import logging
from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from pipelines.partitions import InvalidDeliveryKeyError, valid_customer, valid_delivery_id
from pipelines.paths import outbox_dir, owner_only_folder, register_url
from register import RegisterStore, make_engine

# A register connection lost mid-query (a database restart, a cut network) fails its step,
# which the CLI reports in one line. SQLAlchemy's pool then tries to roll the dead
# connection back and logs that second failure with its traceback; with no logging set
# up (the CLI), Python printed it on stderr, 25 lines around the one line (issue 15, row
# 5). A handler here keeps it off bare stderr; logging an operator sets up still gets it.
_POOL_LOG = logging.getLogger("sqlalchemy.pool")
if not any(isinstance(h, logging.NullHandler) for h in _POOL_LOG.handlers):
    _POOL_LOG.addHandler(logging.NullHandler())


class RegisterResource(ConfigurableResource):
    """The master register store (SQLite by default, PostgreSQL in production): named by
    $TIETOHUOLTO_REGISTER_URL when the run starts, else the embedded SQLite under var/.

    Deliberately without config: a URL typed into the launchpad would keep its password
    in the run's config for good, shown by the UI to anyone who opens the run (issue 15,
    row 12); the schema now refuses it before a run is stored."""

    _store: RegisterStore | None = PrivateAttr(default=None)

    def resolved_url(self) -> str:
        # Resolved when the run starts, not when the definitions load, so that a long-lived
        # UI process follows the environment it launches runs in.
        return register_url()

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._store = RegisterStore(make_engine(self.resolved_url()))

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._store is not None:
            self._store.engine.dispose()

    @property
    def store(self) -> RegisterStore:
        if self._store is None:
            self._store = RegisterStore(make_engine(self.resolved_url()))
        return self._store


class DeliveryFolderError(Exception):
    """A delivery folder that would not be `<outbox>/<customer>/<delivery>` itself."""


class DeliveryFoldersResource(ConfigurableResource):
    """Where refreshed files, reports and manifests are delivered (per customer):
    `<outbox>/<customer>/<delivery>/`, the outbox from `$TIETOHUOLTO_OUTBOX` (default
    var/outbox). Deliberately without config: a location typed into the launchpad could
    otherwise send a delivery anywhere."""

    def root(self) -> Path:
        return outbox_dir()

    def customer_dir(self, customer: str) -> Path:
        """`<outbox>/<customer>/`, created owner-only; never a link."""
        if not valid_customer(customer):
            raise InvalidDeliveryKeyError("customer name refused as a folder name")
        try:
            return owner_only_folder(self.root(), customer)
        except NotADirectoryError:
            raise DeliveryFolderError(
                f"outbox folder of customer {customer} is a link or not a folder"
            ) from None

    def delivery_dir(self, customer: str, delivery_id: str) -> Path:
        """The delivery's folder, checked to be a direct child of the customer's outbox
        folder whatever the key said."""
        if not valid_delivery_id(delivery_id):
            raise InvalidDeliveryKeyError("delivery id refused as a folder name")
        parent = self.customer_dir(customer)
        folder = parent / delivery_id
        ensure_child(folder, parent)
        return folder


def ensure_child(path: Path, parent: Path) -> None:
    """Refuse `path` unless it is a direct child of `parent` and not a link: checked
    again right before anything is removed or renamed there."""
    real_parent = parent.resolve()
    if path.parent.resolve() != real_parent or path.name in {"", ".", ".."}:
        raise DeliveryFolderError("delivery folder would be outside its customer's outbox")
    if path.is_symlink():
        raise DeliveryFolderError("delivery folder is a link; links are never followed")
