"""Validation with the real GX suites: every rule alone, batches, and the pipeline step."""

from __future__ import annotations

import json
import multiprocessing
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from ingest.core import contract, layout, registry, rules
from ingest.core.errors import ChecksumMismatch
from ingest.notify import outbox
from ingest.status import monitor
from ingest.validate import checks, ordering, pages, run, store
from tests.expectations.factory import row, valid_report

LANDKREIS = "01054"  # Kreis Nordfriesland, 6 Gemeinden in the factory
STADT = "05113"  # Stadt Essen, one Gemeinde
PERIOD = "2026-10"
PREVIOUS = "2026-09"


def _rules(findings) -> list[str]:
    return [f.rule for f in findings]


def _set(df: pd.DataFrame, i: int, column: str, value) -> pd.DataFrame:
    df = df.copy()
    if not isinstance(value, int) or isinstance(value, bool):
        df[column] = df[column].astype(object)
    df.at[i, column] = value
    return df


# Each case breaks exactly one hard rule: (rule, mutation, expected (row, column) or None).
HARD_CASES: list[tuple[str, Callable[[pd.DataFrame], pd.DataFrame], tuple | None]] = [
    ("columns_match_contract", lambda d: d.drop(columns=["nef"]), (None, "nef")),
    ("columns_match_contract", lambda d: d.assign(bemerkung="x"), (None, "bemerkung")),
    ("values_are_numbers", lambda d: _set(d, 1, "elb_zugaenge", "viele"), (2, "elb_zugaenge")),
    ("values_are_numbers", lambda d: _set(d, 2, "elb_abgaenge", 1.5), (3, "elb_abgaenge")),
    ("key_values_present", lambda d: _set(d, 2, "gemeinde_name", ""), (3, "gemeinde_name")),
    ("key_values_present", lambda d: _set(d, 0, "gemeinde_name", None), (1, "gemeinde_name")),
    ("counts_non_negative", lambda d: _set(d, 1, "elb_zugaenge", -1), (2, "elb_zugaenge")),
    (
        "money_non_negative",
        lambda d: _set(d, 3, "leistungen_unterkunft_eur", Decimal("-5.00")),
        (4, "leistungen_unterkunft_eur"),
    ),
    (
        "money_two_decimals",
        lambda d: _set(d, 4, "leistungen_lebensunterhalt_eur", Decimal("1234.567")),
        (5, "leistungen_lebensunterhalt_eur"),
    ),
    ("period_matches_request", lambda d: _set(d, 0, "period", PREVIOUS), (1, "period")),
    ("kreis_ags_matches_request", lambda d: d.assign(kreis_ags="01059"), (1, "kreis_ags")),
    ("gemeinde_ags_format", lambda d: _set(d, 1, "gemeinde_ags", "0105400A"), (2, "gemeinde_ags")),
    ("gemeinde_in_kreis", lambda d: _set(d, 2, "gemeinde_ags", "01059003"), (3, "gemeinde_ags")),
    ("gemeinde_unique", lambda d: _set(d, 1, "gemeinde_ags", "01054001"), (1, "gemeinde_ags")),
    (
        "elb_subgroups_le_total",
        lambda d: _set(d, 3, "elb_ab_55", int(d.at[3, "elb"]) + 1),
        (4, "elb_ab_55"),
    ),
    (
        "integrationen_subgroups_le_total",
        lambda d: _set(d, 5, "integrationen_frauen", int(d.at[5, "integrationen"]) + 1),
        (6, "integrationen_frauen"),
    ),
    (
        "integrationen_sum_of_kinds",
        lambda d: _set(d, 5, "integrationen_svb", int(d.at[5, "integrationen_svb"]) + 1),
        (6, "integrationen"),
    ),
    (
        "bedarfsgemeinschaften_le_personen",
        lambda d: _set(
            d, 0, "bedarfsgemeinschaften", int(d.at[0, "elb"]) + int(d.at[0, "nef"]) + 1
        ),
        (1, "bedarfsgemeinschaften"),
    ),
    (
        "personen_le_einwohner_bis_rag",
        lambda d: _set(d, 1, "nef", int(d.at[1, "einwohner_bis_rag"])),
        (2, "einwohner_bis_rag"),
    ),
    (
        "einwohner_bis_rag_le_einwohner",
        lambda d: _set(d, 2, "einwohner_bis_rag", int(d.at[2, "einwohner"]) + 1),
        (3, "einwohner_bis_rag"),
    ),
    (
        "einwohner_matches_reference",
        lambda d: d.assign(einwohner=(d["einwohner"] * 1.1).astype("int64")),
        (None, "einwohner"),
    ),
]


def test_valid_reports_are_accepted_without_warnings():
    verdicts = checks.validate_many(
        [
            (LANDKREIS, PERIOD, valid_report(LANDKREIS, PERIOD), None),
            (STADT, PERIOD, valid_report(STADT, PERIOD), valid_report(STADT, PREVIOUS)),
        ]
    )
    for v in verdicts:
        assert (v.verdict, v.findings, v.warnings) == ("accepted", [], [])


