"""Checked keys (ingest/core/keys.py) and the paths built from them (ingest/core/layout.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.core import keys, layout, periods
from ingest.core.errors import InvalidDataDir, InvalidKey

# Values from outside that must never name a file: traversal, a newline, Unicode digits
# (fullwidth, Arabic-Indic), an absolute path, the empty string, a number instead of text.
BAD_AGS = ["../../../../tmp/x", "05113\n", "０５１１３", "٠٥١١٣", "/etc", "", "0511", 5113, None]
BAD_PERIODS = ["2026-10\n", "2026-13", "../2026-10", "２０２６-１０", "٢٠٢٦-١٠", "2026-1", "", None]
BAD_REVISIONS = [0, -1, 2**31, 3_000_000_000, True, "1\n", "١", 1.0, None]

PATHS = {
    "landing_record_dir": lambda a, p: layout.landing_record_dir(a, p),
    "landing_record": lambda a, p: layout.landing_record(a, p, 1),
    "fetch_log": lambda a, p: layout.fetch_log(a, p),
    "verdict": lambda a, p: layout.verdict(a, p, 1),
    "quarantine": lambda a, p: layout.quarantine(a, p, 1),
    "accepted": lambda a, p: layout.accepted(a, p, 1),
}


@pytest.mark.parametrize("name", sorted(PATHS))
@pytest.mark.parametrize("bad", BAD_AGS)
def test_every_report_path_refuses_a_kreis_ags_that_is_not_five_ascii_digits(
    data_dir: Path, name: str, bad
) -> None:
    with pytest.raises(InvalidKey, match="kreis_ags"):
        PATHS[name](bad, "2026-10")


@pytest.mark.parametrize("name", sorted(PATHS))
@pytest.mark.parametrize("bad", BAD_PERIODS)
def test_every_report_path_refuses_a_period_that_is_not_yyyy_mm(
    data_dir: Path, name: str, bad
) -> None:
    with pytest.raises(InvalidKey, match="Berichtsmonat"):
        PATHS[name]("05113", bad)


@pytest.mark.parametrize("bad", BAD_REVISIONS)
def test_revision_file_names_refuse_a_revision_out_of_range(data_dir: Path, bad) -> None:
    for build in (layout.landing_record, layout.verdict, layout.quarantine, layout.accepted):
        with pytest.raises(InvalidKey, match="revision"):
            build("05113", "2026-10", bad)


def test_a_landed_object_is_named_by_a_sha256_only(data_dir: Path) -> None:
    good = "ab" * 32
    assert layout.landing_object(good) == data_dir / "landing" / "objects" / "ab" / good
    for bad in ("../" * 10 + "x" * 34, "AB" * 32, "ab" * 31, "ab" * 32 + "\n"):
        with pytest.raises(InvalidKey, match="sha256"):
            layout.landing_object(bad)


def test_checked_keys_pass_and_stay_below_the_data_directory(data_dir: Path) -> None:
    path = layout.accepted("05113", "2026-10", 3)
    assert path == data_dir / "accepted" / "2026-10" / "05113" / "r0003.parquet"
    assert keys.revision("12") == 12 and keys.revision(keys.MAX_REVISION) == 2**31 - 1
    assert keys.registered_ags("05113") == "05113"
    with pytest.raises(InvalidKey, match="ist kein Jobcenter des Verzeichnisses"):
        keys.registered_ags("99999")


def test_a_reporting_month_lies_between_2005_01_and_the_reference_month() -> None:
    from datetime import date

    today = date(2026, 12, 2)
    assert periods.reporting_period("2005-01", today) == "2005-01"
    assert periods.reporting_period("2026-12", today) == "2026-12"
    with pytest.raises(periods.InvalidPeriod, match="nach dem laufenden Monat 2026-12"):
        periods.reporting_period("2027-01", today)
    with pytest.raises(periods.InvalidPeriod, match="liegt vor 2005-01"):
        periods.reporting_period("2004-12", today)


def test_listing_skips_folders_whose_names_are_not_keys(data_dir: Path) -> None:
    good = layout.verdict("05113", "2026-10", 1)
    good.parent.mkdir(parents=True)
    good.write_text("{}")
    for stray in ("2026-10\n/05113/r0001.json", "2026-1x/05113/r0001.json", "2026-10/x/r0001.json"):
        path = data_dir / "validation" / stray
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert list(layout.verdict_files()) == [good]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "ist gesetzt, aber leer"),
        ("   ", "ist gesetzt, aber leer"),
        ("{file}", "ist kein Verzeichnis"),
        ("{tmp}/missing/data", "gibt es nicht, auch nicht"),
    ],
)
def test_a_data_directory_that_cannot_be_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("not a directory")
    monkeypatch.setenv("JCW_DATA_DIR", value.format(file=a_file, tmp=tmp_path))
    with pytest.raises(InvalidDataDir, match=message):
        layout.data_dir()


def test_a_new_data_directory_inside_an_existing_one_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JCW_DATA_DIR", str(tmp_path / "fresh"))
    assert layout.data_dir() == tmp_path / "fresh"
    monkeypatch.delenv("JCW_DATA_DIR")
    assert layout.data_dir().name == "data"
