"""The layout of the data directory: the one module that knows where each kind of file lives.

Every path below ``JCW_DATA_DIR`` (default ``data/`` below the project root) is built here;
the stage that writes a kind of file reads and writes it through these functions, and every
other module asks that stage. See docs/architecture.md for what each file holds.

    landing/objects/<sha[:2]>/<sha>                raw report bytes          collect.landing
    landing/records/<period>/<ags>/rNNNN.json      one record per revision   collect.landing
    fetch_log/<period>/<ags>.json                  last fetch outcome        collect.fetch_log
    events/, events/{inbox,done,invalid}/          event files               collect.events
    validation/<period>/<ags>/rNNNN.json           every verdict             validate.store
    quarantine/<period>/<ags>/rNNNN.json           rejected revisions        validate.store
    history/<period>/<ags>/rNNNN.json              history rules re-checked  validate.store
    accepted/<period>/<ags>/rNNNN.parquet          accepted canonical rows   validate.store
    outbox/{pending,sent}/<key>.eml                alert mail                notify.outbox
    mail/                                          Maildir of the local SMTP sink
    warehouse/                                     dbt build, BI snapshot    warehouse
    docs/{validation,dbt,report}/                  generated pages
    airflow/                                       AIRFLOW_HOME of the embedded default

Every function that puts a key into a path checks it first (:mod:`ingest.core.keys`): a
``kreis_ags`` of five ASCII digits, a period ``YYYY-MM``, a revision 1..2^31-1, a SHA-256 in
hex. A ``../``, a newline or a Unicode digit raises :class:`~ingest.core.errors.InvalidKey`
instead of naming a file, so nothing is written or read outside the data directory. The
functions that list files skip (and log) names that are not keys.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ingest.core import keys, settings
from ingest.core.errors import InvalidDataDir
from ingest.core.periods import is_period, parse_period

log = logging.getLogger(__name__)

DATA_DIR_ENV = "JCW_DATA_DIR"
REVISION_FILE = re.compile(r"r([0-9]{4,10})\.(json|parquet)", re.ASCII)
OUTBOX_KINDS = ("pending", "sent")
DOCS_KINDS = ("validation", "dbt", "report")


def data_dir() -> Path:
    """Root of every file the product writes (landing zone, results, warehouse, mail).

    ``JCW_DATA_DIR``, else ``data/`` below the project root. InvalidDataDir if the variable
    is set but empty (which would mean the current directory), names something that is not
    a directory, or a missing directory whose parent is missing too (a typo).
    """
    configured = os.environ.get(DATA_DIR_ENV)
    if configured is None:
        return (settings.PROJECT_ROOT / "data").resolve()
    if not configured.strip():
        raise InvalidDataDir(
            f"{DATA_DIR_ENV} ist gesetzt, aber leer: auf das Datenverzeichnis setzen "
            f"(oder entfernen für {settings.PROJECT_ROOT / 'data'})"
        )
    path = Path(configured).resolve()
    if path.is_dir():
        return path
    if path.exists():
        raise InvalidDataDir(f"{DATA_DIR_ENV}={configured!r} ist kein Verzeichnis")
    if not path.parent.is_dir():
        raise InvalidDataDir(
            f"{DATA_DIR_ENV}={configured!r} gibt es nicht, auch nicht {path.parent} darüber"
        )
    return path


def revision_name(revision: int, suffix: str = ".json") -> str:
    """``r0003.json``: the file name of a revision (1..2^31-1)."""
    return f"r{keys.revision(revision):04d}{suffix}"


def revision_of(path: Path) -> int | None:
    """The revision number of a revision file name, or None for any other name."""
    match = REVISION_FILE.fullmatch(path.name)
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------- landing


def landing_dir() -> Path:
    return data_dir() / "landing"


def landing_object(sha256: str) -> Path:
    """Where the bytes with this hash live."""
    sha256 = keys.sha256(sha256)
    return landing_dir() / "objects" / sha256[:2] / sha256


def landing_records_root() -> Path:
    return landing_dir() / "records"


def landing_record_dir(kreis_ags: str, period: str) -> Path:
    return landing_records_root() / parse_period(period) / keys.kreis_ags(kreis_ags)


def landing_record(kreis_ags: str, period: str, revision: int) -> Path:
    return landing_record_dir(kreis_ags, period) / revision_name(revision)


def fetch_log(kreis_ags: str, period: str) -> Path:
    return data_dir() / "fetch_log" / parse_period(period) / f"{keys.kreis_ags(kreis_ags)}.json"


def events_dir() -> Path:
    """Where event files arrive; ``inbox/``, ``done/`` and ``invalid/`` lie below it."""
    return data_dir() / "events"


# --------------------------------------------------------------------------- gateway


def gateway_dir() -> Path:
    """The intake gateway's files: ``keys/``, ``secrets/``, ``attempts/``, ``notices/``,
    ``ended_sessions/``, ``session_secret``."""
    return data_dir() / "gateway"


def gateway_keys(kreis_ags: str) -> Path:
    """Hashes of a jobcenter's delivery keys (never the keys)."""
    return gateway_dir() / "keys" / f"{keys.kreis_ags(kreis_ags)}.json"


def gateway_secrets(kreis_ags: str) -> Path:
    """A jobcenter's signing secrets for notices (readable by the gateway only, mode 0600)."""
    return gateway_dir() / "secrets" / f"{keys.kreis_ags(kreis_ags)}.json"


def gateway_attempts(day: date) -> Path:
    """Every request to the gateway on one German calendar day, one JSON line each."""
    return gateway_dir() / "attempts" / f"{day.isoformat()}.jsonl"


def gateway_session_secret() -> Path:
    """The key that signs the jobcenter page's session cookies (mode 0600, made on first use)."""
    return gateway_dir() / "session_secret"


def gateway_ended_sessions_dir() -> Path:
    """One marker file per page session ended by signing out (named by a hash, holding
    when the session's cookie expires at the latest)."""
    return gateway_dir() / "ended_sessions"


def gateway_notices_dir() -> Path:
    """One empty marker file per accepted notice id (duplicates are dropped by it)."""
    return gateway_dir() / "notices"


# --------------------------------------------------------------------------- validation


def validation_root() -> Path:
    return data_dir() / "validation"


def verdict(kreis_ags: str, period: str, revision: int) -> Path:
    return _report_dir(validation_root(), kreis_ags, period) / revision_name(revision)


def _report_dir(root: Path, kreis_ags: str, period: str) -> Path:
    """``<root>/<period>/<kreis_ags>`` with both keys checked."""
    return root / parse_period(period) / keys.kreis_ags(kreis_ags)


def _is_report_file(path: Path) -> bool:
    """True for ``<period>/<ags>/rNNNN.*`` with keys for names; other names are logged."""
    ok = (
        revision_of(path) is not None
        and keys.is_kreis_ags(path.parent.name)
        and is_period(path.parent.parent.name)
    )
    if not ok and not path.name.startswith("."):
        log.error("ignoring %s: its folders or name are not <period>/<kreis_ags>/rNNNN", path)
    return ok


def verdict_files(period: str | None = None, *, root: Path | None = None) -> Iterator[Path]:
    """Every verdict file (of one period), in name order; temp files left out.

    ``root`` is the validation folder (default: the data directory's).
    """
    root = root or validation_root()
    pattern = f"{parse_period(period)}/*/r*.json" if period else "*/*/r*.json"
    for path in sorted(root.glob(pattern)) if root.is_dir() else []:
        if _is_report_file(path):
            yield path


def verdict_period(path: Path) -> str:
    """The period of a verdict file (its folder ``validation/<period>/<ags>/``)."""
    return path.parent.parent.name


def history_check(kreis_ags: str, period: str, revision: int) -> Path:
    """The latest re-check of a revision's history rules (its previous month came later)."""
    return data_dir() / "history" / period / kreis_ags / revision_name(revision)


def history_check_files() -> Iterator[Path]:
    root = data_dir() / "history"
    for path in sorted(root.glob("*/*/r*.json")) if root.is_dir() else []:
        if revision_of(path) is not None:
            yield path


def quarantine(kreis_ags: str, period: str, revision: int) -> Path:
    return _report_dir(data_dir() / "quarantine", kreis_ags, period) / revision_name(revision)


def accepted_root() -> Path:
    return data_dir() / "accepted"


def accepted(kreis_ags: str, period: str, revision: int) -> Path:
    return _report_dir(accepted_root(), kreis_ags, period) / revision_name(revision, ".parquet")


def accepted_files(kreis_ags: str | None = None) -> Iterator[tuple[str, str, int, Path]]:
    """``(kreis_ags, period, revision, path)`` of every accepted file (of one jobcenter)."""
    root = accepted_root()
    ags = keys.kreis_ags(kreis_ags) if kreis_ags is not None else "*"
    for path in root.glob(f"*/{ags}/r*.parquet") if root.is_dir() else []:
        if _is_report_file(path):
            yield path.parent.name, path.parent.parent.name, revision_of(path), path


# --------------------------------------------------------------------------- the rest


def outbox_dir() -> Path:
    return data_dir() / "outbox"


def outbox(kind: str) -> Path:
    """``outbox/pending`` or ``outbox/sent``."""
    if kind not in OUTBOX_KINDS:
        raise ValueError(f"outbox kind {kind!r} is not one of {OUTBOX_KINDS}")
    return outbox_dir() / kind


def maildir() -> Path:
    """The Maildir of the local SMTP sink (embedded default only)."""
    return data_dir() / "mail"


def warehouse_dir() -> Path:
    """The dbt build database, its artifacts and the published snapshot."""
    return data_dir() / "warehouse"


def backfill_state(first: str, last: str) -> Path:
    """Where ``jcw backfill FIRST..LAST`` notes whether its build and publication are done."""
    return data_dir() / "backfill" / f"{first}..{last}.json"


def docs_dir(kind: str) -> Path:
    """Generated pages: ``validation``, ``dbt`` or ``report``."""
    if kind not in DOCS_KINDS:
        raise ValueError(f"docs kind {kind!r} is not one of {DOCS_KINDS}")
    return data_dir() / "docs" / kind


def airflow_dir() -> Path:
    """AIRFLOW_HOME of the embedded default; also holds the warehouse watermark."""
    return data_dir() / "airflow"
