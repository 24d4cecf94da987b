"""Ending page sessions on the server: the markers sign-out writes and removes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from ingest.core import layout
from ingest.gateway.sessions import COOKIE, MAX_AGE_SECONDS, Sessions


def request_with(cookie: str | None = None) -> Request:
    headers = [(b"cookie", f"{COOKIE}={cookie}".encode())] if cookie else []
    scope = {"type": "http", "scheme": "http", "server": ("127.0.0.1", 80), "path": "/jobcenter"}
    return Request({**scope, "query_string": b"", "headers": headers})


def cookie_of(response: Response) -> str:
    return response.headers["set-cookie"].split(";", 1)[0].split("=", 1)[1]


def test_sign_out_keeps_live_markers_and_removes_expired_ones(data_dir: Path):
    sessions = Sessions()
    ended = layout.gateway_ended_sessions_dir()
    ended.mkdir(parents=True)
    (ended / ("a" * 64)).write_text("0")  # its cookie expired in 1970
    live = ended / ("b" * 64)
    live.write_text(str(2**40))
    (ended / ("c" * 64)).write_text("")  # a marker being written right now

    signed_in = sessions.create("05113", "abcdef123456")
    sessions.end(request_with(), Response(), signed_in)

    marker = hashlib.sha256(signed_in.csrf.encode()).hexdigest()
    assert sorted(p.name for p in ended.iterdir()) == sorted([marker, "b" * 64, "c" * 64])
    assert int((ended / marker).read_text()) > MAX_AGE_SECONDS
    assert live.read_text() == str(2**40)


def test_an_anonymous_session_leaves_no_marker(data_dir: Path):
    sessions = Sessions()
    response = Response()
    sessions.save(request_with(), response, sessions.create(None, None))
    anonymous = sessions.read(request_with(cookie_of(response)))
    assert anonymous is not None and anonymous.kreis_ags is None
    sessions.end(request_with(), Response(), anonymous)
    assert not layout.gateway_ended_sessions_dir().exists()
