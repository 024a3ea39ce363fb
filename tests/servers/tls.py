"""A throwaway certificate authority for the test servers, so clients verify TLS exactly as in production.

    context = server_context()            # ssl.SSLContext for a server on 127.0.0.1 / localhost
    bundle = ca_bundle()                  # path of the CA's PEM file, for clients (`verify=bundle`)

One CA per test session (trustme); the files live in a temporary folder that is removed at exit. Clients are
never told to skip verification: they trust this CA the way a company trusts its own.
"""

from __future__ import annotations

import atexit
import shutil
import ssl
import tempfile
from functools import cache
from pathlib import Path

import trustme

HOSTS = ("127.0.0.1", "localhost")


@cache
def _authority() -> tuple[trustme.CA, trustme.LeafCert, Path]:
    ca = trustme.CA()
    leaf = ca.issue_cert(*HOSTS)
    folder = Path(tempfile.mkdtemp(prefix="arcollect-tls-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    return ca, leaf, folder


def ca_bundle() -> str:
    """Path of the test CA certificate (PEM) — what a client passes as its CA bundle."""
    return str(_authority()[2] / "ca.pem")


def server_pem() -> str:
    """Path of the server's private key + certificate chain (PEM), valid for 127.0.0.1 and localhost."""
    return str(_authority()[2] / "server.pem")


def server_context() -> ssl.SSLContext:
    """An SSL context for a test server."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(server_pem())
    return context


def client_context() -> ssl.SSLContext:
    """An SSL context for a client that trusts only the test CA (verification on, hostname checked)."""
    return ssl.create_default_context(cafile=ca_bundle())
