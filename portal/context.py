"""What every request handler shares: the settings, the store, and the customer-scoped
look-ups. Every method takes the customer of the signed-in user or token, never one
from the request."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from portal.deliveries import (
    DeliveryView,
    RunStates,
    customer_deliveries,
    find_delivery,
    find_upload,
)
from portal.limits import FailureLimiter
from portal.security import Principal
from portal.settings import PortalSettings
from portal.store import PortalStore, now_utc
from portal.uploads import Stored


def _no_runs(_customer: str) -> dict[str, str]:
    return {}


@dataclass
class Portal:
    settings: PortalSettings
    store: PortalStore
    run_states: RunStates = _no_runs
    # Failed authentications per client address (login, password form, API tokens).
    limiter: FailureLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = FailureLimiter(
            self.settings.ip_max_failures, self.settings.ip_failure_window
        )

    def forget_old(self) -> None:
        """The portal's own retention, run at each login: sessions past their limits,
        uploads past `upload_memory`, the audit and the downloads past theirs."""
        settings, moment = self.settings, now_utc()
        self.store.purge_sessions(moment - settings.session_max, moment - settings.session_idle)
        self.store.purge_uploads(moment - settings.upload_memory)
        self.store.purge_audit(moment - settings.audit_retention)
        self.store.purge_downloads(moment - settings.download_retention)

    def deliveries(self, customer: str) -> list[DeliveryView]:
        return customer_deliveries(
            self.store, self.settings.inbox, self.settings.outbox, customer, self.run_states
        )

    def delivery(self, customer: str, delivery_id: str) -> DeliveryView | None:
        return find_delivery(
            self.store, self.settings.inbox, self.settings.outbox, customer, delivery_id
        )

    def upload(self, customer: str, upload_id: str) -> DeliveryView | None:
        if len(upload_id) != 32 or not upload_id.isalnum():
            return None
        return find_upload(
            self.store,
            self.settings.inbox,
            self.settings.outbox,
            customer,
            upload_id,
            self.run_states,
        )

    def record_upload(self, principal: Principal, stored: Stored) -> str:
        upload_id = self.store.add_upload(
            principal.customer,
            stored.name,
            stored.sha256,
            stored.size,
            user_id=principal.user_id,
            token_id=principal.token_id,
        )
        self.store.audit(
            "upload",
            customer=principal.customer,
            user_id=principal.user_id,
            token_id=principal.token_id,
            object_id=upload_id,
            sha256=stored.sha256,
        )
        return upload_id


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal
