"""Each wire format, fetched over HTTP, parses back (stdlib csv/json) to the ground truth."""

from __future__ import annotations

import pytest
import requests

from tests.simulator.contract_checks import parse, truth_rows

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def truth(simulator_module):
    return simulator_module.truth(PERIOD)


def _first_with(truth, wire_format):
    return next(a for a, e in truth["reports"].items() if e["wire_format"] == wire_format)


def test_roughly_a_third_of_jobcenters_per_format(truth):
    formats = [e["wire_format"] for e in truth["reports"].values()]
    english = formats.count("csv_en")
    german = formats.count("csv_de") + formats.count("csv_de_bom")
    json_ = formats.count("json") + formats.count("json_str")
    assert english + german + json_ == 104
    assert all(20 <= n <= 50 for n in (english, german, json_))
    assert formats.count("csv_de_bom") >= 1 and formats.count("json_str") >= 1


@pytest.mark.parametrize("wire_format", ["csv_en", "csv_de", "csv_de_bom", "json", "json_str"])
def test_format_parses_back_to_truth(simulator_module, truth, wire_format):
    ags = _first_with(truth, wire_format)
    resp = requests.get(
        simulator_module.url(ags, PERIOD),
        headers={"Authorization": f"Bearer {simulator_module.token(ags)}"},
        timeout=30,
    )
    assert resp.status_code == 200
    entry = truth["reports"][ags]
    assert resp.headers["Content-Type"] == entry["content_type"]
    kreis, period, rows = parse(resp.content, resp.headers["Content-Type"])
    assert rows == truth_rows(entry)
    body = resp.content
    if wire_format == "csv_en":
        assert body.decode("utf-8").startswith("kreis_ags,gemeinde_ags,")
    elif wire_format == "csv_de":
        assert body.startswith("Kreisschlüssel;".encode("cp1252"))
        assert not body.startswith(b"\xef\xbb\xbf")
        assert ";" in body.decode("cp1252").splitlines()[1]
    elif wire_format == "csv_de_bom":
        assert body.startswith(b"\xef\xbb\xbf" + "Kreisschlüssel;".encode())
    else:
        assert (kreis, period) == (ags, PERIOD)
        doc = resp.json()
        assert set(doc) == {"kreis_ags", "period", "erstellt_am", "software", "zeilen"}
        assert doc["erstellt_am"] == entry["published_at"]
        money = doc["zeilen"][0]["leistungen_unterkunft_eur"]
        assert isinstance(money, str if wire_format == "json_str" else float)
        assert "kreis_ags" not in doc["zeilen"][0] and "period" not in doc["zeilen"][0]


def test_german_numbers_use_thousands_dots_and_decimal_comma(simulator_module, truth):
    ags = _first_with(truth, "csv_de")
    served = requests.get(
        simulator_module.url(ags, PERIOD),
        headers={"Authorization": f"Bearer {simulator_module.token(ags)}"},
        timeout=30,
    ).content.decode("cp1252")
    first = truth["reports"][ags]["rows"][0]
    cells = served.splitlines()[1].split(";")
    einwohner = f"{first['einwohner']:,}".replace(",", ".")
    euros, cents = first["leistungen_lebensunterhalt_eur"].split(".")
    assert cells[4] == einwohner and "." in einwohner
    assert cells[-2] == f"{int(euros):,}".replace(",", ".") + "," + cents
