"""Serving the portal with uvicorn: TLS with the given pair (or the development one), and
plain HTTP only on a loopback address (behind a TLS-terminating proxy on the same host)."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

LOOPBACK_NAMES = {"localhost"}


class ServeError(ValueError):
    """A refusal to start, with one line saying why."""


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, cert: Path | None, key: Path | None) -> None:
    import uvicorn  # noqa: PLC0415 - keep `tietohuolto --help` fast

    from portal.app import create_app  # noqa: PLC0415

    if (cert is None) != (key is None):
        raise ServeError("give both --cert and --key (or --dev-cert)")
    if cert is None and not is_loopback(host):
        raise ServeError(
            f"refusing plain HTTP on {host}: passwords and customers' files go over this "
            "connection; give --cert and --key"
        )
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise ServeError(f"{path}: no such file")
    uvicorn.run(
        create_app(),
        host=host,
        port=port,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
        ssl_version=ssl.PROTOCOL_TLS_SERVER,
        # Customers' file names and ids are not for the console: errors only.
        access_log=False,
        log_level="warning",
        server_header=False,
        proxy_headers=cert is None,
        forwarded_allow_ips="127.0.0.1" if cert is None else None,
    )
