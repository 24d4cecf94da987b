"""The landing zone: every report body as received, content-addressed and write-once.

- ``landing/objects/<sha256[:2]>/<sha256>``: the raw bytes.
- ``landing/records/<period>/<ags>/rNNNN.json``: metadata of revision N.

A revision is (kreis_ags, period, sha256). The same bytes again are the same revision; new
bytes become revision N+1. Two processes landing at once are safe: objects are created once
by ``os.link``, and a record number is claimed by ``os.link`` too; the loser of a race rescans
and either finds its bytes already landed or claims the next number.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingest.collect.client import FetchedReport
from ingest.collect.reply import redact_url
from ingest.core import keys, layout
from ingest.core import periods as periods_module
from ingest.core.clock import berlin_day
from ingest.core.errors import ChecksumMismatch, JcwError
from ingest.core.files import ContentConflict, write_json_once, write_once
from ingest.core.timeliness import first_publication

log = logging.getLogger(__name__)

MAX_LANDING_RACES = 100
CHANNELS = ("pull", "push")


@dataclass(frozen=True)
class LandingRecord:
    """Metadata of one landed revision (the JSON record, plus where it lives)."""

    kreis_ags: str
    period: str
    revision: int
    sha256: str
    size: int
    content_type: str
    fetched_at: str
    http_status: int
    etag: str | None
    last_modified: str | None
    source_revision: int | None
    url: str
    path: Path = field(compare=False)
    # When revision 1 of the report was published, as far as this fetch tells
    # (ingest.core.timeliness); None in records written before it was recorded.
    first_published_at: str | None = None
    first_published_on: str | None = None
    first_published_from: str | None = None
    # How the bytes came in: "pull" (fetched from the endpoint) or "push" (uploaded to the
    # intake gateway); records written before channels existed were all pulled.
    channel: str = "pull"

    def to_dict(self) -> dict[str, Any]:
        """The record as stored (without ``path``)."""
        d = asdict(self)
        d.pop("path")
        return d


@dataclass(frozen=True)
class LandedRevision:
    """The outcome of :func:`land`."""

    revision: int
    sha256: str
    record_path: Path
    is_new: bool


def _load_record(path: Path) -> LandingRecord:
    """The record at ``path``; its keys are checked and must match the path it lies at."""
    try:
        d = json.loads(path.read_bytes())
        record = LandingRecord(
            kreis_ags=keys.kreis_ags(d["kreis_ags"]),
            period=periods_module.parse_period(d["period"]),
            revision=keys.revision(d["revision"]),
            sha256=keys.sha256(d["sha256"]),
            size=int(d["size"]),
            content_type=d["content_type"],
            fetched_at=d["fetched_at"],
            http_status=int(d["http_status"]),
            etag=d.get("etag"),
            last_modified=d.get("last_modified"),
            source_revision=_optional_revision(d.get("source_revision")),
            url=d["url"],
            path=path,
            first_published_at=d.get("first_published_at"),
            first_published_on=d.get("first_published_on"),
            first_published_from=d.get("first_published_from"),
            channel=_channel(d.get("channel", "pull")),
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        parts = path.parts
        raise ChecksumMismatch(
            parts[-2], parts[-3], f"landing record {path.name} is unreadable ({exc})"
        ) from None
    if layout.landing_record(record.kreis_ags, record.period, record.revision) != path:
        raise ChecksumMismatch(
            record.kreis_ags,
            record.period,
            f"landing record {path} names another report "
            f"({record.kreis_ags} {record.period} revision {record.revision})",
        )
    return record


def _channel(value: object) -> str:
    if value not in CHANNELS:
        raise ValueError(f"channel {keys.show(value)} is not one of {', '.join(CHANNELS)}")
    return value  # type: ignore[return-value]


def _optional_revision(value: object) -> int | None:
    return None if value is None else keys.revision(value)


def revisions(kreis_ags: str, period: str) -> list[LandingRecord]:
    """Every landed revision of one report, oldest first."""
    d = layout.landing_record_dir(kreis_ags, period)
    if not d.is_dir():
        return []
    recs = [_load_record(p) for p in d.iterdir() if layout.revision_of(p) is not None]
    return sorted(recs, key=lambda r: r.revision)


def record(kreis_ags: str, period: str, revision: int) -> LandingRecord:
    """The landing record of one revision; ChecksumMismatch if it is unreadable."""
    return _load_record(layout.landing_record(kreis_ags, period, revision))


def has_revisions(kreis_ags: str, period: str) -> bool:
    """True if at least one revision of the report has landed."""
    d = layout.landing_record_dir(kreis_ags, period)
    return d.is_dir() and any(layout.revision_of(p) is not None for p in d.iterdir())


def latest(kreis_ags: str, period: str) -> LandingRecord | None:
    """The newest landed revision of one report, if any."""
    recs = revisions(kreis_ags, period)
    return recs[-1] if recs else None


def all_records(
    periods: Iterable[str] | None = None, *, problems: list[ChecksumMismatch] | None = None
) -> list[LandingRecord]:
    """Every landing record (optionally of some periods), by period, jobcenter, revision.

    An unreadable record raises ChecksumMismatch; with ``problems`` given, it is appended
    there instead and the records of the other reports are still returned.
    """
    root = layout.landing_records_root()
    if not root.is_dir():
        return []
    if periods is not None:
        wanted = sorted({periods_module.parse_period(p) for p in periods})
    else:
        wanted = sorted(p.name for p in root.iterdir() if _is_key_dir(p, periods_module.is_period))
    out: list[LandingRecord] = []
    for period in wanted:
        pdir = root / period
        if not pdir.is_dir():
            continue
        for agsdir in sorted(pdir.iterdir()):
            if not _is_key_dir(agsdir, keys.is_kreis_ags):
                continue
            try:
                out.extend(revisions(agsdir.name, period))
            except ChecksumMismatch as exc:
                if problems is None:
                    raise
                problems.append(exc)
    return out


def _is_key_dir(path: Path, is_key) -> bool:
    """True if ``path``'s name is a key; anything else below records/ is logged, not read."""
    if is_key(path.name):
        return True
    if not path.name.startswith("."):
        log.error("ignoring %s in the landing zone: its name is not a key", path)
    return False


