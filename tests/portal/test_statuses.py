"""What the deliveries page says about a file, from where the pipeline left it: refused
with the run's own reason, and the portal's tables on PostgreSQL as on SQLite."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipelines.cli import main
from portal import PortalStore, accounts
from tests.portal.portal_tools import PASSWORD, Site


def test_a_file_the_run_refuses_shows_refused_with_the_reason(site: Site) -> None:
    site.user("anna", "acme")
    site.login("anna")
    # A header of 2,001 columns: the reader refuses it (file, line, problem; no cell value).
    hostile = (";".join(f"sarake{i}" for i in range(2001)) + "\n" + "x;" * 2000 + "x\n").encode()
    answer = site.client.post(
        "/upload",
        data={"csrf_token": site.csrf()},
        files={"file": ("leveä.csv", hostile)},
        follow_redirects=False,
    )
    upload_page = answer.headers["location"]
    inbox = site.var / "inbox" / "acme"
    assert main(["refresh", str(inbox / "leveä.csv"), "--customer", "acme"]) == 1
    assert (inbox / "rejected" / "leveä.csv.reason.txt").is_file()
    page = site.client.get(upload_page)
    assert 'data-status="refused"' in page.text
    reason = (inbox / "rejected" / "leveä.csv.reason.txt").read_text("utf-8").strip()
    assert "2000" in reason.replace(",", "") or "2 000" in reason
    assert reason.split(":")[0] in page.text
    token = site.token("acme")
    listed = site.client.get(
        "/api/v1/deliveries", headers={"authorization": f"Bearer {token}"}
    ).json()["deliveries"]
    refused = [d for d in listed if d["status"] == "refused"]
    assert len(refused) == 1 and refused[0]["file_name"] == "leveä.csv" and refused[0]["reason"]
    # The multipart form works for the API too; a new file waits for its run.
    posted = site.client.post(
        "/api/v1/files",
        files={"file": ("seuraava.csv", b"Etunimi;Sukunimi\nA;B\n")},
        headers={"authorization": f"Bearer {token}"},
    )
    assert posted.status_code == 201
    status = site.client.get(
        posted.json()["status_url"], headers={"authorization": f"Bearer {token}"}
    ).json()
    assert status["status"] == "waiting" and status["file_name"] == "seuraava.csv"


@pytest.mark.postgres
def test_the_portal_tables_on_postgresql(postgres_url: str) -> None:
    store = PortalStore.from_url(postgres_url)
    try:
        user_id, one_time = accounts.add_user(store, "anna", "acme")
        user = store.user_by_id(user_id)
        assert user is not None and user.must_change_password
        accounts.change_password(store, user, one_time, PASSWORD)
        for _ in range(3):
            assert (
                accounts.authenticate(store, "anna", "väärä", 3, timedelta(minutes=1)).user is None
            )
        assert accounts.authenticate(store, "anna", PASSWORD, 3, timedelta(minutes=1)).locked
        accounts.reset_password(store, "anna")
        token_id, token = accounts.add_token(store, "acme", "erp", ["deliveries:read"])
        found = accounts.token_for(store, token)
        assert found is not None and found.customer == "acme"
        accounts.revoke_token(store, token_id)
        assert accounts.token_for(store, token) is None
        upload_id = store.add_upload("acme", "a.csv", "0" * 64, 10, user_id=user_id, token_id=None)
        store.link_delivery(upload_id, "2026-12-02-a-000000")
        store.record_download("acme", "2026-12-02-a-000000", "refreshed", "1" * 64,
                              user_id=user_id, token_id=None)  # fmt: skip
        assert [u.delivery_id for u in store.uploads("acme")] == ["2026-12-02-a-000000"]
        assert store.uploads("beta") == []
        events = [row["event"] for row in store.audit_rows()]
        assert events.count("account_locked") == 1 and "download" in events
    finally:
        store.engine.dispose()


def test_the_same_bytes_again_are_the_delivery_already_made(site: Site) -> None:
    """The inbox sensor makes one delivery per content and customer: a re-sent copy is
    shown as that delivery, not as waiting for ever."""
    site.user("anna", "acme")
    site.login("anna")
    inbox = site.var / "inbox" / "acme"
    answer = site.client.post(
        "/upload",
        data={"csrf_token": site.csrf()},
        files={"file": ("uudestaan.csv", (inbox / "acme-export.csv").read_bytes())},
    )
    assert answer.url.path.startswith("/deliveries/")
    assert 'data-status="delivered"' in answer.text
    listing = site.client.get("/deliveries").text
    assert listing.count('data-status="delivered"') == 1 and "delivered before" in listing
