"""The mutation check's operators (bench/mutants.py): which tokens it flips, and how."""

from __future__ import annotations

import json

from bench.mutants import apply, json_mutants, python_mutants, select, sql_mutants


def test_python_comparisons_and_integers_outside_strings_and_comments() -> None:
    code = 'if a <= 10 and b != c:  # x < 3\n    s = "1 > 2"\n'
    assert [(m[0], m[3], m[4]) for m in python_mutants(code)] == [
        (1, "<=", "<"),
        (1, "10", "11"),
        (1, "!=", "=="),
    ]
    line, start, end, _, after = python_mutants(code)[0]
    assert apply(code, line, start, end, after).splitlines()[0] == (
        "if a < 10 and b != c:  # x < 3"
    )


def test_sql_operators_and_integers_but_not_star_comments_or_jinja() -> None:
    sql = (
        "select expected.*, count(*) as n\n"
        "-- a / b in a comment\n"
        "{{ ref('x') }} where a >= 12\n"
        "select a * 100.0 / b - 1 as q\n"
        "{#- a Jinja comment: t-12 .. t\n"
        "    over 2 lines -#}\n"
        "{# one line: 3 - 1 #} select 5 - 1\n"
        "select c + 2\n"
    )
    assert [(m[0], m[3], m[4]) for m in sql_mutants(sql)] == [
        (4, "*", "/"),
        (4, "100", "101"),
        (4, "0", "1"),
        (4, "/", "*"),
        (4, "-", "+"),
        (4, "1", "2"),
        (8, "+", "-"),
        (8, "2", "3"),
    ]


def test_json_numeric_bounds() -> None:
    text = '{"min_value": 0, "max_value": 1.05,\n "mostly": 1, "column": "elb"}'
    assert [(m[0], m[3], m[4]) for m in json_mutants(text)] == [
        (1, "0", "1"),
        (1, "1.05", "1.051"),
        (2, "1", "2"),
    ]


def test_select_spreads_the_mutants_evenly() -> None:
    assert select(list(range(10)), 0) == list(range(10))
    assert select(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert select([1, 2], 5) == [1, 2]


def test_recheck_takes_only_the_survivors_of_an_earlier_run(tmp_path) -> None:
    from bench.mutants import survivors_of

    doc = {
        "totals": {"kpi_sql": 2},
        "mutants": [
            {"target": "kpi_sql", "file": "a.sql", "line": 3, "before": "0", "after": "1",
             "killed": False, "seconds": 1.0, "detail": ""},
            {"target": "kpi_sql", "file": "a.sql", "line": 4, "before": "-", "after": "+",
             "killed": True, "seconds": 1.0, "detail": "t"},
        ],
    }  # fmt: skip
    path = tmp_path / "mutants.json"
    path.write_text(json.dumps(doc))
    assert survivors_of(path) == {("a.sql", 3, "0", "1")}
