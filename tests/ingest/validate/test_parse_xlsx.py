"""XLSX reports, written by openpyxl here (not by the product's template), read into the
same canonical rows as CSV and JSON; typed cells, formulas, damaged files."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from ingest.core import contract
from ingest.core.errors import ReportRejected
from ingest.validate.parse import parse_report
from tests.ingest.data import reports
from tests.ingest.validate.test_parse import assert_same_rows

AGS, PERIOD = "03159", "2026-10"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[dict], *, german: bool = False, blank_rows: int = 0) -> openpyxl.Workbook:
    """A workbook with the header and ``rows`` (values as Python types: text, int, float)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for _ in range(blank_rows):
        ws.append([])
    header = [contract.GERMAN_HEADERS[c] if german else c for c in contract.COLUMNS]
    ws.append(header)
    for r in rows:
        ws.append([float(r[c]) if isinstance(r[c], Decimal) else r[c] for c in contract.COLUMNS])
    return wb


def xlsx(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patched(body: bytes, old: str, new: str) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in its first sheet's XML (cached values
    and float notation, which openpyxl does not write itself)."""
    src = zipfile.ZipFile(io.BytesIO(body))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new).encode("utf-8")
            dst.writestr(item, data)
    return out.getvalue()


def parse(body: bytes, ctype: str = XLSX):
    return parse_report(body, ctype, kreis_ags=AGS, period=PERIOD)


def rejected(body: bytes, ctype: str = XLSX) -> list[dict]:
    with pytest.raises(ReportRejected) as exc:
        parse(body, ctype)
    findings = [f.to_dict() for f in exc.value.findings]
    json.dumps(findings)
    return findings


def col_letter(column: str) -> str:
    return openpyxl.utils.get_column_letter(contract.COLUMNS.index(column) + 1)


def test_a_good_workbook_gives_the_same_rows_as_the_csv() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=4)
    from_csv = parse(reports.english_csv(rows), reports.CSV_EN)
    df = parse(xlsx(workbook(rows)))
    assert_same_rows(df, rows)
    assert df[list(contract.COLUMNS)].equals(from_csv[list(contract.COLUMNS)])
    assert df["_line"].tolist() == from_csv["_line"].tolist() == [2, 3, 4, 5]
    assert df["gemeinde_name"].tolist()[:2] == ["Göttingen", "Hann. Münden"]


def test_german_headers_are_accepted_and_rows_count_from_the_header() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    df = parse(xlsx(workbook(rows, german=True, blank_rows=2)))
    assert_same_rows(df, rows)
    assert df["_line"].tolist() == [4, 5]


def test_text_stays_text_and_a_numeric_key_is_a_finding() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    rows[0]["gemeinde_ags"] = "03159000"
    df = parse(xlsx(workbook(rows)))
    assert df["gemeinde_ags"].tolist() == ["03159000", "03159001"]
    assert df["kreis_ags"].tolist() == ["03159", "03159"]
    rows[1]["gemeinde_ags"] = 3159001  # typed as a number: the zero is gone
    (finding,) = rejected(xlsx(workbook(rows)))
    assert finding["rule"] == "parse_number_key"
    assert finding["rows"] == [
        {"row": 2, "line": 3, "gemeinde_ags": None, "column": "gemeinde_ags", "value": 3159001}
    ]
    assert finding["message"].startswith(
        "Spalte „gemeinde_ags“ enthält eine Zahl statt Text (Zeile 3): so gehen führende "
        "Nullen verloren"
    )


def test_numbers_stay_numbers_integer_floats_are_integers() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    elb = rows[0]["elb"]
    body = xlsx(workbook(rows))
    body = patched(body, f'<c r="H2" t="n"><v>{elb}</v>', f'<c r="H2" t="n"><v>{elb}.0</v>')
    df = parse(body)
    assert df["elb"].tolist()[0] == elb
    assert str(df["elb"].dtype) == "int64"
    assert df["leistungen_unterkunft_eur"].tolist() == [
        r["leistungen_unterkunft_eur"] for r in rows
    ]


def test_a_fraction_or_text_in_a_count_column_is_a_finding() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    rows[0]["elb"] = 12.5
    rows[2]["nef"] = "zwölf"
    findings = {f["rule"] + ":" + f["rows"][0]["column"]: f for f in rejected(xlsx(workbook(rows)))}
    assert set(findings) == {"parse_not_integer:elb", "parse_not_integer:nef"}
    assert findings["parse_not_integer:elb"]["rows"] == [
        {"row": 1, "line": 2, "gemeinde_ags": "03159000", "column": "elb", "value": 12.5}
    ]
    assert findings["parse_not_integer:nef"]["rows"] == [
        {"row": 3, "line": 4, "gemeinde_ags": "03159002", "column": "nef", "value": "zwölf"}
    ]
    assert "(Zeile 4)" in findings["parse_not_integer:nef"]["message"]


def test_a_month_the_spreadsheet_made_a_date_is_the_month() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=1)
    rows[0]["period"] = datetime(2026, 10, 1)
    assert parse(xlsx(workbook(rows)))["period"].tolist() == [PERIOD]
    rows[0]["period"] = datetime(2026, 10, 15)
    (finding,) = rejected(xlsx(workbook(rows)))
    assert finding["rule"] == "parse_not_text"
    assert finding["rows"][0]["column"] == "period"


def test_a_formula_gives_its_stored_value() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    wb = workbook(rows)
    ws = wb.active
    h = col_letter("elb")
    ws[f"{h}2"] = f"={rows[0]['elb'] - 1}+1"
    body = patched(
        xlsx(wb),
        f"<f>{rows[0]['elb'] - 1}+1</f><v />",
        f"<f>{rows[0]['elb'] - 1}+1</f><v>{rows[0]['elb']}</v>",
    )
    df = parse(body)
    assert df["elb"].tolist() == [rows[0]["elb"], rows[1]["elb"]]


def test_a_formula_without_a_stored_value_is_rejected_naming_the_cell() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=6)
    wb = workbook(rows)
    h = col_letter("elb")
    wb.active[f"{h}7"] = f"=SUM({h}2:{h}6)"  # never calculated: openpyxl stores no value
    (finding,) = rejected(xlsx(wb))
    assert finding["rule"] == "parse_formula_without_value"
    assert finding["message"].startswith(
        f"Zelle {h}7 enthält eine Formel ohne gespeicherten Wert: die Datei wurde nie in einer "
        "Tabellenkalkulation berechnet."
    )
    assert finding["rows"] == [
        {
            "row": 6,
            "line": 7,
            "gemeinde_ags": "03159005",
            "column": "elb",
            "value": f"=SUM({h}2:{h}6)",
        }
    ]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda good: good[: len(good) // 2], id="truncated-zip"),
        pytest.param(lambda good: b"PK\x03\x04" + b"\x00" * 100, id="zip-header-only"),
        pytest.param(lambda good: b"Kreisschl\xfcssel;ELB\r\n", id="csv-announced-as-xlsx"),
        pytest.param(lambda good: _zip_without_workbook(), id="zip-without-workbook"),
    ],
)
def test_a_broken_workbook_is_one_clear_finding(body) -> None:
    good = xlsx(workbook(reports.rows_for(AGS, PERIOD, n=2)))
    (finding,) = rejected(body(good))
    assert finding["rule"] == "parse_broken_xlsx"
    assert finding["message"].startswith("Die Datei ist keine lesbare Excel-Arbeitsmappe (XLSX)")
    assert finding["rows"][0]["row"] is None


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "kein Bericht")
    return out.getvalue()


def test_an_unknown_header_and_a_missing_column_are_named() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=1)
    wb = workbook(rows)
    wb.active[f"{col_letter('nef')}1"] = "Nicht-ELB"
    findings = rejected(xlsx(wb))
    assert {f["rule"] for f in findings} == {"parse_unknown_column", "parse_missing_column"}
    missing = next(f for f in findings if f["rule"] == "parse_missing_column")
    assert missing["message"] == "Pflichtspalte „nef“ fehlt."
