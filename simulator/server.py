"""HTTP server playing every jobcenter endpoint plus the admin endpoints (stdlib only)."""

from __future__ import annotations

import base64
import hmac
import json
import re
import socket
import sys
import threading
from datetime import date
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.faults import FaultError
from simulator.periods import is_period
from simulator.service import Served, Simulator

_REPORTS = re.compile(r"^/jc/(?P<ags>\d{5})/v1/reports(?:/(?P<period>[^/]+))?/?$")
_CHUNK = 64 * 1024


class BlackHole:
    """A listening TCP socket whose accept queue is full and never drained.

    New connections get no SYN-ACK, so a client's connect times out: a silent black hole on
    loopback. The queue is filled with our own connections, which are held open.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind((host, 0))
        self.listener.listen(0)
        self.host, self.port = self.listener.getsockname()[:2]
        self._fillers: list[socket.socket] = []
        for _ in range(4):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((self.host, self.port))
            except BlockingIOError:
                pass
            self._fillers.append(s)

    def close(self) -> None:
        """Release the sockets."""
        for s in [*self._fillers, self.listener]:
            s.close()


class SimulatorServer(ThreadingHTTPServer):
    """The HTTP server: one ``Simulator`` behind every jobcenter URL."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], simulator: Simulator, quiet: bool = True):
        super().__init__(address, Handler)
        self.simulator = simulator
        self.quiet = quiet
        self.blackhole = BlackHole(address[0] if address[0].startswith("127.") else "127.0.0.1")
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of this server."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def connections(self, base_url: str | None = None) -> dict[str, str]:
        """AIRFLOW_CONN_JC_<AGS> values; black-holed jobcenters point at the black hole."""
        base = (base_url or self.base_url).rstrip("/")
        hole = f"http://{self.blackhole.host}:{self.blackhole.port}"
        return connection_env(self.simulator, base, hole)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client hanging up (the point of several faults) is not an error worth a trace."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        """Stop stalled handlers and close the black hole as well."""
        self.stopping.set()
        self.blackhole.close()
        super().server_close()


def connection_env(simulator: Simulator, base_url: str, blackhole_url: str | None) -> dict:
    """Airflow connection environment variables for every jobcenter."""
    holes = simulator.blackholed()
    env = {}
    for ags, prof in simulator.profiles.items():
        base = blackhole_url if (ags in holes and blackhole_url) else base_url
        conn = {"conn_type": "http", "host": f"{base}/jc/{ags}", "password": prof.token}
        env[f"AIRFLOW_CONN_JC_{ags}"] = json.dumps(conn)
    return env


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the jobcenter endpoints and the admin endpoints."""

    server: SimulatorServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed
    # ACKs cost ~40 ms per keep-alive request.
    disable_nagle_algorithm = True
    server_version = "jcw-simulator/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Request log only when not quiet (the URL never contains a token)."""
        if not self.server.quiet:
            super().log_message(format, *args)

    # -- plumbing -----------------------------------------------------------------------------

    def _send(self, status: int, body: bytes = b"", ctype: str = "", headers: dict | None = None):
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: Any, headers: dict | None = None) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json", headers)

    def _error(self, status: int, message: str, headers: dict | None = None) -> None:
        self._json(status, {"error": message}, headers)

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    # -- routes -------------------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        """Report index, report, admin truth/connections/health."""
        url = urlsplit(self.path)
        if url.path.startswith("/admin/"):
            self._admin_get(url.path, parse_qs(url.query))
            return
        m = _REPORTS.match(url.path)
        if not m or m["ags"] not in self.server.simulator.profiles:
            self._error(404, "no such endpoint")
            return
        ags = m["ags"]
        if not self._authorised(ags):
            self._error(401, "invalid or missing bearer token", {"WWW-Authenticate": "Bearer"})
            return
        if m["period"] is None:
            sim = self.server.simulator
            self._json(200, sim.index(ags, sim.today()))
            return
        self._report(ags, m["period"])

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """Admin: correct, publish, advance, faults."""
        path = urlsplit(self.path).path
        if not self._loopback():
            self._error(403, "admin endpoints are loopback only")
            return
        sim = self.server.simulator
        try:
            doc = self._read_json()
            if path == "/admin/correct":
                self._json(200, sim.correct(*_fields(doc, "kreis_ags", "period")))
            elif path == "/admin/publish":
                self._json(200, sim.publish(*_fields(doc, "kreis_ags", "period")))
            elif path == "/admin/advance":
                events = sim.advance(date.fromisoformat(*_fields(doc, "today")))
                self._json(200, {"today": sim.today().isoformat(), "events": events})
            elif path == "/admin/faults":
                specs = doc.get("faults", []) if isinstance(doc, dict) else doc
                added = sim.add_faults(list(specs))
                self._json(200, {"added": [f.as_dict() for f in added]})
            else:
                self._error(404, "no such admin endpoint")
        except LookupError as e:
            self._error(409 if "not published" in str(e) else 404, str(e))
        except (FaultError, ValueError, TypeError) as e:
            self._error(400, str(e))

    def _admin_get(self, path: str, query: dict[str, list[str]]) -> None:
        if not self._loopback():
            self._error(403, "admin endpoints are loopback only")
            return
        sim = self.server.simulator
        if path == "/admin/health":
            self._json(
                200,
                {
                    "ok": True,
                    "seed": sim.seed,
                    "scale": sim.scale,
                    "today": sim.today().isoformat(),
                },
            )
        elif path == "/admin/truth":
            period = (query.get("period") or [""])[0]
            if not is_period(period):
                self._error(400, "period=YYYY-MM required")
                return
            self._json(200, sim.truth(period))
        elif path == "/admin/connections":
            base = (query.get("base_url") or [None])[0]
            self._json(200, self.server.connections(base))
        else:
            self._error(404, "no such admin endpoint")

    def _loopback(self) -> bool:
        host = self.client_address[0]
        return host.startswith("127.") or host == "::1"

    def _authorised(self, ags: str) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        expected = self.server.simulator.profiles[ags].token
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), expected)

    # -- the report endpoint with its faults -----------------------------------------------

    def _report(self, ags: str, period: str) -> None:
        sim = self.server.simulator
        if not is_period(period):
            self._error(404, f"no report for period {period!r}")
            return
        redirect = sim.fault(ags, period, "redirect_other_host")
        if redirect:
            port = self.server.server_address[1]
            location = f"http://{redirect.get('host')}:{port}{self.path}"
            self._send(302, b"", "", {"Location": location})
            return
        burst = sim.take_transient(ags, period, "http_5xx_burst")
        if burst:
            status = int(burst.get("status"))
            self._error(
                status, "temporarily unavailable", {"Retry-After": burst.get("retry_after")}
            )
            return
        limited = sim.take_transient(ags, period, "rate_limited")
        if limited:
            self._error(429, "too many requests", {"Retry-After": limited.get("retry_after")})
            return
        served = sim.latest(ags, period, sim.today())
        if served is None:
            self._error(404, f"report {period} not published")
            return
        first = sim.revisions(ags, period, sim.today())[0]
        headers = {
            "ETag": served.etag,
            "Last-Modified": format_datetime(served.published_at, usegmt=True),
            "X-Report-Revision": served.revision,
            "X-Report-First-Published": format_datetime(first, usegmt=True),
            "Cache-Control": "no-cache",
            "Repr-Digest": repr_digest(served.sha256),
        }
        if _etag_matches(self.headers.get("If-None-Match"), served.etag):
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, str(v))
            self.end_headers()
            return
        if sim.fault(ags, period, "stall_after_headers"):
            self._stall(
                served, headers, float(sim.fault(ags, period, "stall_after_headers").get("seconds"))
            )
        elif sim.fault(ags, period, "slow_trickle"):
            bps = float(sim.fault(ags, period, "slow_trickle").get("bytes_per_second"))
            self._trickle(served, headers, bps)
        elif sim.fault(ags, period, "oversized_body"):
            f = sim.fault(ags, period, "oversized_body")
            self._oversized(
                served,
                headers,
                int(float(f.get("size_mb")) * 1024 * 1024),
                bool(f.get("content_length")),
            )
        elif truncated := sim.take_transient(ags, period, "truncated_body"):
            self._truncated(served, headers, str(truncated.get("content_length")))
        else:
            self._send(200, served.body, served.content_type, headers)

    def _start_body(self, served: Served, headers: dict, length: int | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", served.content_type)
        for k, v in headers.items():
            self.send_header(k, str(v))
        if length is None:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.flush()

    def _stall(self, served: Served, headers: dict, seconds: float) -> None:
        self._start_body(served, headers, len(served.body))
        self.server.stopping.wait(seconds)
        self.close_connection = True

    def _trickle(self, served: Served, headers: dict, bytes_per_second: float) -> None:
        self._start_body(served, headers, len(served.body))
        self.close_connection = True
        try:
            for i in range(len(served.body)):
                if self.server.stopping.wait(1.0 / bytes_per_second):
                    return
                self.wfile.write(served.body[i : i + 1])
                self.wfile.flush()
        except OSError:
            return

    def _truncated(self, served: Served, headers: dict, content_length: str) -> None:
        """Half the body under a Content-Length 1 KiB beyond the whole (``overstated``), or
        the body cut inside its last field under a Content-Length that matches the cut
        (``matching``): then only the Repr-Digest of the whole body tells."""
        if content_length == "matching":
            body = served.body.rstrip(b"\r\n")[:-1]
            length = len(body)
        else:
            body, length = served.body[: len(served.body) // 2], len(served.body) + 1024
        self._start_body(served, headers, length)
        self.close_connection = True
        try:
            self.wfile.write(body)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            return

    def _oversized(self, served: Served, headers: dict, size: int, with_length: bool) -> None:
        headers = {k: v for k, v in headers.items() if k != "ETag"}
        self._start_body(served, headers, size if with_length else None)
        self.close_connection = True
        line = served.body.splitlines(keepends=True)[-1] or b"x\r\n"
        chunk = (line * (_CHUNK // len(line) + 1))[:_CHUNK]
        sent = 0
        try:
            self.wfile.write(served.body[:size])
            sent = min(len(served.body), size)
            while sent < size and not self.server.stopping.is_set():
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.flush()
        except OSError:
            return


def repr_digest(sha256_hex: str) -> str:
    """The ``Repr-Digest`` header (RFC 9530) of a body with this SHA-256."""
    return "sha-256=:" + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii") + ":"


def _fields(doc: Any, *names: str) -> list[str]:
    """Required string fields of an admin request body."""
    if not isinstance(doc, dict) or any(n not in doc for n in names):
        raise ValueError(f"request body must be a JSON object with {', '.join(names)}")
    return [str(doc[n]) for n in names]


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def serve(simulator: Simulator, host: str, port: int, quiet: bool = True) -> None:
    """Run the server until interrupted."""
    server = SimulatorServer((host, port), simulator, quiet)
    print(
        f"jcw simulator serving {len(simulator.profiles)} jobcenters on {server.base_url}",
        flush=True,
    )
    if simulator.fixed_today is None:
        threading.Thread(target=_announce, args=(server,), daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _announce(server: SimulatorServer, every_s: float = 30.0) -> None:
    """On the real clock: publish (and deliver) scheduled publications as their day arrives."""
    sim = server.simulator
    last = sim.today()
    while not server.stopping.wait(every_s):
        today = sim.today()
        if today > last:
            for ags, period in sim.scheduled_between(last, today):
                sim.publish(ags, period)
            last = today
