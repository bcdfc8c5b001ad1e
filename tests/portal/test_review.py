"""The security review's findings, each as the attack it described: malformed and
truncated uploads, guesses through the password form, what a lockout tells, HEAD requests
counted as downloads, UTF-8 file names, guesses from one address, and the records' age."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.requests import ClientDisconnect
from starlette.testclient import TestClient

from portal import accounts, create_app
from portal.accounts import add_user, authenticate, set_disabled
from portal.limits import FailureLimiter
from portal.responses import file_response
from portal.store import PortalStore
from tests.portal.portal_tools import PASSWORD, Site, delivery_id

BOUNDARY = "----reviewtest"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _part_head(csrf: str, name: str = "crm.csv") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()


def _signed_in(site: Site) -> str:
    site.user("anna", "acme")
    assert site.login("anna").status_code == 303
    return site.csrf()


MALFORMED = {
    "no boundary at the start": b"this is no multipart body\r\n",
    "a broken part header": f"--{BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nx".encode(),
    "junk after the boundary": f"--{BOUNDARY}xyz\r\n".encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_multipart_body_is_400_and_leaves_nothing(site: Site, body: bytes) -> None:
    _signed_in(site)
    inbox = site.var / "inbox" / "acme"
    before = set(inbox.iterdir())
    page = site.client.post(
        "/upload", content=body, headers={"content-type": MULTIPART}, follow_redirects=False
    )
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    token = site.token("acme")
    api = site.client.post(
        "/api/v1/files",
        content=body,
        headers={"content-type": MULTIPART, "authorization": f"Bearer {token}"},
    )
    assert api.status_code == 400 and api.json()["error"]["status"] == 400
    assert set(inbox.iterdir()) == before


TRUNCATED = {
    "cut in the file": b"Etunimi;Sukunimi\nA;B\n",
    "cut before the closing dashes": f"Etunimi;Sukunimi\nA;B\n\r\n--{BOUNDARY}".encode(),
    "cut after a part's end": f"Etunimi;Sukunimi\nA;B\n\r\n--{BOUNDARY}\r\n".encode(),
}


@pytest.mark.parametrize("tail", TRUNCATED.values(), ids=TRUNCATED.keys())
def test_an_upload_without_its_closing_boundary_is_refused(site: Site, tail: bytes) -> None:
    csrf = _signed_in(site)
    inbox = site.var / "inbox" / "acme"
    before = set(inbox.iterdir())
    page = site.client.post(
        "/upload",
        content=_part_head(csrf) + tail,
        headers={"content-type": MULTIPART},
        follow_redirects=False,
    )
    assert page.status_code == 400, page.text
    token = site.token("acme")
    api = site.client.post(
        "/api/v1/files",
        content=_part_head("") + tail,
        headers={"content-type": MULTIPART, "authorization": f"Bearer {token}"},
    )
    assert api.status_code == 400 and api.json()["error"]["status"] == 400
    assert set(inbox.iterdir()) == before  # no file, no temporary dot-file
    assert site.store.uploads("acme") == []
    # The same body with its closing boundary is taken.
    whole = _part_head(csrf) + b"Etunimi;Sukunimi\nA;B\n" + f"\r\n--{BOUNDARY}--\r\n".encode()
    taken = site.client.post(
        "/upload", content=whole, headers={"content-type": MULTIPART}, follow_redirects=False
    )
    assert taken.status_code == 303
    assert (inbox / "crm.csv").read_bytes() == b"Etunimi;Sukunimi\nA;B\n"


def test_wrong_current_passwords_on_the_password_form_lock_the_account(site: Site) -> None:
    user_id = site.user("anna", "acme")
    assert site.login("anna").status_code == 303
    csrf = site.csrf()

    def change(current: str) -> int:
        form = {
            "csrf_token": csrf,
            "current_password": current,
            "new_password": "uusi-salasana-2026",
            "repeat_password": "uusi-salasana-2026",
        }
        return site.client.post("/password", data=form, follow_redirects=False).status_code

    for attempt in range(site.settings.max_failed_logins - 1):
        assert change(f"arvaus-{attempt}") == 400
    assert change("arvaus-viimeinen") == 403  # the last try locks
    # Locked: neither the form nor the login takes even the right password now.
    assert change(PASSWORD) == 403
    other = site.new_client()
    refused = site.login("anna", client=other)
    assert refused.status_code == 401
    events = [row["event"] for row in site.store.audit_rows() if row["user_id"] == user_id]
    assert events.count("password_failed") == site.settings.max_failed_logins - 1
    assert "account_locked" in events and "password_locked" in events
    user = site.store.user_by_id(user_id)
    assert user is not None and user.locked_until is not None


def test_a_right_current_password_starts_the_count_again(site: Site) -> None:
    user_id = site.user("anna", "acme")
    site.login("anna")
    csrf = site.csrf()
    for current in ("arvaus-1", "arvaus-2", PASSWORD):
        site.client.post(
            "/password",
            data={"csrf_token": csrf, "current_password": current, "new_password": "lyhyt",
                  "repeat_password": "lyhyt"},
        )  # fmt: skip
    user = site.store.user_by_id(user_id)
    assert user is not None and user.failed_logins == 0 and user.locked_until is None


def test_a_locked_account_answers_like_an_unknown_name(site: Site) -> None:
    site.user("anna", "acme")
    site.user("bert", "acme")
    for attempt in range(site.settings.max_failed_logins):
        site.login("anna", f"arvaus-{attempt}")
    user = site.store.user_by_name("anna")
    assert user is not None and user.locked_until is not None
    # One client, so one login form token: the pages may differ only by their reason.
    answers = {
        "locked, right password": site.login("anna", PASSWORD),
        "locked, wrong password": site.login("anna", "arvaus-x"),
        "unknown name": site.login("nobody-here", PASSWORD),
        "wrong password": site.login("bert", "arvaus-x"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert set(statuses.values()) == {401}, statuses
    texts = {answer.text for answer in answers.values()}
    assert len(texts) == 1, "the answers differ"
    assert site.client.get("/deliveries", follow_redirects=False).headers["location"] == "/login"


def test_every_refused_login_costs_one_password_hash_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timing: a locked or disabled account answered without argon2 would answer in a
    fraction of the time an unknown name takes (which is checked against a dummy hash)."""
    store = PortalStore.from_url(f"sqlite:///{tmp_path / 'portal.sqlite'}")
    _, password = add_user(store, "anna", "acme")
    add_user(store, "bert", "acme")
    set_disabled(store, "bert")
    limit, lockout = 3, timedelta(minutes=15)
    calls: list[str] = []
    real = accounts.verify_password

    def counted(password_hash: str, given: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, given)

    monkeypatch.setattr(accounts, "verify_password", counted)

    def checks(username: str, given: str) -> int:
        calls.clear()
        assert authenticate(store, username, given, limit, lockout).user is None
        return len(calls)

    assert checks("nobody-here", password) == 1
    assert checks("bert", "arvaus") == 1  # disabled
    for attempt in range(limit):
        assert checks("anna", f"arvaus-{attempt}") == 1
    assert checks("anna", password) == 1  # locked
    assert checks("anna", "arvaus") == 1