@pytest.mark.parametrize(
    "rule,mutate,where", HARD_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(HARD_CASES)]
)
def test_each_hard_rule_alone_rejects_for_exactly_that_rule(rule, mutate, where):
    df = mutate(valid_report(LANDKREIS, PERIOD))
    verdict = checks.validate_report(df, LANDKREIS, PERIOD, previous=None)
    assert verdict.verdict == "rejected"
    assert _rules(verdict.findings) == [rule]
    assert verdict.warnings == []
    finding = verdict.findings[0]
    assert finding.severity == "hard"
    assert finding.message.startswith(rules.rules()[rule]["description_de"])
    assert (finding.rows[0]["row"], finding.rows[0]["column"]) == where


def test_hard_finding_names_the_offending_value_and_gemeinde():
    df = _set(valid_report(LANDKREIS, PERIOD), 3, "elb_frauen", 999_999)
    finding = checks.validate_report(df, LANDKREIS, PERIOD, previous=None).findings[0]
    assert finding.rows == [
        {
            "row": 4,
            "gemeinde_ags": "01054004",
            "column": "elb_frauen",
            "value": 999_999,
            "gemeinde_name": "Gemeinde 4",
        }
    ]


def test_duplicate_gemeinde_lists_every_copy():
    df = _set(valid_report(LANDKREIS, PERIOD), 1, "gemeinde_ags", "01054001")
    finding = checks.validate_report(df, LANDKREIS, PERIOD, previous=None).findings[0]
    assert [(r["row"], r["gemeinde_ags"]) for r in finding.rows] == [
        (1, "01054001"),
        (2, "01054001"),
    ]


def test_population_finding_states_sum_and_reference():
    df = valid_report(LANDKREIS, PERIOD)
    df["einwohner"] = (df["einwohner"] * 1.1).astype("int64")
    finding = checks.validate_report(df, LANDKREIS, PERIOD, previous=None).findings[0]
    assert "Referenzbevölkerung 165.507" in finding.message
    assert "+10,0 %" in finding.message


def _extra_gemeinde(df: pd.DataFrame, period: str) -> pd.DataFrame:
    """The report plus one small Gemeinde (1,000 inhabitants: within the 5 % tolerance)."""
    extra = pd.DataFrame([row(LANDKREIS, period, "01054099", "Kleinstdorf", 1000)])
    out = pd.concat([df[list(contract.COLUMNS)], extra], ignore_index=True)
    out["_row"] = range(1, len(out) + 1)
    return out


def _soft_case(name: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    cur, prev = valid_report(LANDKREIS, PERIOD), valid_report(LANDKREIS, PREVIOUS)
    if name == "elb_change_vs_previous":
        prev = valid_report(LANDKREIS, PREVIOUS, scale=0.8)  # now +25 %
    elif name == "gemeinde_missing_vs_previous":
        prev = _extra_gemeinde(prev, PREVIOUS)
    elif name == "gemeinde_new_vs_previous":
        cur = _extra_gemeinde(cur, PERIOD)
    elif name == "integrationsquote_range":
        for c in (
            "integrationen",
            *contract.INTEGRATION_KINDS,
            *contract.SUBGROUPS["integrationen"],
        ):
            cur[c] = 0
    elif name == "elb_quote_range":
        cur = valid_report(LANDKREIS, PERIOD, scale=2.6)
        prev = valid_report(LANDKREIS, PREVIOUS, scale=2.6)
    elif name == "langzeit_share_range":
        cur["elb_langzeit"] = (cur["elb"] * 0.3).astype("int64")
    elif name == "elb_per_bg_max":
        cur["bedarfsgemeinschaften"] = cur["elb"] // 3
    return cur, prev


SOFT_RULES = [
    "elb_change_vs_previous",
    "gemeinde_missing_vs_previous",
    "gemeinde_new_vs_previous",
    "integrationsquote_range",
    "elb_quote_range",
    "langzeit_share_range",
    "elb_per_bg_max",
]


@pytest.mark.parametrize("rule", SOFT_RULES)
def test_each_soft_rule_alone_accepts_with_exactly_that_warning(rule):
    cur, prev = _soft_case(rule)
    verdict = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev)
    assert verdict.verdict == "accepted"
    assert verdict.findings == []
    assert _rules(verdict.warnings) == [rule]
    assert verdict.warnings[0].severity == "soft"
    assert verdict.warnings[0].message.startswith(rules.rules()[rule]["description_de"])


def test_soft_findings_name_the_gemeinde_and_the_change():
    cur, prev = _soft_case("gemeinde_new_vs_previous")
    new = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev).warnings[0]
    assert new.rows == [
        {
            "row": 7,
            "gemeinde_ags": "01054099",
            "column": "gemeinde_ags",
            "value": "01054099",
            "gemeinde_name": "Kleinstdorf",
        }
    ]
    cur, prev = _soft_case("gemeinde_missing_vs_previous")
    missing = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev).warnings[0]
    assert [r["gemeinde_ags"] for r in missing.rows] == ["01054099"]
    assert "01054099 Kleinstdorf" in missing.message
    cur, prev = _soft_case("elb_change_vs_previous")
    change = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev).warnings[0]
    assert "+25," in change.message


