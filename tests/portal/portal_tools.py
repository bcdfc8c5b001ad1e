"""Helpers of the portal's tests: a signed-in client, users and tokens, the delivery ids."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from starlette.testclient import TestClient

from portal import PortalSettings, PortalStore, accounts

PASSWORD = "kolme-sanaa-ja-numero-42"
CAP = 64 * 1024  # the tests' upload limit: small enough to go over quickly
CUSTOMERS = ("acme", "beta")


def portal_env(var: Path) -> dict[str, str]:
    return {
        "TIETOHUOLTO_VAR": str(var),
        "DAGSTER_HOME": str(var / "dagster"),
        "TIETOHUOLTO_REGISTER_URL": f"sqlite:///{var / 'register.sqlite'}",
    }


def delivery_id(var: Path, customer: str) -> str:
    (folder,) = [p for p in (var / "outbox" / customer).iterdir() if not p.name.startswith(".")]
    return folder.name


def manifest(var: Path, customer: str) -> dict[str, object]:
    folder = var / "outbox" / customer / delivery_id(var, customer)
    loaded: dict[str, object] = json.loads((folder / "manifest.json").read_text("utf-8"))
    return loaded


@dataclass
class Site:
    client: TestClient
    store: PortalStore
    settings: PortalSettings
    var: Path

    def user(self, username: str, customer: str, password: str = PASSWORD) -> str:
        """A user who has already changed the one-time password to `password`."""
        user_id, one_time = accounts.add_user(self.store, username, customer)
        user = self.store.user_by_id(user_id)
        assert user is not None
        accounts.change_password(self.store, user, one_time, password)
        return user_id

    def login(self, username: str, password: str = PASSWORD, client: TestClient | None = None):
        client = client or self.client
        token = login_token(client)
        return client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            follow_redirects=False,
        )

    def csrf(self, client: TestClient | None = None) -> str:
        page = (client or self.client).get("/deliveries")
        assert page.status_code == 200, page.text
        return form_token(page.text)

    def token(self, customer: str, scopes: str = "deliveries:read,files:upload") -> str:
        _, token = accounts.add_token(self.store, customer, "tests", scopes.split(","))
        return token

    def new_client(self) -> TestClient:
        return TestClient(self.client.app, base_url="https://testserver")


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login_token(client: TestClient) -> str:
    return form_token(client.get("/login").text)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}