def test_a_head_request_is_no_download(site: Site) -> None:
    site.user("anna", "acme")
    site.login("anna")
    own = delivery_id(site.var, "acme")
    token = site.token("acme")
    bearer = {"authorization": f"Bearer {token}"}
    refreshed = next((site.var / "outbox" / "acme" / own).glob("*-refreshed.csv"))
    for path, headers in (
        (f"/deliveries/{own}/files/refreshed", {}),
        (f"/deliveries/{own}/report", {}),
        (f"/api/v1/deliveries/{own}/files/refreshed", bearer),
    ):
        answer = site.client.head(path, headers=headers)
        assert answer.status_code == 200, path
        assert answer.content == b""
    head = site.client.head(f"/deliveries/{own}/files/refreshed")
    assert int(head.headers["content-length"]) == refreshed.stat().st_size
    assert site.store.downloads() == []
    assert "download" not in {row["event"] for row in site.store.audit_rows()}
    # A whole GET is one download, on the page and on the API.
    assert site.client.get(f"/deliveries/{own}/files/refreshed").content == refreshed.read_bytes()
    assert site.client.get(f"/api/v1/deliveries/{own}/files/refreshed", headers=bearer).is_success
    downloads = site.store.downloads("acme")
    assert [(d["file_kind"], d["token_id"] is None) for d in downloads] == [
        ("refreshed", True),
        ("refreshed", False),
    ]