def test_a_ratio_warning_states_the_kreis_figure_exactly():
    cur, prev = _soft_case("elb_per_bg_max")
    ratio = int(cur["elb"].sum()) / int(cur["bedarfsgemeinschaften"].sum())
    assert ratio > 2.5 and round(ratio, 6) != round(ratio, 7)  # a figure with many digits
    warning = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev).warnings[0]
    shown = f"{ratio:.2f}".replace(".", ",")
    assert warning.message == (
        f"Mehr als 2,5 ELB je Bedarfsgemeinschaft. ELB je Bedarfsgemeinschaft im Kreis: {shown}."
    )
    assert warning.rows == [
        {
            "row": None,
            "gemeinde_ags": None,
            "column": "bedarfsgemeinschaften",
            "value": round(ratio, 6),
        }
    ]


def test_without_history_no_history_rules_fire():
    cur, _prev = _soft_case("gemeinde_new_vs_previous")
    verdict = checks.validate_report(cur, LANDKREIS, PERIOD, previous=None)
    assert (verdict.verdict, verdict.warnings) == ("accepted", [])


def test_batch_attributes_each_problem_to_its_own_report():
    jobcenters = registry.jobcenters()
    reports = [
        (jc.kreis_ags, PERIOD, valid_report(jc.kreis_ags, PERIOD), None) for jc in jobcenters
    ]
    a, b, c = 5, 50, 100
    reports[a] = (reports[a][0], PERIOD, reports[a][2].assign(period=PREVIOUS), None)
    bad = reports[b][2].copy()
    bad.at[0, "elb_frauen"] = int(bad.at[0, "elb"]) + 7
    reports[b] = (reports[b][0], PERIOD, bad, None)
    reports[c] = (reports[c][0], PERIOD, reports[c][2].drop(columns=["elb"]), None)
    verdicts = checks.validate_many(reports)
    assert [v.kreis_ags for v in verdicts] == [jc.kreis_ags for jc in jobcenters]
    rejected = {i: _rules(v.findings) for i, v in enumerate(verdicts) if v.findings}
    assert rejected == {
        a: ["period_matches_request"],
        b: ["elb_subgroups_le_total"],
        c: ["columns_match_contract"],
    }
    assert len(verdicts[a].findings[0].rows) == len(reports[a][2])
    assert verdicts[b].findings[0].rows[0]["gemeinde_ags"] == reports[b][2].at[0, "gemeinde_ags"]
    assert all(v.warnings == [] for v in verdicts)


def test_unknown_jobcenter_is_a_clear_error():
    with pytest.raises(KeyError, match="99999"):
        checks.validate_report(valid_report(LANDKREIS, PERIOD), "99999", PERIOD, previous=None)


def test_verdict_is_json_in_the_documented_shape():
    df = _set(valid_report(LANDKREIS, PERIOD), 3, "elb_frauen", 999_999)
    doc = json.loads(
        json.dumps(checks.validate_report(df, LANDKREIS, PERIOD, previous=None).to_dict())
    )
    assert set(doc) >= {
        "kreis_ags",
        "period",
        "revision",
        "sha256",
        "verdict",
        "suite",
        "findings",
        "warnings",
    }
    assert set(doc["findings"][0]) == {"rule", "severity", "message", "rows"}
    # a frame without spreadsheet lines (not parsed from CSV) and a rule that compares with
    # nothing in the row: no "line", no "compared"
    ref = doc["findings"][0]["rows"][0]
    assert set(ref) == {"row", "gemeinde_ags", "column", "value", "gemeinde_name"}


def test_a_finding_names_line_gemeinde_and_the_values_compared():
    df = valid_report(LANDKREIS, PERIOD)
    elb, nef = int(df.at[0, "elb"]), int(df.at[0, "nef"])
    df = _set(df, 0, "bedarfsgemeinschaften", elb + nef + 1).assign(_line=range(2, len(df) + 2))
    verdict = checks.validate_report(df, LANDKREIS, PERIOD, previous=None)
    (finding,) = verdict.findings
    assert finding.rows == [
        {
            "row": 1,
            "gemeinde_ags": df.at[0, "gemeinde_ags"],
            "column": "bedarfsgemeinschaften",
            "value": elb + nef + 1,
            "gemeinde_name": df.at[0, "gemeinde_name"],
            "line": 2,
            "compared": {"elb": elb, "nef": nef},
        }
    ]


# --------------------------------------------------------------------------- pipeline step


def _csv(df: pd.DataFrame) -> bytes:
    return df[list(contract.COLUMNS)].to_csv(index=False).encode("utf-8")


