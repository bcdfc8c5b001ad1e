"""The portal as operators start it: `tietohuolto portal --dev-cert` (uvicorn over TLS),
its accounts made with `tietohuolto users`, and the API's OpenAPI document."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from pipelines.cli import main
from portal.api import routes as api_routes
from portal.openapi import OPENAPI
from tests.portal.portal_tools import PASSWORD, Site, delivery_id, form_token


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _printed_secret(out: str, label: str) -> str:
    line = next(line for line in out.splitlines() if label in line)
    return line.rsplit(" ", 1)[-1]


@pytest.fixture
def served(var: Path) -> Iterator[tuple[str, Path]]:
    """`tietohuolto portal --dev-cert` on a free port: (base URL, the certificate)."""
    port = _free_port()
    log = (var / "portal.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("tietohuolto")), "portal", "--dev-cert",
         "--port", str(port)],
        env={**os.environ, "TIETOHUOLTO_PORTAL_MAX_UPLOAD_MB": "1"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    cert = var / "portal" / "dev-cert.pem"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert process.poll() is None, (var / "portal.log").read_text()
                time.sleep(0.3)
        else:
            pytest.fail("the portal did not start in 60 s")
        yield f"https://127.0.0.1:{port}", cert
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def test_the_real_server_speaks_tls_only_with_secure_cookies(
    served: tuple[str, Path], var: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cert = served
    assert oct(cert.stat().st_mode & 0o777) == "0o600"
    assert oct((cert.parent / "dev-key.pem").stat().st_mode & 0o777) == "0o600"
    names = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert "localhost" in names.value.get_values_for_type(x509.DNSName)

    # Not trusted by default (self-signed): the connection is really TLS-checked.
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/login")
    # Plain HTTP on the TLS port gets nowhere.
    with pytest.raises(httpx.HTTPError):
        httpx.get(base.replace("https://", "http://") + "/login", timeout=5)

    context = ssl.create_default_context(cafile=str(cert))
    port = int(base.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}

    assert main(["users", "add", "anna", "--customer", "acme"]) == 0
    one_time = _printed_secret(capsys.readouterr().out, "one-time password")
    with httpx.Client(base_url=base, verify=context, follow_redirects=True) as browser:
        page = browser.get("/login")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        answer = browser.post(
            "/login",
            data={"username": "anna", "password": one_time, "csrf_token": form_token(page.text)},
        )
        cookie = next(
            value
            for name, value in answer.history[0].headers.multi_items()
            if name == "set-cookie" and value.startswith("__Host-tietohuolto=")
        )
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags
        assert answer.url.path == "/password"  # a one-time password must be changed first
        assert browser.get("/deliveries").url.path == "/password"
        changed = browser.post(
            "/password",
            data={
                "csrf_token": form_token(answer.text),
                "current_password": one_time,
                "new_password": PASSWORD,
                "repeat_password": PASSWORD,
            },
        )
        assert changed.url.path == "/login"
        browser.post(
            "/login",
            data={"username": "anna", "password": PASSWORD, "csrf_token": form_token(changed.text)},
        )
        listing = browser.get("/deliveries")
        assert delivery_id(var, "acme") in listing.text
        big = b"Etunimi;Sukunimi\n" + b"x" * (1024 * 1024 + 1)
        refused = browser.post(
            "/upload", data={"csrf_token": form_token(listing.text)}, files={"file": ("b.csv", big)}
        )
        assert refused.status_code == 413
        assert sorted(p.name for p in (var / "inbox" / "acme").iterdir()) == ["acme-export.csv"]

    assert main(["users", "token", "add", "--customer", "acme", "--label", "erp"]) == 0
    token = _printed_secret(capsys.readouterr().out, "the token")
    with httpx.Client(
        base_url=base, verify=context, headers={"authorization": f"Bearer {token}"}
    ) as api:
        posted = api.post("/api/v1/files?name=tls.csv", content=b"Etunimi;Sukunimi\nA;B\n")
        assert posted.status_code == 201
        status = api.get(posted.json()["status_url"]).json()
        assert status["status"] == "waiting" and status["file_name"] == "tls.csv"
        assert api.get("/api/openapi.json").json()["openapi"].startswith("3.")


def test_plain_http_is_refused_off_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["portal", "--host", "0.0.0.0", "--port", "1"]) == 1
    assert "refusing plain HTTP" in capsys.readouterr().err


def test_operators_manage_users_and_tokens(var: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "add", "anna", "--customer", "acme"]) == 0
    first = capsys.readouterr().out
    assert "one-time password" in first
    # The customer's name follows the inbox folders' rule (pipelines.partitions).
    for bad in ("../beta", "Acme", "a/b", ""):
        assert main(["users", "add", "bert", "--customer", bad]) == 1
    assert "lower-case letters" in capsys.readouterr().err
    assert main(["users", "add", "anna", "--customer", "beta"]) == 1  # one customer per user
    assert main(["users", "reset", "anna"]) == 0
    assert _printed_secret(capsys.readouterr().out, "one-time") != _printed_secret(
        first, "one-time"
    )
    assert main(["users", "disable", "anna"]) == 0
    assert main(["users", "token", "add", "--customer", "acme", "--label", "erp",
                 "--scopes", "deliveries:read"]) == 0  # fmt: skip
    token = _printed_secret(capsys.readouterr().out, "the token")
    assert main(["users", "token", "add", "--customer", "acme", "--label", "x",
                 "--scopes", "admin"]) == 1  # fmt: skip
    assert main(["users", "list"]) == 0
    assert main(["users", "token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "anna" in listed and "disabled" in listed and "deliveries:read" in listed
    assert token.split("_", 2)[2] not in listed  # the secret is never shown again
    import sqlite3

    with sqlite3.connect(var / "portal.sqlite") as conn:
        dumped = "\n".join(conn.iterdump())
    assert token.split("_", 2)[2] not in dumped and "$argon2id$" in dumped
    assert main(["users", "token", "revoke", token.split("_")[1]]) == 0
    assert main(["users", "token", "revoke", token.split("_")[1]]) == 1


def test_the_openapi_document_names_every_api_route(site: Site) -> None:
    served = {
        route.path.replace(":str", "") for route in api_routes if route.path.startswith("/api/v1/")
    }
    assert served == set(OPENAPI["paths"])
    docs = site.client.get("/api/docs")
    assert docs.status_code == 200
    for path in OPENAPI["paths"]:
        assert path in docs.text
    assert site.client.get("/api/v1/nothing").json() == {
        "error": {"status": 404, "message": "no such API route; see /api/docs"}
    }
