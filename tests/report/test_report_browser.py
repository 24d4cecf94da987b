"""The national report looked at in a real headless Chromium, and its PDFs read back.

The warehouse is real (simulator → fetch → validate → dbt → snapshot, tests/report/conftest.py);
the page is opened from disk with the network off; every figure printed in a ``data-key``
cell is compared with the snapshot through the tests' own SQL (tests/report/figures.py).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from pypdf import PdfReader

from tests.report import figures
from tests.report.conftest import LAST_PERIOD, MISSING, REJECTED

CHARTS = {
    "#chart-trend": [
        "trend-personen",
        "trend-bedarfsgemeinschaften",
        "trend-elb",
        "trend-integrationen",
        "trend-einwohner",
        "trend-jobcenters_reporting",
    ],
    "#chart-kennzahlen": ["kennzahl-k2", "kennzahl-k3"],
}


def shown_figures(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "[data-key]", "cells => Object.fromEntries(cells.map(c => [c.dataset.key, c.innerText]))"
    )


def compare(shown: dict[str, str], expected: dict[str, object]) -> list[str]:
    wrong = []
    for key, text in shown.items():
        assert key in expected, f"the page shows {key} = {text!r}, which the test does not know"
        if not figures.matches(figures.parse_de(text), expected[key]):
            wrong.append(f"{key}: page {text!r}, warehouse {expected[key]!r}")
    return wrong


def test_the_page_draws_its_charts(generated, page) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(generated.html.as_uri())
    assert page.title().startswith("Monatsbericht kommunale Jobcenter")
    assert page.inner_text("h1") == "Monatsbericht der kommunalen Jobcenter – Oktober 2026"
    months = len(page.query_selector_all("#trend-tabelle tr")) - 1
    assert months == 14
    for container, series in CHARTS.items():
        box = page.eval_on_selector(
            f"{container} svg",
            "s => { const r = s.getBoundingClientRect(); return [r.width, r.height] }",
        )
        assert box[0] > 400 and box[1] > 100, f"{container} is not drawn at a visible size: {box}"
        for gid in series:
            drawn = page.eval_on_selector(
                f"#{gid} path",
                "p => { const b = p.getBBox(); return {w: b.width, h: b.height, "
                "points: (p.getAttribute('d').match(/[ML]/g) || []).length} }",
            )
            # K2 and K3 need 13 months of history: in 14 months they exist for the last two
            expected_points = 2 if container == "#chart-kennzahlen" else months
            assert drawn["points"] == expected_points, (gid, drawn)
            assert drawn["w"] > 12 * (expected_points - 1), f"{gid} is not drawn: {drawn}"
    bars = page.eval_on_selector_all(
        "#chart-laender [id^='land-k2-'] path", "ps => ps.map(p => p.getBBox().height)"
    )
    lands = len(page.query_selector_all("#laender-tabelle tr")) - 1
    assert len(bars) == lands == 13
    assert all(h > 0 for h in bars), "a Land's K2 bar is not drawn"
    assert requests == [generated.html.as_uri()], f"the page fetched more than itself: {requests}"


def test_every_figure_in_the_page_equals_the_warehouse(generated, report_warehouse, page) -> None:
    page.goto(generated.html.as_uri())
    shown = shown_figures(page)
    expected = figures.national_page(report_warehouse.snapshot, LAST_PERIOD)
    assert compare(shown, expected) == []
    # nothing the report must show is left out
    must_show = [
        k
        for k in expected
        if k.split(".")[0]
        in ("national", "national_same", "land", "status", "targets", "jc", "target")
    ]
    assert [k for k in must_show if k not in shown] == []
    assert len(shown) > 1000
    # the biggest movers are the five largest changes of ELB against the previous month
    changes = sorted((v, k.split(".")[1]) for k, v in expected.items() if k.startswith("mover."))
    up = page.eval_on_selector_all(
        "#movers-up [data-key]", "cs => cs.map(c => c.dataset.key.split('.')[1])"
    )
    down = page.eval_on_selector_all(
        "#movers-down [data-key]", "cs => cs.map(c => c.dataset.key.split('.')[1])"
    )
    assert [ags for _, ags in changes[:5]] == down
    assert [ags for _, ags in changes[::-1][:5]] == up


def test_the_national_figure_equals_the_simulator_truth(generated, report_warehouse, page) -> None:
    page.goto(generated.html.as_uri())
    truth = report_warehouse.simulator.truth(LAST_PERIOD)
    accepted = [r for r in truth["reports"].values() if r["expected"] == "accepted"]
    shown = shown_figures(page)
    assert figures.parse_de(shown["national.jobcenters_reporting"]) == len(accepted) == 102
    for col in ("elb", "bedarfsgemeinschaften", "integrationen", "einwohner"):
        assert figures.parse_de(shown[f"national.{col}"]) == sum(r["totals"][col] for r in accepted)


def test_the_month_names_who_is_missing_or_rejected(generated, page) -> None:
    page.goto(generated.html.as_uri())
    rows = page.eval_on_selector_all(
        "#unvollstaendig tr[data-ags]", "rs => rs.map(r => [r.dataset.ags, r.dataset.status])"
    )
    assert rows == [[REJECTED, "rejected"], [MISSING, "missing"]]
    assert "Landkreis Peine (03157)" in page.inner_text("#unvollstaendig")
    assert "Beispieldaten" in page.inner_text("p.example")


def test_a_reader_gets_from_the_national_table_to_a_profile(
    generated, report_warehouse, page
) -> None:
    page.goto(generated.html.as_uri())
    page.click("#jobcenter-tabelle tr[data-ags='06414'] a")
    page.wait_for_load_state()
    assert page.url.endswith("/jobcenter/06414.html")
    assert page.inner_text("h1") == "Landeshauptstadt Wiesbaden"
    expected = figures.profile_page(report_warehouse.snapshot, LAST_PERIOD, "06414")
    shown = shown_figures(page)
    assert compare(shown, expected) == []
    assert sorted(shown) == sorted(expected)
    drawn = page.eval_on_selector("#profile-elb path", "p => p.getBBox().width")
    assert drawn > 50
    page.click("nav a")
    assert page.url.endswith(f"bericht_{LAST_PERIOD}.html#jobcenter")


def test_every_profile_equals_the_warehouse(generated, report_warehouse, page) -> None:
    files = sorted(generated.profiles_dir.glob("[0-9]*.html"))
    assert len(files) == 104
    for path in files:
        page.goto(path.as_uri())
        expected = figures.profile_page(report_warehouse.snapshot, LAST_PERIOD, path.stem)
        assert compare(shown_figures(page), expected) == [], path.stem


def pdf_text(path: Path) -> list[str]:
    """Text of each page, ligatures (ﬀ, ﬁ) unfolded."""
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(path).pages]


def test_the_pdf_says_what_the_warehouse_says(generated, report_warehouse) -> None:
    assert generated.pdf is not None, generated.pdf_problem
    text = " ".join(pdf_text(generated.pdf))
    expected = figures.national_page(report_warehouse.snapshot, LAST_PERIOD)
    assert "Monatsbericht der kommunalen Jobcenter – Oktober 2026" in text
    for col in ("personen", "bedarfsgemeinschaften", "elb", "integrationen", "einwohner"):
        printed = f"{expected[f'national.{col}']:,}".replace(",", ".")
        assert printed in text, f"national {col} {printed} not in the PDF"
    assert "Landkreis Peine (03157)" in text and "Landkreis Osnabrück (03459)" in text
    k2 = f"{expected['national.k2']:.1f}".replace(".", ",") + " %"
    assert k2 in text


def test_the_pdf_numbers_its_pages_names_its_build_and_repeats_table_headers(
    generated, report_warehouse
) -> None:
    import duckdb

    with duckdb.connect(str(report_warehouse.snapshot), read_only=True) as con:
        [(build,)] = con.execute("select dbt_invocation_id from snapshot_info").fetchall()
    pages = pdf_text(generated.pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"Seite {number} von {len(pages)}" in text, f"page {number}: no page number"
        assert f"Build {build}" in text, f"page {number}: no build id in the footer"
    # the lead paragraph says no build id; the footer does
    first = pages[0]
    assert build not in first[first.index("Die 104 zugelassenen") : first.index("(Wartezeit)")]
    # the jobcenter table runs over several pages, each continuation starts with its header
    table_pages = [t for t in pages if "Landkreis Peine" in t or "Stadt Essen" in t]
    spans = [t for t in pages if "Vergleichsgruppe" in t and "Rang Gruppe" in t]
    assert len(spans) >= 2, "the jobcenter table should span pages with its header on each"
    assert table_pages
    # no section heading is the last thing on a page (stranded from its table)
    headings = ("Bundesweite Eckwerte", "Länder", "Vollständigkeit des Monats", "Methodik")
    for number, text in enumerate(pages, 1):
        body = [line for line in text.splitlines() if line.strip() and "Seite " not in line]
        assert body and body[-1].strip() not in headings, f"heading stranded on page {number}"


def test_the_profiles_pdf_has_one_page_per_jobcenter(generated, report_warehouse) -> None:
    assert generated.profiles_pdf is not None, generated.pdf_problem
    pages = pdf_text(generated.profiles_pdf)
    assert len(pages) == 104
    import duckdb

    con = duckdb.connect(str(report_warehouse.snapshot), read_only=True)
    try:
        rows = con.execute(
            "select j.kreis_ags, j.name, f.elb from dim_jobcenter j left join "
            "fct_jobcenter_month f on j.kreis_ags = f.kreis_ags and f.period = ? order by 1",
            [LAST_PERIOD],
        ).fetchall()
    finally:
        con.close()
    for text, (ags, name, elb) in zip(pages, rows, strict=True):
        assert name in text and f"Kreisschlüssel {ags}" in text, ags
        if elb is not None:
            assert f"{elb:,}".replace(",", ".") in text, ags


def test_without_chromium_the_html_is_written_and_the_reason_is_given(
    report_warehouse, tmp_path, monkeypatch
) -> None:
    from ingest.report import generate

    monkeypatch.setenv("JCW_DATA_DIR", str(report_warehouse.data_dir))
    monkeypatch.setenv("JCW_CHROMIUM", str(tmp_path / "no-such-chromium"))
    paths = generate.generate(LAST_PERIOD, out_dir=tmp_path / "out")
    assert paths.html.exists() and paths.pdf is None and paths.profiles_pdf is None
    assert "Chromium fehlt" in paths.pdf_problem
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_reporting_marts_are_published() -> None:
    """The warehouse's publish() must copy the reporting marts into the BI snapshot."""
    from ingest.report.data import REPORTING_TABLES
    from ingest.warehouse import publish

    assert set(REPORTING_TABLES) <= set(publish.PUBLISHED_TABLES)