def test_a_download_cut_short_is_not_recorded(tmp_path: Path) -> None:
    path = tmp_path / "x-refreshed.csv"
    path.write_bytes(b"Etunimi;Sukunimi\n" * 100_000)  # two chunks of a MiB
    recorded: list[bool] = []
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def cut_after_one_chunk(message: dict[str, object]) -> None:
        if message["type"] == "http.response.body" and sent:
            raise OSError("the client went away")
        sent.append(message) if message["type"] == "http.response.body" else None

    response = file_response(path, path.name, on_complete=lambda: recorded.append(True))
    assert response is not None
    scope = {"type": "http", "method": "GET", "asgi": {"spec_version": "2.4"}}
    with pytest.raises(ClientDisconnect):
        asyncio.run(response(scope, receive, cut_after_one_chunk))  # type: ignore[arg-type]
    assert recorded == []

    async def whole(message: dict[str, object]) -> None:
        return None

    response = file_response(path, path.name, on_complete=lambda: recorded.append(True))
    assert response is not None
    asyncio.run(response(scope, receive, whole))  # type: ignore[arg-type]
    assert recorded == [True]


def test_an_utf8_x_file_name_keeps_its_finnish_letters(site: Site) -> None:
    token = site.token("acme")
    inbox = site.var / "inbox" / "acme"
    body = b"Etunimi;Sukunimi\nA;B\n"

    def post(name: bytes) -> dict[str, object]:
        answer = site.client.post(
            "/api/v1/files",
            content=body,
            headers={"authorization": f"Bearer {token}", "x-file-name": name},
        )
        assert answer.status_code == 201, answer.text
        answer_json: dict[str, object] = answer.json()
        return answer_json

    assert post("Yhteystiedot_äö.csv".encode())["file_name"] == "Yhteystiedot_äö.csv"
    assert (inbox / "Yhteystiedot_äö.csv").read_bytes() == body
    # RFC 5987, for clients that send ASCII headers only.
    rfc5987 = post(b"UTF-8''Yhteystiedot_%C3%A4%C3%B6.csv")
    assert rfc5987["file_name"] == "Yhteystiedot_äö-2.csv"
    # The name is still sanitised: the last component, no traversal.
    assert post("../../beta/Ääkköset.csv".encode())["file_name"] == "Ääkköset.csv"
    assert post(b"UTF-8''..%2F..%2Fbeta%2Fp%C3%A4iv%C3%A4.csv")["file_name"] == "päivä.csv"
    # Latin-1 bytes (not UTF-8) are read as before.
    assert post("vanha_ö.csv".encode("latin-1"))["file_name"] == "vanha_ö.csv"
    refused = site.client.post(
        "/api/v1/files",
        content=body,
        headers={"authorization": f"Bearer {token}", "x-file-name": b"UTF-8''%FF%FE.csv"},
    )
    assert refused.status_code == 400
    assert not (site.var / "inbox" / "beta" / "Ääkköset.csv").exists()


def test_failures_from_one_address_are_answered_429_with_retry_after(site: Site) -> None:
    site.user("anna", "acme")
    settings = replace(site.settings, ip_max_failures=3)
    app = create_app(settings, site.store)
    guesser = TestClient(app, base_url="https://testserver", client=("203.0.113.5", 40000))
    other = TestClient(app, base_url="https://testserver", client=("203.0.113.6", 40000))
    # Different names each time: the accounts' own lockout never comes into it.
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        assert site.login(name, client=guesser).status_code == 401
    refused = site.login("anna", client=guesser)  # even the right password
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert 0 < wait <= settings.ip_failure_window.total_seconds()
    assert "Try again" in refused.text
    user = site.store.user_by_name("anna")
    assert user is not None and user.failed_logins == 0  # no password was tested
    # Another address is not concerned.
    assert site.login("anna", client=other).status_code == 303
    # The API shares the count: a valid token from the refused address is refused too.
    token = site.token("acme")
    api = guesser.get("/api/v1/deliveries", headers={"authorization": f"Bearer {token}"})
    assert api.status_code == 429 and api.json()["error"]["status"] == 429
    assert int(api.headers["retry-after"]) > 0
    assert "address_throttled" in {row["event"] for row in site.store.audit_rows()}
    assert "203.0.113" not in str(site.store.audit_rows())  # addresses are not kept


