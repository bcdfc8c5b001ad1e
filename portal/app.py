"""The portal as an ASGI application: the customers' pages, the API and the stylesheet."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from portal import api, web
from portal.context import Portal
from portal.deliveries import RunStates
from portal.security import SecurityHeaders
from portal.settings import PortalSettings
from portal.store import PortalStore


def create_app(
    settings: PortalSettings | None = None,
    store: PortalStore | None = None,
    run_states: RunStates | None = None,
) -> Starlette:
    """The app for `settings` (default: from the environment). Run states come from the
    Dagster instance unless the settings say not to ask it."""
    settings = settings or PortalSettings.from_environment()
    store = store or PortalStore.from_url(settings.database_url)
    if run_states is None and settings.dagster_runs:
        from portal.runs import dagster_run_states  # noqa: PLC0415 - imports dagster

        run_states = dagster_run_states
    app = Starlette(
        routes=[
            *web.routes,
            *api.routes,
            Mount("/static", StaticFiles(directory=Path(__file__).parent / "static")),
        ],
        exception_handlers={HTTPException: api.json_errors},
    )
    portal = Portal(settings, store)
    if run_states is not None:
        portal.run_states = run_states
    app.state.portal = portal
    app.add_middleware(SecurityHeaders)
    return app