def verify_all(periods: Iterable[str] | None = None) -> list[ChecksumMismatch]:
    """Re-hash every landed object (optionally of some periods); the mismatches found.

    Used before a rebuild from files: a flipped byte is reported, never repaired.
    """
    problems: list[ChecksumMismatch] = []
    for record in all_records(periods):
        try:
            read_object(record)
        except ChecksumMismatch as exc:
            problems.append(exc)
    return problems


def land(
    kreis_ags: str,
    period: str,
    fetched: FetchedReport,
    fetched_at: datetime,
    *,
    not_found_at: datetime | None = None,
    channel: str = "pull",
) -> LandedRevision:
    """Land a fetched body: store it once, record it as a new revision if its bytes are new.

    ``not_found_at`` is when a previous fetch found the report not published (a bound for
    the publication time the endpoint claims). The keys are checked before anything is
    written; the URL is stored without userinfo and with its query values redacted
    (:func:`ingest.collect.reply.redact_url`). ``channel`` is recorded with a new revision
    (the same bytes again keep the record, and the channel, of their first arrival).
    """
    kreis_ags, period = keys.kreis_ags(kreis_ags), periods_module.parse_period(period)
    channel = _channel(channel)
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    sha = hashlib.sha256(fetched.body).hexdigest()
    try:
        write_once(layout.landing_object(sha), fetched.body)
    except ContentConflict:
        raise ChecksumMismatch(
            kreis_ags,
            period,
            f"landed object {sha} no longer matches its content address",
        ) from None
    record = {**_record(kreis_ags, period, sha, fetched, fetched_at, not_found_at)}
    if channel != "pull":  # pulled records stay byte-identical to the ones written before
        record["channel"] = channel
    for _ in range(MAX_LANDING_RACES):
        recs = revisions(kreis_ags, period)
        for r in recs:
            if r.sha256 == sha:
                return LandedRevision(r.revision, sha, r.path, is_new=False)
        revision = (recs[-1].revision + 1) if recs else 1
        path = layout.landing_record(kreis_ags, period, revision)
        try:
            created = write_json_once(path, {**record, "revision": revision})
        except ContentConflict:
            continue  # another writer claimed this number first: rescan
        return LandedRevision(revision, sha, path, is_new=created)
    raise JcwError(kreis_ags, period, "could not claim a revision number (too many races)")


def _record(
    kreis_ags: str,
    period: str,
    sha: str,
    fetched: FetchedReport,
    fetched_at: datetime,
    not_found_at: datetime | None,
) -> dict[str, Any]:
    """The landing record of a fetched body (without its revision number)."""
    first_at, first_from = first_publication(
        period,
        fetched_at,
        first_published=http_date(fetched.first_published),
        last_modified=http_date(fetched.last_modified),
        source_revision=fetched.source_revision,
        not_found_at=not_found_at,
    )
    return {
        "kreis_ags": kreis_ags,
        "period": period,
        "sha256": sha,
        "size": len(fetched.body),
        "content_type": fetched.content_type,
        "fetched_at": fetched_at.isoformat(),
        "http_status": fetched.http_status,
        "etag": fetched.etag,
        "last_modified": fetched.last_modified,
        "source_revision": fetched.source_revision,
        "url": redact_url(fetched.url),
        "first_published_at": first_at.isoformat(),
        "first_published_on": berlin_day(first_at).isoformat(),
        "first_published_from": first_from,
    }


def http_date(value: str | None) -> datetime | None:
    """An HTTP date header as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def first_published_on(record: LandingRecord) -> date:
    """The German calendar day revision 1 was published, as this record knows it (records
    written before it was recorded: the day the pipeline fetched it)."""
    if record.first_published_on:
        return date.fromisoformat(record.first_published_on)
    return berlin_day(datetime.fromisoformat(record.fetched_at))


def read_object(record: LandingRecord) -> bytes:
    """The landed bytes of a revision, re-hashed; ChecksumMismatch if they changed."""
    path = layout.landing_object(record.sha256)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise ChecksumMismatch(
            record.kreis_ags,
            record.period,
            f"landed object of revision {record.revision} is missing ({record.sha256})",
        ) from None
    actual = hashlib.sha256(body).hexdigest()
    if actual != record.sha256:
        raise ChecksumMismatch(
            record.kreis_ags,
            record.period,
            f"landed object of revision {record.revision} is corrupt: sha256 is {actual}, "
            f"expected {record.sha256}",
        )
    return body
