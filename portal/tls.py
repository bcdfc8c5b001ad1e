"""The development certificate: a self-signed pair for 127.0.0.1 / localhost, made with
`cryptography`, kept owner-only under `var/portal/` and reused until a day before it
expires. Production gives its own certificate and key (`--cert`, `--key`)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipelines.paths import var_dir

DEV_DAYS = 30


def dev_cert_paths(folder: Path | None = None) -> tuple[Path, Path]:
    folder = folder or var_dir() / "portal"
    return folder / "dev-cert.pem", folder / "dev-key.pem"


def _still_good(cert_path: Path) -> bool:
    with contextlib.suppress(OSError, ValueError):
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return cert.not_valid_after_utc - datetime.now(UTC) > timedelta(days=1)
    return False


def _write_private(path: Path, data: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def dev_certificate(folder: Path | None = None) -> tuple[Path, Path]:
    """(certificate, key) for local use: made if missing or near its end, else reused."""
    cert_path, key_path = dev_cert_paths(folder)
    if cert_path.is_file() and key_path.is_file() and _still_good(cert_path):
        return cert_path, key_path
    cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tietohuolto portal (development)")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=DEV_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
