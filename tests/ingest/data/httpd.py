"""Small real HTTP(S) servers on loopback for edge cases the simulator does not play.

Each server runs a ``handle(request) -> None`` function per request and records every
request it received (path, headers, arrival time), so a test can assert what reached it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self.server.owner.requests.append(
            {"path": self.path, "headers": dict(self.headers.items()), "t": time.monotonic()}
        )
        try:
            self.server.owner.handle(self)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # helpers for handle functions ------------------------------------------------------
    def reply(
        self,
        status: int,
        body: bytes = b"",
        *,
        content_type: str = "text/csv; charset=utf-8",
        headers: dict[str, str] | None = None,
        content_length: int | bool | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if content_length is not False:
            self.send_header(
                "Content-Length", str(len(body) if content_length is None else content_length)
            )
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: LoopbackServer


class LoopbackServer:
    """A threaded HTTP server on ``host``; ``handle`` answers each request."""

    def __init__(
        self,
        handle: Callable[[Handler], None],
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handle = handle
        self.requests: list[dict[str, Any]] = []
        self.httpd = _Server((host, 0), Handler)
        self.httpd.owner = self
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.origin = f"{scheme}://{host}:{self.httpd.server_address[1]}"
        self.base_url = f"{self.origin}/jc/05113"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def black_hole(host: str = "127.0.0.1") -> tuple[socket.socket, list[socket.socket]]:
    """A listening socket that never accepts, its backlog filled: new connects hang."""
    s = socket.socket()
    s.bind((host, 0))
    s.listen(0)
    fillers = []
    for _ in range(4):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(s.getsockname())
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    return s, fillers


def make_certs(directory: Path) -> dict[str, Path]:
    """A private CA, a server certificate for 127.0.0.1 signed by it, and a self-signed one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    # Valid over a fixed span that holds any day the tests run on: the certificates do not
    # depend on the wall clock (OpenSSL checks them against it).
    valid_from = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    valid_to = dt.datetime(2099, 12, 31, tzinfo=dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def key() -> ec.EllipticCurvePrivateKey:
        return ec.generate_private_key(ec.SECP256R1())

    def cert(subject, issuer, pub, signer, *, ca: bool) -> x509.Certificate:
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(pub)
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_to)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            b = b.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return b.sign(signer, hashes.SHA256())

    ca_key, srv_key, self_key = key(), key(), key()
    ca = cert(name("jcw test CA"), name("jcw test CA"), ca_key.public_key(), ca_key, ca=True)
    srv = cert(name("127.0.0.1"), ca.subject, srv_key.public_key(), ca_key, ca=False)
    local = name("127.0.0.1")
    selfsigned = cert(local, local, self_key.public_key(), self_key, ca=False)
    pem = serialization.Encoding.PEM
    out = {}

    def write(fname: str, data: bytes) -> Path:
        p = directory / fname
        p.write_bytes(data)
        return p

    def key_pem(k) -> bytes:
        return k.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    out["ca"] = write("ca.pem", ca.public_bytes(pem))
    out["server_cert"] = write("server.pem", srv.public_bytes(pem))
    out["server_key"] = write("server.key", key_pem(srv_key))
    out["self_cert"] = write("self.pem", selfsigned.public_bytes(pem))
    out["self_key"] = write("self.key", key_pem(self_key))
    return out


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx
