"""The monthly national report (German): HTML with charts, its PDF, one profile per jobcenter.

Every figure is read from the published snapshot ``warehouse/jobcenters.duckdb``
(:mod:`ingest.report.data`), drawn (:mod:`ingest.report.charts`), rendered
(:mod:`ingest.report.render`) and printed (:mod:`ingest.report.pdf`).

Output, below ``<JCW_DATA_DIR>/docs/report/<period>/`` unless ``out_dir`` is given:
``bericht_<period>.html``, ``bericht_<period>.pdf``, ``jobcenter/<kreis_ags>.html``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.core import layout, periods
from ingest.report.data import ReportData, ReportFailed, load
from ingest.report.pdf import print_pdf
from ingest.report.render import (
    profile_charts,
    render_national,
    render_profile,
    render_profile_book,
)
from ingest.warehouse.snapshot import connect, query, snapshot_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportPaths:
    """Where the report was written. ``pdf`` is None when no PDF engine was available;
    ``pdf_problem`` then says why."""

    html: Path
    pdf: Path | None
    profiles_dir: Path
    pdf_problem: str | None = None
    profiles_pdf: Path | None = None


def default_out_dir(period: str) -> Path:
    """``<JCW_DATA_DIR>/docs/report/<period>``."""
    return layout.docs_dir("report") / period


def _write(path: Path, text: str) -> None:
    """Write text to a temp name beside ``path`` and move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def generate(
    period: str,
    *,
    out_dir: Path | None = None,
    snapshot: Path | None = None,
    pdf: bool = True,
) -> ReportPaths:
    """Write the national report of ``period`` (HTML + PDF) and one profile per jobcenter.

    Reads the published snapshot (``snapshot`` or ``warehouse/jobcenters.duckdb``).
    Raises ReportFailed for a malformed period, a missing snapshot or a month without data.
    """
    if not periods.is_period(period):
        raise ReportFailed(None, str(period), "not a reporting month YYYY-MM")
    data = _read(period, snapshot or snapshot_path())
    out = Path(out_dir) if out_dir is not None else default_out_dir(period)
    profiles_dir = out / "jobcenter"
    html_path = out / f"bericht_{period}.html"
    book_path = profiles_dir / f"profile_{period}.html"
    _write(html_path, render_national(data))
    charts = profile_charts(data)
    for jc in data.jobcenters:
        ags = jc["kreis_ags"]
        _write(profiles_dir / f"{ags}.html", render_profile(data, jc, charts[ags]))
    _write(book_path, render_profile_book(data, charts))
    pdf_path: Path | None = None
    book_pdf: Path | None = None
    problem: str | None = None
    if pdf:
        pdf_path = out / f"bericht_{period}.pdf"
        book_pdf = profiles_dir / f"profile_{period}.pdf"
        for stale in (pdf_path, book_pdf):  # never leave a PDF of older figures beside the HTML
            stale.unlink(missing_ok=True)
        problem = print_pdf(html_path, pdf_path) or print_pdf(book_path, book_pdf)
        if problem:
            log.warning("%s: %s", period, problem)
        pdf_path = pdf_path if pdf_path.exists() else None
        book_pdf = book_pdf if book_pdf.exists() else None
    log.info("report %s written to %s", period, html_path)
    return ReportPaths(html_path, pdf_path, profiles_dir, problem, book_pdf)


def _read(period: str, path: Path) -> ReportData:
    """Every figure of the report from the snapshot at ``path``; ReportFailed naming why not."""
    import duckdb

    if not path.exists():
        raise ReportFailed(None, period, f"no published snapshot at {path}")
    try:
        with connect(path) as con:
            return load(con, period)
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportFailed(None, period, f"reading {path} failed: {first_line}") from exc


def latest_period(path: Path | None = None) -> str:
    """The latest month with data in the published snapshot."""
    path = path or snapshot_path()
    if not path.exists():
        raise ReportFailed(None, None, f"no published snapshot at {path}")
    [(latest,)] = query("select max(period) from national_month", path=path)
    if latest is None:
        raise ReportFailed(None, None, "the published snapshot has no month with data")
    return latest


def generate_latest(*, out_dir: Path | None = None) -> ReportPaths:
    """The report of the latest month in the published snapshot (run after each publish)."""
    return generate(latest_period(), out_dir=out_dir)
