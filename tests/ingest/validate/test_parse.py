"""Parsing the three wire formats into canonical rows, and rejecting what is broken."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ingest.core import contract
from ingest.core.errors import ReportRejected
from ingest.validate.parse import escape_for_export, parse_report
from tests.ingest.data import reports

AGS, PERIOD = "03159", "2026-10"


def parse(body: bytes, ctype: str = reports.CSV_EN):
    return parse_report(body, ctype, kreis_ags=AGS, period=PERIOD)


def rejected(body: bytes, ctype: str = reports.CSV_EN) -> list[dict]:
    with pytest.raises(ReportRejected) as exc:
        parse(body, ctype)
    assert str(exc.value).startswith(f"jobcenter {AGS} {PERIOD}: ")
    findings = [f.to_dict() for f in exc.value.findings]
    json.dumps(findings)  # what goes into the verdict file must serialise
    assert all(f["severity"] == "hard" and f["message"] for f in findings)
    return findings


def rules(findings: list[dict]) -> set[str]:
    return {f["rule"] for f in findings}


def assert_same_rows(df, rows: list[dict]) -> None:
    assert list(df.columns) == [*contract.COLUMNS, "_row", "_line"]
    assert df["_row"].tolist() == list(range(1, len(rows) + 1))
    for col in contract.COLUMNS:
        assert df[col].tolist() == [r[col] for r in rows], col
    for col in contract.COUNT_COLUMNS:
        assert str(df[col].dtype) == "int64"
    assert all(isinstance(v, Decimal) for v in df["leistungen_unterkunft_eur"])


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        pytest.param(lambda r: reports.english_csv(r), reports.CSV_EN, id="english-csv"),
        pytest.param(lambda r: reports.german_csv(r), reports.CSV_DE, id="german-cp1252"),
        pytest.param(lambda r: reports.german_csv(r, bom=True), reports.CSV_DE, id="german-bom"),
        pytest.param(lambda r: reports.json_report(r), reports.JSON, id="json"),
    ],
)
def test_every_wire_format_gives_the_same_canonical_rows(body, ctype) -> None:
    rows = reports.rows_for(AGS, PERIOD, n=4)
    df = parse(body(rows), ctype)
    assert_same_rows(df, rows)
    assert df["gemeinde_name"].tolist()[:2] == ["Göttingen", "Hann. Münden"]
    # the spreadsheet line of a CSV row (header = line 1); a JSON record has none
    lines = [None] * 4 if ctype == reports.JSON else [2, 3, 4, 5]
    assert df["_line"].tolist() == lines


def test_german_thousands_dots_and_decimal_comma_are_read_as_numbers() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=1)
    body = reports.german_csv(rows)
    assert b"328.074" in body  # einwohner with a thousands dot, as the contract writes it
    df = parse(body, reports.CSV_DE)
    assert df.loc[0, "einwohner"] == 328074
    assert df.loc[0, "leistungen_unterkunft_eur"] == rows[0]["leistungen_unterkunft_eur"]


def test_undeclared_charset_is_sniffed_from_the_bytes() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    for encoding in ("utf-8", "cp1252"):
        df = parse(reports.german_csv(rows, encoding=encoding), "text/csv")
        assert df["gemeinde_name"][1] == "Hann. Münden"


def test_charset_contradicted_by_the_bytes_is_rejected_not_guessed() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    utf8_declared_cp1252 = reports.german_csv(rows, encoding="utf-8")
    findings = rejected(utf8_declared_cp1252, reports.CSV_DE)
    assert rules(findings) == {"parse_encoding"} and "UTF-8" in findings[0]["message"]
    cp1252_declared_utf8 = reports.german_csv(rows, encoding="cp1252")
    assert rules(rejected(cp1252_declared_utf8, reports.CSV_EN)) == {"parse_encoding"}
    rows[0]["gemeinde_name"] = rows[1]["gemeinde_name"] = "Essen"
    ascii_only = reports.english_csv(rows)  # pure ASCII reads the same in both
    assert parse(ascii_only, reports.CSV_DE)["gemeinde_name"].tolist() == ["Essen", "Essen"]


def test_formula_cells_stay_text_and_are_escaped_only_on_export() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    rows[0]["gemeinde_name"] = '=HYPERLINK("http://evil.test","klick")'
    rows[1]["gemeinde_name"] = "@SUM(1+1)"
    rows[2]["gemeinde_name"] = "+49 Gemeinde"
    for body, ctype in (
        (reports.english_csv(rows), reports.CSV_EN),
        (reports.german_csv(rows), reports.CSV_DE),
        (reports.json_report(rows), reports.JSON),
    ):
        names = parse(body, ctype)["gemeinde_name"].tolist()
        assert names == [r["gemeinde_name"] for r in rows]
    assert escape_for_export('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert escape_for_export("-5 Gemeinde") == "'-5 Gemeinde"
    assert escape_for_export("Göttingen") == "Göttingen"
    assert escape_for_export(-5) == -5  # numbers are not text


def test_wrong_delimiter_is_rejected() -> None:
    rows = reports.rows_for(AGS, PERIOD)
    findings = rejected(reports.english_csv(rows, delimiter=";"))
    assert rules(findings) == {"parse_wrong_delimiter"}
    assert "Trennzeichen" in findings[0]["message"]


def test_missing_column_is_named_with_its_german_header() -> None:
    rows = reports.rows_for(AGS, PERIOD)
    body = reports.german_csv(rows).decode("cp1252")
    lines = [";".join(line.split(";")[:7] + line.split(";")[8:]) for line in body.splitlines()]
    findings = rejected("\r\n".join(lines).encode("cp1252"), reports.CSV_DE)
    assert rules(findings) == {"parse_missing_column"}
    assert findings[0]["rows"][0]["column"] == "elb"
    assert "„ELB“" in findings[0]["message"]


def test_extra_column_is_rejected_not_dropped() -> None:
    rows = reports.rows_for(AGS, PERIOD)
    body = reports.english_csv(rows).decode()
    lines = [line + (",bemerkung" if i == 0 else ",x") for i, line in enumerate(body.splitlines())]
    findings = rejected("\n".join(lines).encode())
    assert rules(findings) == {"parse_unknown_column"}
    assert findings[0]["rows"][0]["value"] == "bemerkung"


def test_bad_cells_are_reported_with_row_column_and_value() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=4)
    rows[1]["elb"] = "12a"
    rows[2]["nef"] = -7
    rows[3]["leistungen_unterkunft_eur"] = "1.234,5"  # German money in the English variant
    findings = {f["rule"]: f for f in rejected(reports.english_csv(rows))}
    assert set(findings) == {"parse_not_integer", "parse_negative", "parse_bad_money"}
    assert findings["parse_not_integer"]["rows"] == [
        {"row": 2, "gemeinde_ags": "03159001", "column": "elb", "value": "12a", "line": 3}
    ]
    assert findings["parse_negative"]["rows"][0] == {
        "row": 3,
        "gemeinde_ags": "03159002",
        "column": "nef",
        "value": "-7",
        "line": 4,
    }
    assert findings["parse_bad_money"]["rows"][0]["row"] == 4
    # the message counts lines as the jobcenter's spreadsheet shows them (header = 1)
    assert "(Zeile 3)" in findings["parse_not_integer"]["message"]


def test_lines_count_blank_lines_before_the_header() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    rows[1]["elb"] = "x"
    findings = rejected(b"\r\n\r\n" + reports.english_csv(rows))
    assert findings[0]["rows"][0]["line"] == 5
    assert "(Zeile 5)" in findings[0]["message"]


def test_json_records_are_named_by_their_number() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    doc = json.loads(reports.json_report(rows))
    doc["zeilen"][2]["elb"] = "viele"
    (finding,) = rejected(json.dumps(doc).encode(), reports.JSON)
    assert finding["rows"][0]["row"] == 3 and "line" not in finding["rows"][0]
    assert "(Datensatz 3)" in finding["message"]


def test_json_rows_may_repeat_the_top_level_keys_with_the_same_value() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    doc = json.loads(reports.json_report(rows))
    for row in doc["zeilen"]:
        row.update(kreis_ags=AGS, period=PERIOD)
    df = parse(json.dumps(doc).encode(), reports.JSON)
    assert_same_rows(df, rows)
    doc["zeilen"][1]["period"] = "2026-09"
    (finding,) = rejected(json.dumps(doc).encode(), reports.JSON)
    assert finding["rule"] == "parse_differs_from_top"
    assert finding["rows"] == [
        {"row": 2, "gemeinde_ags": "03159001", "column": "period", "value": "2026-09"}
    ]
    assert "Feld „period“ weicht vom Wert auf oberster Ebene ab (Datensatz 2)" in finding["message"]


def test_money_with_three_decimals_is_rejected() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=1)
    rows[0]["leistungen_lebensunterhalt_eur"] = "10.555"
    findings = rejected(reports.english_csv(rows))
    assert rules(findings) == {"parse_bad_money"}


def test_row_with_wrong_field_count_is_named() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    lines = reports.english_csv(rows).decode().split("\r\n")
    lines[2] = lines[2] + ",17"
    findings = rejected("\r\n".join(lines).encode())
    assert rules(findings) == {"parse_field_count"}
    assert findings[0]["rows"][0]["row"] == 2
    assert findings[0]["rows"][0]["line"] == 3
    assert findings[0]["rows"][0]["value"] == len(contract.COLUMNS) + 1


def test_truncated_csv_and_json_are_rejected_as_truncated() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=3)
    body = reports.english_csv(rows)
    assert "parse_truncated" in rules(rejected(body[: len(body) - 40]))
    body = reports.json_report(rows)
    assert rules(rejected(body[: len(body) // 2], reports.JSON)) == {"parse_truncated"}


def test_html_empty_and_header_only_bodies_are_rejected() -> None:
    html = b"<!DOCTYPE html><html><body>Anmeldung</body></html>"
    assert rules(rejected(html, reports.CSV_EN)) == {"parse_html"}
    assert rules(rejected(b"", reports.CSV_EN)) == {"parse_empty"}
    assert rules(rejected(b"\xef\xbb\xbf \r\n", reports.CSV_DE)) == {"parse_empty"}
    header_only = reports.english_csv(reports.rows_for(AGS, PERIOD)).split(b"\r\n")[0]
    assert rules(rejected(header_only + b"\r\n")) == {"parse_empty"}


def test_invalid_json_and_wrong_json_types_are_rejected() -> None:
    assert rules(rejected(b'{"kreis_ags": "03159", "period": ', reports.JSON)) == {
        "parse_truncated"
    }
    assert rules(rejected(b'{"kreis_ags": "03159" "period": "x"}', reports.JSON)) == {
        "parse_invalid_json"
    }
    rows = reports.rows_for(AGS, PERIOD, n=2)
    doc = json.loads(reports.json_report(rows))
    doc["zeilen"][1]["elb"] = "1234"
    doc["zeilen"][0]["gemeinde_ags"] = 3159000
    del doc["zeilen"][1]["nef"]
    findings = {f["rule"]: f for f in rejected(json.dumps(doc).encode(), reports.JSON)}
    assert set(findings) == {"parse_not_integer", "parse_not_text", "parse_missing_key"}
    assert findings["parse_missing_key"]["rows"][0]["column"] == "nef"
    assert findings["parse_not_text"]["rows"][0]["column"] == "gemeinde_ags"


def test_many_bad_rows_are_all_counted() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=6)
    for r in rows:
        r["elb"] = "x"
    findings = rejected(reports.english_csv(rows))
    assert [r["row"] for r in findings[0]["rows"]] == [1, 2, 3, 4, 5, 6]


def test_trailing_delimiter_from_a_spreadsheet_export_is_harmless() -> None:
    rows = reports.rows_for(AGS, PERIOD, n=2)
    text = reports.german_csv(rows).decode("cp1252")
    padded = "".join(line + ";\r\n" for line in text.splitlines())
    assert_same_rows(parse(padded.encode("cp1252"), reports.CSV_DE), rows)
    lines = padded.split("\r\n")
    lines[1] += "Bemerkung"  # a value under the unnamed column is not dropped
    findings = rejected("\r\n".join(lines).encode("cp1252"), reports.CSV_DE)
    assert rules(findings) == {"parse_unknown_column"}
    assert "Spalte 27" in findings[0]["message"]
