"""Reports that once broke the checker or slipped through it, on the real validation path.

Each report is landed (ingest.collect.landing) and validated by ``process_pending`` with the
real parser and the real Great Expectations suites, next to good reports of other jobcenters.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date
from pathlib import Path

import pytest

from ingest.core import settings
from ingest.validate import checks, run
from tests.expectations.factory import valid_report
from tests.ingest.data import reports
from tests.ingest.validate.test_validate import NOW, _csv, _land, _rules_of, _set

PERIOD = "2026-10"
TODAY = date(2026, 11, 21)
# Good reports beside the bad ones: they must be validated as if nothing happened.
GOOD = ("01054", "05113")


@pytest.fixture(autouse=True)
def reference_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JCW_TODAY", TODAY.isoformat())


def verdict_of(data_dir: Path, ags: str, period: str = PERIOD) -> dict:
    return json.loads((data_dir / "validation" / period / ags / "r0001.json").read_text())


def _json_body(ags: str, **cells) -> bytes:
    rows = reports.rows_for(ags, PERIOD, n=1)
    rows[0].update(cells)
    return reports.json_report(rows)


# The inputs that each aborted the whole validation run before (issue 15), and the finding
# each one gets now.
CRASHERS = {
    "03157": ("text/csv", b"\x1c\x1d", "parse_no_header", None),
    "03159": ("application/json", b"[" * 10_000 + b"]" * 10_000, "parse_invalid_json", None),
    "03356": ("application/json", None, "parse_count_too_large", "elb"),
    "03357": ("application/json", None, "parse_money_too_large", "leistungen_unterkunft_eur"),
    "03358": (
        "text/csv",
        b"kreis_ags," + b"x" * (4 * 1024 * 1024) + b"\n",
        "parse_broken_csv",
        None,
    ),
}


def test_one_report_that_breaks_the_checker_is_rejected_alone_and_the_others_go_on(
    data_dir: Path,
) -> None:
    """Row 27: a report the checker cannot handle (here: landed for a jobcenter the registry
    does not know, so the suites raise KeyError) is rejected as internal_error naming the
    exception class, the team gets the rejection mail, the five inputs that used to abort
    the whole run get their own findings, and the good reports are accepted."""
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport

    for ags in GOOD:
        _land(ags, PERIOD, _csv(valid_report(ags, PERIOD)))
    _land("17001", PERIOD, _csv(valid_report("05113", PERIOD).assign(kreis_ags="17001")))
    for ags, (ctype, body, _rule, _column) in CRASHERS.items():
        if body is None:
            cells = {"elb": 10**20} if "count" in _rule else {"leistungen_unterkunft_eur": 1e30}
            body = _json_body(ags, **cells)
        fetched = FetchedReport(body, ctype, None, None, 1, 200, "http://127.0.0.1:1/")
        landing.land(ags, PERIOD, fetched, NOW)

    counts = run.process_pending(now=NOW)

    assert (counts["accepted"], counts["rejected"]) == (2, 1 + len(CRASHERS))
    for ags in GOOD:
        assert verdict_of(data_dir, ags)["verdict"] == "accepted"
    unknown = verdict_of(data_dir, "17001")
    assert (unknown["verdict"], _rules_of(unknown["findings"])) == ("rejected", ["internal_error"])
    finding = unknown["findings"][0]
    assert finding["rows"] == [
        {"row": None, "gemeinde_ags": None, "column": None, "value": "KeyError"}
    ]
    assert "Fehlerart: KeyError" in finding["message"] and "Traceback" not in finding["message"]
    for ags, (_ctype, _body, rule, column) in CRASHERS.items():
        verdict = verdict_of(data_dir, ags)
        assert _rules_of(verdict["findings"]) == [rule], ags
        assert verdict["findings"][0]["rows"][0]["column"] == column
    mails = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((data_dir / "outbox" / "pending").glob("*.eml"))
    ]
    to_team = [m for m in mails if "17001" in m["Subject"]]
    assert [m["To"] for m in to_team] == [settings.TEAM_EMAIL]
    assert "internal_error" in to_team[0].get_body().get_content()


def test_when_every_report_breaks_the_checker_nothing_is_rejected(data_dir: Path) -> None:
    """The system's fault, not the reports': the run fails and no jobcenter is told."""
    for ags in ("17001", "17002"):
        _land(ags, PERIOD, _csv(valid_report("05113", PERIOD).assign(kreis_ags=ags)))
    with pytest.raises(RuntimeError, match="every one of 2 reports failed internally"):
        run.process_pending(now=NOW)
    assert not (data_dir / "validation").exists()
    assert not (data_dir / "outbox").exists()


# -- row 30: values that used to be accepted ----------------------------------------------------


def _nan_in(ags: str, column: str) -> bytes:
    """A JSON report whose ``column`` holds NaN (not a JSON number)."""
    rows = reports.rows_for(ags, PERIOD, n=1)
    text = reports.json_report(rows).decode()
    return text.replace(f'"{column}": {rows[0][column]},', f'"{column}": NaN,', 1).encode()


def _german_with(ags: str, column: str, text: str) -> bytes:
    rows = reports.rows_for(ags, PERIOD, n=2)
    rows[1][column] = text
    return reports.german_csv(rows, bom=True)


HOSTILE = [
    # (jobcenter, content type, body, rule, column, value shown)
    (
        "03157",
        reports.CSV_DE,
        _german_with("03157", "elb", "１２３"),
        "parse_not_integer",
        "elb",
        "１２３",
    ),
    (
        "03159",
        reports.CSV_DE,
        _german_with("03159", "nef", "٤٥٦"),
        "parse_not_integer",
        "nef",
        "٤٥٦",
    ),
    (
        "03356",
        reports.CSV_DE,
        _german_with("03356", "gemeinde_name", "Bad\x00Stadt"),
        "parse_control_character",
        "gemeinde_name",
        "Bad\\x00Stadt",
    ),
    (
        "03357",
        reports.JSON,
        _json_body("03357").replace(b'"elb": ', b'"elb": 1, "elb": ', 1),
        "parse_duplicate_key",
        "elb",
        "elb",
    ),
    ("03358", reports.JSON, _nan_in("03358", "nef"), "parse_not_integer", "nef", "NaN"),
    ("03361", reports.JSON, _json_body("03361", elb=2**53), "parse_count_too_large", "elb", 2**53),
]


def test_hostile_values_are_rejected_naming_the_column(data_dir: Path) -> None:
    """Row 30: fullwidth and Arabic-Indic digits, a NUL in a name, a JSON key twice, NaN, a
    count of 2^53: each report rejected, its finding names the column and shows the value;
    a good report validated in the same run is accepted."""
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport

    for ags, ctype, body, *_ in HOSTILE:
        fetched = FetchedReport(body, ctype, None, None, 1, 200, "http://h/")
        landing.land(ags, PERIOD, fetched, NOW)
    _land(GOOD[1], PERIOD, _csv(valid_report(GOOD[1], PERIOD)))
    assert run.process_pending(now=NOW)["accepted"] == 1
    for ags, _ctype, _body, rule, column, value in HOSTILE:
        verdict = verdict_of(data_dir, ags)
        assert verdict["verdict"] == "rejected", rule
        [finding] = [f for f in verdict["findings"] if f["rule"] == rule]
        assert (finding["rows"][0]["column"], finding["rows"][0]["value"]) == (column, value)


def test_a_report_for_a_month_after_the_reference_month_is_rejected(data_dir: Path) -> None:
    _land("05113", "2026-12", _csv(valid_report("05113", "2026-12")))
    _land("05113", PERIOD, _csv(valid_report("05113", PERIOD)))
    run.process_pending(now=NOW)
    future = verdict_of(data_dir, "05113", "2026-12")
    assert _rules_of(future["findings"]) == ["period_in_reporting_range"]
    assert future["findings"][0]["rows"][0]["column"] == "period"
    assert "2005-01 bis 2026-11" in future["findings"][0]["message"]
    assert verdict_of(data_dir, "05113")["verdict"] == "accepted"


def test_counts_are_compared_as_integers_never_as_floats() -> None:
    """2^53 + 1 and 2^53 are one float64: a subgroup one above its total must fail, one equal
    to it must pass, also beyond 2^53 (and such counts break the population bound too)."""
    base = valid_report("05113", PERIOD)
    above = _set(_set(base, 0, "elb", 2**53), 0, "elb_frauen", 2**53 + 1)
    equal = _set(_set(base, 0, "elb", 2**53), 0, "elb_frauen", 2**53)
    [v_above, v_equal] = checks.validate_many(
        [("05113", PERIOD, above, None), ("05113", PERIOD, equal, None)], today=TODAY
    )
    above_rules = [f.rule for f in v_above.findings]
    equal_rules = [f.rule for f in v_equal.findings]
    assert "elb_subgroups_le_total" in above_rules
    assert "elb_subgroups_le_total" not in equal_rules
    assert "counts_within_population" in above_rules and "counts_within_population" in equal_rules
    [sub] = [f for f in v_above.findings if f.rule == "elb_subgroups_le_total"]
    assert sub.rows == [
        {
            "row": 1,
            "gemeinde_ags": "05113000",
            "column": "elb_frauen",
            "value": 2**53 + 1,
            "gemeinde_name": "Stadt Essen",
            "compared": {"elb": 2**53},
        }
    ]


def test_a_landing_record_pointing_outside_is_never_followed(data_dir: Path, tmp_path: Path):
    """Row 26 for files read back: a record (written by someone else) whose sha256 climbs out
    of the data directory, and one lying under another report's folder, are reported and
    never read; the other reports are validated."""
    from ingest.core.errors import ChecksumMismatch

    _land("05113", PERIOD, _csv(valid_report("05113", PERIOD)))
    good = json.loads(
        (data_dir / "landing" / "records" / PERIOD / "05113" / "r0001.json").read_text()
    )
    outside = tmp_path / "outside"
    outside.write_text("kreis_ags\n")
    for ags, doc in (
        ("01054", {**good, "kreis_ags": "01054", "sha256": "../../../../outside"}),
        ("01059", good),  # names 05113 but lies under 01059
    ):
        record = data_dir / "landing" / "records" / PERIOD / ags / "r0001.json"
        record.parent.mkdir(parents=True)
        record.write_text(json.dumps(doc))
    with pytest.raises(ChecksumMismatch, match="2 landed file") as exc:
        run.process_pending(now=NOW)
    assert "is not 64 lowercase hex digits" in str(exc.value)
    assert verdict_of(data_dir, "05113")["verdict"] == "accepted"
    assert sorted(p.name for p in (data_dir / "validation" / PERIOD).iterdir()) == ["05113"]
    assert outside.read_text() == "kreis_ags\n"
