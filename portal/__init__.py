"""The customers' portal and API (issue 16): log in over TLS, hand a CRM file into the
inbox, follow its delivery, take the refreshed file, report and manifest back."""

from portal.app import create_app
from portal.settings import PortalSettings
from portal.store import PortalStore

__all__ = ["PortalSettings", "PortalStore", "create_app"]
