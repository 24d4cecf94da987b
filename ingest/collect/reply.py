"""What a reply must be before its parts are trusted: headers parsed into checked values.

- ``Repr-Digest`` (RFC 9530): the SHA-256 of the report as the server sent it. A body that
  does not match was cut short or altered on the way (:func:`digest_problem`).
- ``X-Report-Revision`` and the index's ``revision``: a revision number in range
  (:func:`source_revision`), so the warehouse's ``integer`` column always holds it.
- URLs: never stored with userinfo or query values (:func:`redact_url`); a redirect that
  adds userinfo is refused (:func:`has_userinfo`).
- A reply the HTTP stack cannot parse (more header lines than it reads, a header line
  beyond its limit, no status line) is named by :func:`unreadable_cause`.

Reasons are built from header values the server sent and from sizes, never from request
objects, so no token can appear in them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import http.client
import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from ingest.core import keys
from ingest.core.errors import InvalidKey

DIGEST_ALGORITHM = "sha-256"
_BYTE_SEQUENCE = re.compile(r":([A-Za-z0-9+/]*={0,2}):", re.ASCII)
MAX_REASON = 160


class MalformedHeader(ValueError):
    """A header the contract defines, with a value that is not what the contract says."""


def repr_digest(body: bytes) -> str:
    """The ``Repr-Digest`` value of ``body``: ``sha-256=:<base64 of the SHA-256>:``."""
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")
    return f"{DIGEST_ALGORITHM}=:{digest}:"


def _sha256_member(header: str) -> bytes | None:
    """The sha-256 digest of a Repr-Digest dictionary; None if the server sent another
    algorithm only. MalformedHeader if the sha-256 member is not a 32-byte byte sequence."""
    for member in header.split(","):
        key, sep, value = member.strip().partition("=")
        if key.strip().lower() != DIGEST_ALGORITHM:
            continue
        value = value.split(";", 1)[0].strip()  # parameters carry nothing we check
        match = _BYTE_SEQUENCE.fullmatch(value) if sep else None
        try:
            digest = base64.b64decode(match.group(1), validate=True) if match else b""
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != hashlib.sha256().digest_size:
            raise MalformedHeader(f"Repr-Digest {shorten(header)!r} has no valid sha-256 value")
        return digest
    return None


def digest_problem(headers: dict[str, str], body: bytes) -> str | None:
    """Why ``body`` does not match the reply's ``Repr-Digest``, or None if it matches or the
    reply has no sha-256 digest to check (older endpoints). A body that was content-coded
    is not checked: the digest is over the coded bytes, the client keeps the decoded ones."""
    header = headers.get("repr-digest")
    if header is None or "content-encoding" in headers:
        return None
    expected = _sha256_member(header)
    if expected is None or hashlib.sha256(body).digest() == expected:
        return None
    return f"body of {len(body)} bytes does not match its Repr-Digest (cut short or altered)"


def source_revision(value: object) -> int | None:
    """``X-Report-Revision`` (or an index entry's revision) as a checked revision number, or
    None when absent. MalformedHeader naming the value when it is not 1..2^31-1."""
    if value is None:
        return None
    try:
        return keys.revision(value.strip() if isinstance(value, str) else value)
    except InvalidKey:
        raise MalformedHeader(
            f"revision {shorten(str(value))!r} is not a number from 1 to {keys.MAX_REVISION}"
        ) from None


def has_userinfo(url: str) -> bool:
    """True if ``url`` carries ``user[:password]@`` before its host."""
    parts = urlsplit(url)
    return parts.username is not None or parts.password is not None or "@" in parts.netloc


def redact_url(url: str) -> str:
    """``url`` as it may be stored: no userinfo, no fragment, every query value replaced by
    ``REDACTED`` (a bare query word, which could be a token, too)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{quote(k, safe='')}=REDACTED" if v else "REDACTED" for k, v in pairs)
    if parts.query and not pairs:
        query = "REDACTED"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def unreadable_cause(exc: BaseException) -> str | None:
    """If ``exc`` (from requests) wraps a reply http.client could not parse, say what; None
    for transport failures (reset, refused, closed before a reply), which may be retried."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, http.client.HTTPException) and not isinstance(e, ConnectionError):
            return f"{type(e).__name__}: {shorten(str(e))}"
        todo.extend(a for a in e.args if isinstance(a, BaseException))
        todo.extend(c for c in (e.__cause__, e.__context__) if c is not None)
    return None


def shorten(text: str) -> str:
    """At most :data:`MAX_REASON` characters of a value the server sent."""
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"
