"""Sessions of the jobcenter page: a signed cookie, a CSRF token per session.

The cookie ``jcw_sitzung`` holds ``{ags, key_id, csrf}`` signed with itsdangerous (HMAC
with the secret in ``gateway/session_secret``, made with mode 0600 when the gateway first
needs it and read once per process), and
the time it was signed: after :data:`MAX_AGE_SECONDS` it is no longer accepted. It never
holds the delivery key; ``key_id`` (a prefix of the key's hash) lets every request check
that the key the person signed in with is still valid, so revoking a key ends its sessions.
Signing out ends the session on the server too: a marker named by the hash of its CSRF
token (``gateway/ended_sessions/``, holding when the cookie expires at the latest) refuses
a copy of the cookie kept from before; markers go once their cookies would have expired.
A visitor who is not signed in gets an anonymous session with only a CSRF token, so the
sign-in form is protected too. Flags: ``HttpOnly``, ``SameSite=Lax``, ``Path=/jobcenter``
and ``Secure`` whenever the request came over https.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from ingest.core import files, keys, layout
from ingest.core.errors import InvalidKey
from ingest.gateway import credentials

COOKIE = "jcw_sitzung"
COOKIE_PATH = "/jobcenter"
MAX_AGE_SECONDS = 8 * 3600  # one working day
_SALT = "jcw-jobcenter-page"


@dataclass(frozen=True)
class Session:
    """Who is signed in (``kreis_ags`` None: nobody yet) and the session's CSRF token."""

    kreis_ags: str | None
    key_id: str | None
    csrf: str

    def csrf_ok(self, presented: object) -> bool:
        """True if ``presented`` is this session's token (constant-time comparison)."""
        if not isinstance(presented, str) or not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8"), self.csrf.encode("utf-8"))


def secret() -> bytes:
    """The signing secret, created (0600, exclusively) if it does not exist yet."""
    path = layout.gateway_session_secret()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    value = secrets.token_hex(32).encode("ascii")
    try:
        os.write(fd, value)
    finally:
        os.close(fd)
    return value


class Sessions:
    """Reads and writes the session cookie."""

    def __init__(self) -> None:
        self._signers: dict[str, URLSafeTimedSerializer] = {}

    @property
    def _signer(self) -> URLSafeTimedSerializer:
        """The signer of the current data directory's secret (read once per directory)."""
        where = str(layout.gateway_session_secret())
        if where not in self._signers:
            self._signers[where] = URLSafeTimedSerializer(secret(), salt=_SALT)
        return self._signers[where]

    def read(self, request: Request) -> Session | None:
        """The request's valid session, or None (absent, forged, expired, key revoked)."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            doc = self._signer.loads(raw, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("csrf"), str):
            return None
        ags, key_id = doc.get("ags"), doc.get("key_id")
        if ags is None:
            return Session(None, None, doc["csrf"])
        try:
            ags = keys.registered_ags(ags)
        except InvalidKey:
            return None
        if not isinstance(key_id, str) or not credentials.key_id_valid(ags, key_id):
            return None
        if _ended_marker(doc["csrf"]).exists():
            return None
        return Session(ags, key_id, doc["csrf"])

    @staticmethod
    def create(kreis_ags: str | None, key_id: str | None) -> Session:
        """A new session with a new CSRF token (not yet sent: :meth:`save`)."""
        return Session(kreis_ags, key_id, secrets.token_urlsafe(32))

    def save(self, request: Request, response: Response, session: Session) -> None:
        """Send ``session`` as the response's cookie."""
        doc = {"ags": session.kreis_ags, "key_id": session.key_id, "csrf": session.csrf}
        response.set_cookie(
            COOKIE,
            self._signer.dumps(doc),
            max_age=MAX_AGE_SECONDS,
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def end(self, request: Request, response: Response, session: Session) -> None:
        """End ``session`` on the server (a signed-in one) and remove the cookie."""
        if session.kreis_ags is not None:
            self._mark_ended(session.csrf)
        response.delete_cookie(
            COOKIE,
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def _mark_ended(self, csrf: str) -> None:
        """Write the session's marker; remove the markers whose cookies have expired.

        Expiry is read from the signer's own clock, the one that expires the cookies.
        """
        now = self._signer.make_signer(_SALT).get_timestamp()
        marker = _ended_marker(csrf)
        files.replace_atomic(marker, str(now + MAX_AGE_SECONDS).encode("ascii"))
        for old in marker.parent.iterdir():
            if files.is_temp(old):
                continue  # another sign-out is writing its marker
            try:
                expired = int(old.read_text(encoding="ascii")) < now
            except (OSError, ValueError):
                continue  # gone already, or not a marker
            if expired:
                old.unlink(missing_ok=True)


def _ended_marker(csrf: str) -> Path:
    """The marker of a session ended by signing out: named by its CSRF token's hash."""
    name = hashlib.sha256(csrf.encode("utf-8")).hexdigest()
    return layout.gateway_ended_sessions_dir() / name
