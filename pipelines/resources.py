"""Resources: the register store and the delivery folders. Connections live here."""

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from pipelines.paths import outbox_dir, register_url
from register import RegisterStore, make_engine


class RegisterResource(ConfigurableResource):
    """The master register store (SQLite by default, PostgreSQL in production)."""

    url: str = Field(
        default="",
        description="SQLAlchemy URL of the register store; empty = $TIETOHUOLTO_REGISTER_URL "
        "when the run starts, else the embedded SQLite under var/.",
    )
    _store: RegisterStore | None = PrivateAttr(default=None)

    def resolved_url(self) -> str:
        # Resolved when the run starts, not when the definitions load, so that a long-lived
        # UI process follows the environment it launches runs in.
        return self.url or register_url()

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


class DeliveryFoldersResource(ConfigurableResource):
    """Where refreshed files, reports and manifests are delivered (per customer)."""

    outbox_dir: str = Field(
        default="",
        description="Root of the outbox: <outbox>/<customer>/<delivery>/; empty = var/outbox "
        "(or $TIETOHUOLTO_OUTBOX).",
    )

    def root(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else outbox_dir()

    def delivery_dir(self, customer: str, delivery_id: str) -> Path:
        return self.root() / customer / delivery_id