def _land(kreis_ags: str, period: str, body: bytes, at: datetime | None = None):
    from ingest.collect import landing
    from ingest.collect.client import FetchedReport

    fetched = FetchedReport(
        body=body,
        content_type="text/csv; charset=utf-8",
        etag=None,
        last_modified=None,
        source_revision=1,
        http_status=200,
        url=f"http://127.0.0.1:1/jc/{kreis_ags}/v1/reports/{period}",
    )
    return landing.land(kreis_ags, period, fetched, at or datetime(2026, 11, 8, 6, tzinfo=UTC))


def _snapshot(root: Path) -> dict[str, bytes]:
    skip = ("outbox", "docs")
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not str(p.relative_to(root)).startswith(skip)
    }


NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)


def test_process_pending_writes_verdicts_parquet_quarantine_and_mail(data_dir: Path):
    import pyarrow.parquet as pq

    _land(LANDKREIS, PREVIOUS, _csv(valid_report(LANDKREIS, PREVIOUS)))
    _land(LANDKREIS, PERIOD, _csv(valid_report(LANDKREIS, PERIOD, scale=1.3)))  # +30 %
    good = valid_report(STADT, PERIOD)
    bad = _set(good, 0, "elb_frauen", int(good.at[0, "elb"]) + 1)
    _land(STADT, PERIOD, _csv(bad))

    counts = run.process_pending(now=NOW)
    assert counts == {"accepted": 2, "rejected": 1, "warnings": 1, "periods": 2}

    accepted = data_dir / "accepted" / PERIOD / LANDKREIS / "r0001.parquet"
    table = pq.read_table(accepted)
    assert table.schema.field("elb").type == "int64"
    assert str(table.schema.field("leistungen_unterkunft_eur").type) == "decimal128(15, 2)"
    assert str(table.schema.field("revision").type) == "int32"
    assert str(table.schema.field("fetched_at").type) == "timestamp[us, tz=UTC]"
    assert table.column_names[: len(contract.COLUMNS)] == list(contract.COLUMNS)
    assert table.num_rows == 6

    verdict = json.loads((data_dir / "validation" / PERIOD / LANDKREIS / "r0001.json").read_text())
    assert verdict["verdict"] == "accepted"
    assert _rules_of(verdict["warnings"]) == ["elb_change_vs_previous"]
    rejected = json.loads((data_dir / "validation" / PERIOD / STADT / "r0001.json").read_text())
    assert rejected["verdict"] == "rejected"
    assert _rules_of(rejected["findings"]) == ["elb_subgroups_le_total"]
    assert (data_dir / "quarantine" / PERIOD / STADT / "r0001.json").exists()
    assert not (data_dir / "accepted" / PERIOD / STADT).exists()
    pending = _pending_mail(data_dir)
    assert len(pending) == 1
    assert pending[0]["Subject"] == "[jcw] Bericht abgelehnt: 05113 Stadt Essen, Oktober 2026"

    html = pages.report_path(PERIOD).read_text()
    assert "05113" in html and "elb_subgroups_le_total" in html and "verletzt" in html
    assert "nicht geprüft" not in html
    # rejected first, then accepted with warnings, then the 102 jobcenters still missing
    standings = re.findall(r'data-standing="(\w+)"', html)
    assert standings[:2] == ["rejected", "warnings"] and set(standings[2:]) == {"missing"}
    assert len(standings) == len(registry.by_ags())
    assert "Oktober 2026" in html and "hard" not in re.sub(
        r"<style>.*?</style>|<[^>]*>", "", html, flags=re.S
    )
    index = (pages.report_path(PERIOD).parent / "index.html").read_text()
    assert 'href="2026-10.html"' in index and 'href="2026-09.html"' in index


def _pending_mail(data_dir: Path) -> list:
    import email
    import email.policy

    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((data_dir / "outbox" / "pending").glob("*.eml"))
    ]


def _rules_of(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


def test_process_pending_twice_changes_nothing(data_dir: Path):
    _land(LANDKREIS, PERIOD, _csv(valid_report(LANDKREIS, PERIOD)))
    _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD).assign(period=PREVIOUS)))
    first = run.process_pending([PERIOD], now=NOW)
    before = _snapshot(data_dir)
    outbox_before = sorted(p.name for p in (data_dir / "outbox").rglob("*.eml"))
    second = run.process_pending([PERIOD], now=datetime(2026, 11, 22, tzinfo=UTC))
    assert first == {"accepted": 1, "rejected": 1, "warnings": 0, "periods": 1}
    assert second == {"accepted": 0, "rejected": 0, "warnings": 0, "periods": 0}
    assert _snapshot(data_dir) == before
    assert sorted(p.name for p in (data_dir / "outbox").rglob("*.eml")) == outbox_before


def test_correction_is_validated_as_a_new_revision(data_dir: Path):
    _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD).assign(period=PREVIOUS)))
    run.process_pending(now=NOW)
    _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD)))
    assert run.process_pending(now=NOW)["accepted"] == 1
    base = data_dir / "validation" / PERIOD / STADT
    assert json.loads((base / "r0001.json").read_text())["verdict"] == "rejected"
    assert json.loads((base / "r0002.json").read_text())["verdict"] == "accepted"
    assert (data_dir / "accepted" / PERIOD / STADT / "r0002.parquet").exists()


