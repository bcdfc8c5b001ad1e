"""The security review's findings, each as the attack it described: malformed and
truncated uploads, guesses through the password form, what a lockout tells, HEAD requests
counted as downloads, UTF-8 file names, guesses from one address, and the records' age."""

from __future__ import annotations

import pytest

from tests.portal.portal_tools import Site

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