def test_token_and_password_form_failures_count_per_address(site: Site) -> None:
    settings = replace(site.settings, ip_max_failures=3)
    app = create_app(settings, site.store)
    token = site.token("acme")
    api = TestClient(app, base_url="https://testserver", client=("198.51.100.7", 40000))
    for forged in ("th_0123456789abcdef_x", token[:-2] + "xx", "nothing"):
        answer = api.get("/api/v1/deliveries", headers={"authorization": f"Bearer {forged}"})
        assert answer.status_code == 401
    answer = api.get("/api/v1/deliveries", headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 429 and answer.headers["retry-after"]

    site.user("anna", "acme")
    browser = TestClient(app, base_url="https://testserver", client=("198.51.100.8", 40000))
    assert site.login("anna", client=browser).status_code == 303
    csrf = site.csrf(browser)
    form = {"csrf_token": csrf, "new_password": "uusi-salasana-2026",
            "repeat_password": "uusi-salasana-2026"}  # fmt: skip
    for guess in ("arvaus-1", "arvaus-2", "arvaus-3"):
        answer = browser.post("/password", data={**form, "current_password": guess})
        assert answer.status_code == 400
    answer = browser.post("/password", data={**form, "current_password": PASSWORD})
    assert answer.status_code == 429 and answer.headers["retry-after"]


def test_the_limiter_forgets_after_its_window_and_keeps_few_addresses() -> None:
    moment = [1000.0]
    limiter = FailureLimiter(2, timedelta(seconds=60), max_addresses=3, clock=lambda: moment[0])
    assert limiter.retry_after("a") is None
    assert limiter.failed("a") is False
    moment[0] += 10
    assert limiter.failed("a") is True
    assert limiter.retry_after("a") == 50
    moment[0] += 49.5
    assert limiter.retry_after("a") == 1
    moment[0] += 1
    assert limiter.retry_after("a") is None  # the first failure left the window
    for address in ("b", "c", "d", "e"):
        limiter.failed(address)
    assert len(limiter._failures) <= 3
    assert FailureLimiter(0, timedelta(seconds=60)).failed("a") is False  # 0: no limit


def test_old_audit_rows_and_downloads_are_purged_at_a_login(site: Site) -> None:
    from sqlalchemy import insert, select

    from portal.store import audit, downloads, now_utc

    moment = now_utc()
    old_audit = moment - site.settings.audit_retention - timedelta(days=1)
    kept_audit = moment - site.settings.audit_retention + timedelta(days=1)
    old_download = moment - site.settings.download_retention - timedelta(days=1)
    kept_download = moment - site.settings.download_retention + timedelta(days=1)
    with site.store.engine.begin() as conn:
        for when, event in ((old_audit, "old"), (kept_audit, "kept")):
            conn.execute(insert(audit).values(at=when, event=event, customer="acme"))
        for when, kind in ((old_download, "report.md"), (kept_download, "summary.json")):
            conn.execute(
                insert(downloads).values(
                    customer="acme", delivery_id="d", file_kind=kind, downloaded_at=when
                )
            )
    site.user("anna", "acme")
    assert site.login("anna").status_code == 303
    with site.store.engine.connect() as conn:
        events = {row.event for row in conn.execute(select(audit.c.event))}
        kinds = {row.file_kind for row in conn.execute(select(downloads.c.file_kind))}
    assert "old" not in events and {"kept", "login"} <= events
    assert kinds == {"summary.json"}
    # The defaults: a year of audit, the disclosure ledger's 24 months of downloads.
    assert site.settings.audit_retention == timedelta(days=365)
    assert site.settings.download_retention == timedelta(days=730)