def test_history_skips_a_month_without_accepted_report(data_dir: Path):
    _land(STADT, "2026-08", _csv(valid_report(STADT, "2026-08", scale=0.7)))
    _land(STADT, PREVIOUS, _csv(valid_report(STADT, PREVIOUS).assign(period="2026-01")))
    _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD)))
    run.process_pending(now=NOW)
    previous = store.previous_accepted(STADT, PERIOD)
    assert set(previous["period"]) == {"2026-08"}  # 2026-09 was rejected
    doc = json.loads((data_dir / "validation" / PERIOD / STADT / "r0001.json").read_text())
    assert _rules_of(doc["warnings"]) == ["elb_change_vs_previous"]  # +43 % against 2026-08
    assert doc["compared_with"] == {"period": "2026-08", "revision": 1}
    assert store.previous_accepted(STADT, "2026-08") is None
    html = pages.report_path("2026-08").read_text()
    assert "kein Vormonat" in html


@pytest.mark.parametrize("months_per_batch", [1, 2, 12])
def test_months_validated_together_compare_with_the_right_month(
    data_dir: Path, monkeypatch, months_per_batch: int
):
    """2026-07 accepted, 2026-08 rejected, 2026-09 compares with 2026-07 and 2026-10 with
    2026-09, whether the months are validated one by one, across a batch boundary or in
    one batch; a batch needs one GX run more per rejection that changes a comparison."""
    monkeypatch.setattr(run, "MONTHS_PER_BATCH", months_per_batch)
    runs = []
    real = checks.validate_many
    monkeypatch.setattr(
        ordering, "validate_many", lambda r, **kw: runs.append(len(r)) or real(r, **kw)
    )
    _land(STADT, "2026-07", _csv(valid_report(STADT, "2026-07", scale=0.7)))
    _land(STADT, "2026-08", _csv(valid_report(STADT, "2026-08").assign(period="2026-01")))
    _land(STADT, PREVIOUS, _csv(valid_report(STADT, PREVIOUS)))
    _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD)))
    counts = run.process_pending(now=NOW)

    def verdict(period: str) -> dict:
        return json.loads((data_dir / "validation" / period / STADT / "r0001.json").read_text())

    assert (counts["accepted"], counts["rejected"], counts["periods"]) == (3, 1, 4)

    assert verdict("2026-08")["verdict"] == "rejected"
    assert verdict(PREVIOUS)["compared_with"] == {"period": "2026-07", "revision": 1}
    assert _rules_of(verdict(PREVIOUS)["warnings"]) == ["elb_change_vs_previous"]
    assert verdict(PERIOD)["compared_with"] == {"period": PREVIOUS, "revision": 1}
    assert verdict(PERIOD)["warnings"] == []
    assert runs == {1: [1, 1, 1, 1], 2: [2, 2], 12: [4, 1]}[months_per_batch]


def test_structural_rejection_from_the_parser_is_recorded(data_dir: Path):
    _land(STADT, PERIOD, b"kreis_ags,period\n05113,2026-10\n")
    assert run.process_pending(now=NOW)["rejected"] == 1
    doc = json.loads((data_dir / "validation" / PERIOD / STADT / "r0001.json").read_text())
    assert doc["verdict"] == "rejected" and doc["findings"]
    assert "nicht geprüft" in pages.report_path(PERIOD).read_text()


def test_checksum_mismatch_is_rejected_alerted_and_raised(data_dir: Path):

    landed = _land(STADT, PERIOD, _csv(valid_report(STADT, PERIOD)))
    _land(LANDKREIS, PERIOD, _csv(valid_report(LANDKREIS, PERIOD)))
    obj = layout.landing_object(landed.sha256)
    data = bytearray(obj.read_bytes())
    data[10] ^= 0x01
    obj.chmod(0o644)
    obj.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match="05113"):
        run.process_pending(now=NOW)
    doc = json.loads((data_dir / "validation" / PERIOD / STADT / "r0001.json").read_text())
    assert _rules_of(doc["findings"]) == ["checksum_mismatch"]
    assert (data_dir / "accepted" / PERIOD / LANDKREIS / "r0001.parquet").exists()
    mails = _pending_mail(data_dir)
    assert len(mails) == 1 and "Prüfsummenfehler" in mails[0]["Subject"]
    assert mails[0]["To"] == "statistik-zentrale@jcw.test"  # our storage fault: the team only


def _run_pending(data_dir: str) -> dict:
    import os

    os.environ["JCW_DATA_DIR"] = data_dir
    return run.process_pending(now=NOW)


def test_two_concurrent_runs_write_each_verdict_once(data_dir: Path):
    for jc in registry.jobcenters()[:12]:
        _land(jc.kreis_ags, PERIOD, _csv(valid_report(jc.kreis_ags, PERIOD)))
    bad = valid_report(STADT, PERIOD).assign(kreis_ags="05117")
    _land(STADT, PERIOD, _csv(bad))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(_run_pending, [str(data_dir)] * 2)
    assert sum(r["accepted"] for r in results) == 12
    assert sum(r["rejected"] for r in results) == 1
    verdicts = list((data_dir / "validation" / PERIOD).glob("*/r*.json"))
    assert len(verdicts) == 13
    assert len(list((data_dir / "outbox" / "pending").glob("*.eml"))) == 1
    leftovers = [p for p in data_dir.rglob(".tmp-*")]
    assert leftovers == []


# --------------------------------------------------------------------------- with the simulator

SIM_HARD = {  # simulator fault rule -> our rule id
    "subgroup_exceeds_total": "elb_subgroups_le_total",
    "integration_sum_mismatch": "integrationen_sum_of_kinds",
    "foreign_gemeinde": "gemeinde_in_kreis",
    "duplicate_gemeinde": "gemeinde_unique",
    "wrong_period": "period_matches_request",
    "population_off": "einwohner_matches_reference",
    "bg_exceeds_persons": "bedarfsgemeinschaften_le_personen",
}
SIM_SOFT = {
    "elb_jump": {"elb_change_vs_previous"},
    "gemeinde_missing": {"gemeinde_missing_vs_previous"},
    "integration_rate": {"integrationsquote_range"},
}


def test_verdicts_match_the_simulator_truth(
    data_dir: Path, simulator_factory, monkeypatch, smtp_server
):
    from ingest.collect.collector import collect_many

    ags = [jc.kreis_ags for jc in registry.jobcenters()]
    hard = dict(zip(ags[10:], SIM_HARD, strict=False))
    soft = dict(zip(ags[30:], SIM_SOFT, strict=False))
    faults = [
        {"kreis_ags": a, "period": PERIOD, "fault": "violated_rule", "rule": r}
        for a, r in hard.items()
    ] + [
        {"kreis_ags": a, "period": PERIOD, "fault": "soft_warning", "rule": r}
        for a, r in soft.items()
    ]
    sim = simulator_factory(scenario={"faults": faults})
    for name, value in sim.env.items():
        monkeypatch.setenv(name, value)
    collect_many(ags, [PREVIOUS, PERIOD])
    counts = run.process_pending(now=NOW)
    assert counts["accepted"] + counts["rejected"] == 2 * len(ags)

    for period in (PREVIOUS, PERIOD):
        truth = sim.truth(period)["reports"]
        for a in ags:
            doc = json.loads((data_dir / "validation" / period / a / "r0001.json").read_text())
            assert doc["verdict"] == truth[a]["expected"], (period, a)
            if period == PERIOD and a in hard:
                assert _rules_of(doc["findings"])[0] == SIM_HARD[hard[a]]
            elif period == PERIOD and a in soft:
                assert set(_rules_of(doc["warnings"])) == SIM_SOFT[soft[a]], a
            else:
                assert (doc["findings"], doc["warnings"]) == ([], []), (period, a)

    assert outbox.deliver_outbox()["sent"] == len(hard)
    subjects = sorted(m["Subject"] for m in smtp_server.messages())
    assert all(s.startswith("[jcw] Bericht abgelehnt: ") for s in subjects)
    assert monitor.send_digest(NOW.date()) is True


def _with_langzeit_share(numerator: int, denominator: int, extra: int = 0) -> pd.DataFrame:
    """Nordfriesland's valid report with elb_langzeit exactly numerator/denominator of the
    ELB (row 0's ELB rounded up so the share is exact), plus ``extra`` on row 0."""
    cur = valid_report(LANDKREIS, PERIOD)
    cur.at[0, "elb"] = int(cur.at[0, "elb"]) + (-int(cur["elb"].sum())) % denominator
    total = int(cur["elb"].sum())
    cur["elb_langzeit"] = (cur["elb"] * numerator // denominator).astype("int64")
    rest = total * numerator // denominator - int(cur["elb_langzeit"].sum())
    cur.at[0, "elb_langzeit"] = int(cur.at[0, "elb_langzeit"]) + rest + extra
    assert int(cur["elb_langzeit"].sum()) * denominator == total * numerator + extra * denominator
    return cur


@pytest.mark.parametrize(
    ("numerator", "denominator", "extra", "warned"),
    [
        (2, 5, 0, False),  # exactly 40 %: inside
        (2, 5, -1, True),  # one person below
        (4, 5, 0, False),  # exactly 80 %: inside
        (4, 5, 1, True),  # one person above
    ],
)
def test_the_langzeit_share_bounds_are_inclusive(numerator, denominator, extra, warned) -> None:
    cur = _with_langzeit_share(numerator, denominator, extra)
    verdict = checks.validate_report(cur, LANDKREIS, PERIOD, previous=None)
    assert verdict.verdict == "accepted"
    assert _rules(verdict.warnings) == (["langzeit_share_range"] if warned else [])


def test_the_count_bound_is_the_population_plus_five_percent_within_32_bits() -> None:
    from ingest.validate.frames import count_bound

    # hand-computed: 5 % tolerance of the population rule, rounded down
    assert count_bound(1000) == 1050
    assert count_bound(583_109) == 612_264  # 583109 * 1.05 = 612264.45
    assert count_bound(2**31) == 2**31 - 1  # never beyond 32 bits


def _with_elb_change(numerator: int, denominator: int, extra: int) -> tuple:
    """Nordfriesland's report and a previous month whose ELB total makes the change exactly
    numerator/denominator − 1, plus ``extra`` ELB on the current report's row 0."""
    cur, prev = valid_report(LANDKREIS, PERIOD), valid_report(LANDKREIS, PREVIOUS)
    cur.at[0, "elb"] = int(cur.at[0, "elb"]) + (-int(cur["elb"].sum())) % numerator
    total = int(cur["elb"].sum())
    prev.at[0, "elb"] = (
        int(prev.at[0, "elb"]) + total * denominator // numerator - int(prev["elb"].sum())
    )
    assert int(prev["elb"].sum()) * numerator == total * denominator
    cur.at[0, "elb"] = int(cur.at[0, "elb"]) + extra
    return cur, prev


@pytest.mark.parametrize(
    ("numerator", "denominator", "extra", "warned"),
    [
        (23, 20, 0, False),  # exactly +15 %: inside
        (23, 20, 1, True),  # one person above
        (17, 20, 0, False),  # exactly −15 %: inside (1700/2000 − 1 is −0.150…02 in floats)
        (17, 20, -1, True),  # one person below
    ],
)
def test_the_elb_change_bounds_are_inclusive(numerator, denominator, extra, warned) -> None:
    cur, prev = _with_elb_change(numerator, denominator, extra)
    verdict = checks.validate_report(cur, LANDKREIS, PERIOD, previous=prev)
    assert verdict.verdict == "accepted"
    assert _rules(verdict.warnings) == (["elb_change_vs_previous"] if warned else [])


@pytest.mark.parametrize(
    ("period", "today", "rejected"),
    [
        ("2005-01", "2026-12-01", False),  # the first month of SGB II
        ("2004-12", "2026-12-01", True),  # one month before it
        ("2026-12", "2026-12-01", False),  # the current month
        ("2027-01", "2026-12-31", True),  # one month ahead
    ],
)
def test_the_reporting_range_is_2005_01_to_the_current_month(period, today, rejected) -> None:
    verdict = checks.validate_report(
        valid_report(LANDKREIS, period),
        LANDKREIS,
        period,
        previous=None,
        today=datetime.fromisoformat(today).date(),
    )
    assert verdict.verdict == ("rejected" if rejected else "accepted")
    assert _rules(verdict.findings) == (["period_in_reporting_range"] if rejected else [])


@pytest.mark.parametrize("column", ["leistungen_lebensunterhalt_eur", "leistungen_unterkunft_eur"])
@pytest.mark.parametrize(
    ("amount", "rejected"),
    [
        ("9999999999999.99", False),  # the largest total the warehouse holds
        ("10000000000000.00", True),  # one cent more
    ],
)
def test_the_money_total_bound_is_inclusive_to_the_cent(column, amount, rejected) -> None:
    df = valid_report(STADT, PERIOD)  # one Gemeinde: its amount is the Kreis total
    df[column] = df[column].astype(object)
    df.at[0, column] = Decimal(amount)
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert _rules(verdict.findings) == (["money_total_within_bounds"] if rejected else [])
    if rejected:
        finding = verdict.findings[0]
        assert finding.message.endswith(
            "Summe im Kreis: 10.000.000.000.000,00 EUR; höchstens 9.999.999.999.999,99 EUR "
            "sind zulässig."
        )
        assert finding.rows == [
            {"row": None, "gemeinde_ags": None, "column": column, "value": amount}
        ]


def test_a_duplicated_column_is_named() -> None:
    df = valid_report(STADT, PERIOD)
    df = pd.concat([df, df[["elb"]]], axis=1)  # the column "elb" twice
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert _rules(verdict.findings) == ["columns_match_contract"]
    assert [r["column"] for r in verdict.findings[0].rows] == ["elb"]


def test_an_empty_report_states_a_population_of_zero() -> None:
    empty = valid_report(STADT, PERIOD).iloc[0:0]
    verdict = checks.validate_report(empty, STADT, PERIOD, previous=None)
    assert _rules(verdict.findings) == ["einwohner_matches_reference"]
    assert verdict.findings[0].message.endswith(
        "Summe der Einwohner 0, Referenzbevölkerung 583.109 (Abweichung -100,0 %)."
    )
    assert verdict.findings[0].rows == [
        {"row": None, "gemeinde_ags": None, "column": "einwohner", "value": 0}
    ]


def test_rows_without_numbers_are_numbered_from_one() -> None:
    df = valid_report(LANDKREIS, PERIOD).drop(columns=["_row"])
    df = _set(df, 2, "elb_frauen", int(df.at[2, "elb"]) + 1)
    verdict = checks.validate_report(df, LANDKREIS, PERIOD, previous=None)
    assert [(r["row"], r["column"]) for r in verdict.findings[0].rows] == [(3, "elb_frauen")]


def test_a_money_total_beyond_int64_is_stated_exactly() -> None:
    df = valid_report(STADT, PERIOD)  # one Gemeinde: its amount is the Kreis total
    df["leistungen_unterkunft_eur"] = df["leistungen_unterkunft_eur"].astype(object)
    # beyond int64 in cents and beyond a float's 16 digits
    df.at[0, "leistungen_unterkunft_eur"] = Decimal("123456789012345678.91")
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert _rules(verdict.findings) == ["money_total_within_bounds"]
    assert "Summe im Kreis: 123.456.789.012.345.678,91 EUR;" in verdict.findings[0].message
    assert verdict.findings[0].rows[0]["value"] == "123456789012345678.91"


POPULATION = "einwohner_matches_reference"


@pytest.mark.parametrize(
    ("einwohner", "rules_broken"),
    [
        (553_954, []),  # 95.00001 % of Essen's 583,109: inside
        (553_953, [POPULATION]),  # one inhabitant fewer: 94.99999 %
        (612_264, []),  # 104.99992 %: inside
        # one inhabitant more, 105.00009 %: also more than any count of the Kreis may be
        (612_265, ["counts_within_population", POPULATION]),
    ],
)
def test_the_population_bounds_are_five_percent_inclusive(einwohner, rules_broken) -> None:
    df = valid_report(STADT, PERIOD)  # one Gemeinde: its population is the Kreis's
    df.at[0, "einwohner"] = einwohner
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert _rules(verdict.findings) == rules_broken


def _essen(scale: float = 1.0, **cells: int) -> pd.DataFrame:
    """Essen's report (one Gemeinde, 583,109 inhabitants) with a few cells set."""
    df = pd.DataFrame(
        [row(STADT, PERIOD, f"{STADT}000", "Essen", 583_109, scale)], columns=contract.COLUMNS
    )
    for column, value in cells.items():
        df.at[0, column] = value
    return df


def _integrations(n: int) -> dict[str, int]:
    """n integrations whose kinds and subgroups add up (the caseload stays as it is)."""
    return {
        "integrationen": n,
        "integrationen_svb": n - 2,
        "integrationen_ausbildung": 1,
        "integrationen_selbstaendig": 1,
        "integrationen_frauen": n // 2,
        "integrationen_langzeit": n // 3,
        "integrationen_alleinerziehend": n // 10,
    }


@pytest.mark.parametrize(
    ("df", "warned"),
    [
        # Integrationsquote 0.3 % .. 6 % of Essen's 29,155 ELB
        (_essen(**_integrations(88)), False),  # 0.302 %: the fewest inside
        (_essen(**_integrations(87)), True),  # 0.298 %
        (_essen(**_integrations(1749)), False),  # 5.999 %: the most inside
        (_essen(**_integrations(1750)), True),  # 6.002 %
    ],
)
def test_the_integrationsquote_bounds(df, warned) -> None:
    assert int(df.at[0, "elb"]) == 29_155
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert verdict.findings == []
    assert _rules(verdict.warnings) == (["integrationsquote_range"] if warned else [])


@pytest.mark.parametrize(
    ("df", "warned"),
    [
        # ELB-Quote 1 % .. 15 % of the inhabitants up to the age limit
        (_essen(0.17, einwohner_bis_rag=495_600), False),  # 4,956 ELB: exactly 1 %
        (_essen(0.17, einwohner_bis_rag=495_601), True),  # 0.99998 %
        (_essen(einwohner_bis_rag=194_367), False),  # 29,155 ELB: 14.99997 %
        (_essen(einwohner_bis_rag=194_366), True),  # 15.00005 %
    ],
)
def test_the_elb_quote_bounds(df, warned) -> None:
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert verdict.findings == []
    assert _rules(verdict.warnings) == (["elb_quote_range"] if warned else [])


@pytest.mark.parametrize(
    ("bedarfsgemeinschaften", "warned"),
    [(11_662, False), (11_661, True)],  # 29,155 ELB: exactly 2.5 per BG, then 2.50021
)
def test_the_elb_per_bg_bound_is_inclusive(bedarfsgemeinschaften, warned) -> None:
    df = _essen(bedarfsgemeinschaften=bedarfsgemeinschaften)
    verdict = checks.validate_report(df, STADT, PERIOD, previous=None)
    assert verdict.findings == []
    assert _rules(verdict.warnings) == (["elb_per_bg_max"] if warned else [])


def test_a_one_letter_gemeinde_name_and_zero_euros_are_valid() -> None:
    df = valid_report(LANDKREIS, PERIOD)
    df.at[1, "gemeinde_name"] = "A"
    df["leistungen_unterkunft_eur"] = df["leistungen_unterkunft_eur"].astype(object)
    df.at[2, "leistungen_unterkunft_eur"] = Decimal("0.00")
    verdict = checks.validate_report(df, LANDKREIS, PERIOD, previous=None)
    assert verdict.findings == [] and verdict.warnings == []
