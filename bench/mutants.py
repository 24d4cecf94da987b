"""A small mutation check of the core: flip comparisons and constants, run the tests that
should notice, list the mutants they do not kill.

Targets: the validation rules (``expectations/*.json``, ``ingest/validate/checks.py`` and
``frames.py``), the timeliness (``ingest/core/timeliness.py``) and the KPI SQL
(``dbt_project/models/marts/monthly/*``). Each mutant changes one token: ``<`` ↔ ``<=``,
``>`` ↔ ``>=``, ``==`` ↔ ``!=`` (Python), ``+`` ↔ ``-``, ``*`` ↔ ``/`` (SQL), an integer
``n`` → ``n + 1``, a JSON bound ``n`` → ``n + 1``. It runs in a copy of the committed tree
(``git archive HEAD``), never in the working tree, so a crash leaves nothing mutated; the
Python and JSON mutants run their pytest files, the SQL mutants ``dbt test --resource-type
unit_test`` against a warehouse built once from the unmutated project.

    .venv/bin/python -m bench.mutants                  # every target, at most 12 mutants each
    .venv/bin/python -m bench.mutants --only timeliness --limit 0     # every mutant of one
    .venv/bin/python -m bench.mutants --only kpi_sql --recheck bench/results/mutants.json

Prints a table and writes ``bench/results/mutants.json``. Not part of ``make test`` or CI
(``make mutants``): it takes minutes per target.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT_ROOT / "bench" / "results" / "mutants.json"
PY_FLIPS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
SQL_FLIPS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "+": "-", "-": "+", "*": "/", "/": "*"}
SQL_TOKEN = re.compile(r"(?<![<>=!|.-])(<=|>=|<|>|\+|-|\*|/)(?![=>|-])|\b(\d+)\b")

# target: (files, how the mutant is tested, the tests)
TARGETS: dict[str, tuple[list[str], str, list[str]]] = {
    "timeliness": (
        ["ingest/core/timeliness.py"],
        "pytest",
        ["tests/ingest/core/test_timeliness.py"],
    ),
    "rules_py": (
        ["ingest/validate/checks.py", "ingest/validate/frames.py"],
        "pytest",
        ["tests/ingest/validate/test_frames.py", "tests/ingest/validate/test_engine.py",
         "tests/ingest/validate/test_validate.py", "tests/expectations/test_suites.py"],
    ),
    "rules_json": (
        ["expectations/report_totals.json", "expectations/report_rows.json",
         "expectations/report_cells.json"],
        "pytest",
        ["tests/ingest/validate/test_validate.py", "tests/expectations/test_suites.py"],
    ),
    "kpi_sql": (
        ["dbt_project/models/marts/monthly/kpi_jobcenter_month.sql",
         "dbt_project/macros/jcw_area_month.sql"],
        "dbt_unit",
        [],
    ),
}  # fmt: skip


@dataclass
class Mutant:
    target: str
    file: str
    line: int
    before: str
    after: str
    killed: bool | None = None
    seconds: float = 0.0
    detail: str = ""


def python_mutants(text: str) -> list[tuple[int, int, int, str, str]]:
    """(line, start, end, before, after) for each comparison and integer in the code."""
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.OP and tok.string in PY_FLIPS:
            out.append((tok.start[0], tok.start[1], tok.end[1], tok.string, PY_FLIPS[tok.string]))
        elif tok.type == tokenize.NUMBER and tok.string.isdigit():
            out.append(
                (tok.start[0], tok.start[1], tok.end[1], tok.string, str(int(tok.string) + 1))
            )
    return out


def sql_mutants(text: str) -> list[tuple[int, int, int, str, str]]:
    """Operators and integers of SQL lines, outside comments (SQL and Jinja) and Jinja tags."""
    out = []
    in_comment = False
    for number, line in enumerate(text.splitlines(), 1):
        if in_comment or "{#" in line:  # a Jinja comment, on one line or several
            in_comment = "#}" not in line
            continue
        code = line.split("--", 1)[0]
        if "{{" in code or "{%" in code or not code.strip():
            continue
        for m in SQL_TOKEN.finditer(code):
            if m.group(1):
                if m.group(1) == "*" and re.search(r"(select|,|\()\s*\*|\*\s*\)", code):
                    continue  # select * / count(*)
                out.append((number, m.start(), m.end(), m.group(1), SQL_FLIPS[m.group(1)]))
            else:
                out.append((number, m.start(), m.end(), m.group(2), str(int(m.group(2)) + 1)))
    return out


def json_mutants(text: str) -> list[tuple[int, int, int, str, str]]:
    """Numeric bounds of the expectations (``min_value``, ``max_value``, … ``: <number>``)."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r'"(\w+)":\s*(-?\d+(?:\.\d+)?)\s*(,|$)', line):
            value = m.group(2)
            after = str(int(value) + 1) if re.fullmatch(r"-?\d+", value) else f"{value}1"
            out.append((number, m.start(2), m.end(2), value, after))
    return out


def apply(text: str, line: int, start: int, end: int, after: str) -> str:
    lines = text.splitlines(keepends=True)
    s = lines[line - 1]
    lines[line - 1] = s[:start] + after + s[end:]
    return "".join(lines)


def copy_tree(work: Path) -> Path:
    """The committed tree, unpacked below ``work``."""
    tree = work / "tree"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def run_pytest(tree: Path, tests: list[str], env: dict[str, str], timeout: int) -> tuple[bool, str]:
    """True if the tests fail (the mutant is killed)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
            cwd=tree, env=env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return True, "timeout"
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    return proc.returncode != 0, last


DBT_UNIT = """
import json, sys
from ingest.warehouse import build
try:
    results = build.unit_tests()
except Exception as exc:  # a mutant that breaks compilation is killed
    print("UNIT " + json.dumps({"error": str(exc)[:300]}))
else:
    print("UNIT " + json.dumps(results))
"""


def run_dbt_unit(tree: Path, env: dict[str, str], timeout: int) -> tuple[bool, str]:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", DBT_UNIT], cwd=tree, env=env, capture_output=True, text=True,
            timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return True, "timeout"
    lines = [x for x in proc.stdout.splitlines() if x.startswith("UNIT ")]
    if not lines:
        return True, f"exit {proc.returncode}"
    result = json.loads(lines[-1][5:])
    if "error" in result:
        return True, result["error"][:80]
    failed = sorted(k.rsplit(".", 1)[-1] for k, v in result.items() if v != "pass")
    return bool(failed), ", ".join(failed) or f"{len(result)} unit tests pass"


def prepare_dbt(tree: Path, env: dict[str, str]) -> None:
    """Build the empty warehouse once, so the unit tests find every upstream relation."""
    subprocess.run(
        [sys.executable, "-c", "from ingest.warehouse import build; build.build()"],
        cwd=tree, env=env, check=True, capture_output=True, timeout=1800,
    )  # fmt: skip


def select(candidates: list, limit: int) -> list:
    """At most ``limit`` mutants, spread evenly over the file (0: all)."""
    if not limit or len(candidates) <= limit:
        return candidates
    step = len(candidates) / limit
    return [candidates[int(i * step)] for i in range(limit)]


def survivors_of(path: Path) -> set[tuple[str, int, str, str]]:
    """The mutants an earlier run's JSON lists as surviving: (file, line, before, after)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {(m["file"], m["line"], m["before"], m["after"]) for m in doc["mutants"]
            if not m["killed"]}  # fmt: skip


def check_target(
    name: str, tree: Path, env: dict[str, str], limit: int, timeout: int, only: set | None = None
):
    files, kind, tests = TARGETS[name]
    found = []
    for rel in files:
        text = (tree / rel).read_text(encoding="utf-8")
        finder = {".py": python_mutants, ".sql": sql_mutants, ".json": json_mutants}[
            Path(rel).suffix
        ]
        found += [(rel, text, m) for m in finder(text)]
    if only is not None:  # re-check the survivors of an earlier run (same lines)
        found = [f for f in found if (f[0], f[2][0], f[2][3], f[2][4]) in only]
        limit = 0
    if kind == "dbt_unit" and found:
        prepare_dbt(tree, env)
    for rel, text, (line, start, end, before, after) in select(found, limit):
        mutant = Mutant(name, rel, line, before, after)
        path = tree / rel
        path.write_text(apply(text, line, start, end, after), encoding="utf-8")
        started = time.monotonic()
        try:
            if kind == "pytest":
                mutant.killed, mutant.detail = run_pytest(tree, tests, env, timeout)
            else:
                mutant.killed, mutant.detail = run_dbt_unit(tree, env, timeout)
        finally:
            path.write_text(text, encoding="utf-8")
        mutant.seconds = round(time.monotonic() - started, 1)
        verdict = "killed  " if mutant.killed else "SURVIVED"
        print(f"  {verdict} {rel}:{line} {before!r} -> {after!r} ({mutant.seconds:.0f} s) "
              f"{mutant.detail}", flush=True)  # fmt: skip
        yield mutant, len(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.mutants", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--only", action="append", choices=sorted(TARGETS))
    parser.add_argument("--limit", type=int, default=12, help="mutants per target (0: all)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per mutant")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--recheck", type=Path, metavar="JSON",
        help="try only the mutants that survived in this earlier result file",
    )  # fmt: skip
    args = parser.parse_args(argv)
    only = survivors_of(args.recheck) if args.recheck else None
    mutants: list[Mutant] = []
    totals: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="jcw-mutants-") as work:
        tree = copy_tree(Path(work))
        data = Path(work) / "data"
        data.mkdir()
        env = {**os.environ, "JCW_DATA_DIR": str(data), "PYTHONPATH": str(tree),
               "JCW_TODAY": os.environ.get("JCW_TODAY", "2026-12-01")}  # fmt: skip
        for name in args.only or list(TARGETS):
            print(f"{name}:", flush=True)
            for mutant, total in check_target(name, tree, env, args.limit, args.timeout, only):
                mutants.append(mutant)
                totals[name] = total
        shutil.rmtree(tree, ignore_errors=True)
    print(f"\n{'target':<12} {'mutants':>7} {'tried':>5} {'killed':>6} {'survived':>8}")
    for name in args.only or list(TARGETS):
        tried = [m for m in mutants if m.target == name]
        killed = sum(1 for m in tried if m.killed)
        print(f"{name:<12} {totals.get(name, 0):>7} {len(tried):>5} {killed:>6} "
              f"{len(tried) - killed:>8}")  # fmt: skip
    survivors = [m for m in mutants if not m.killed]
    for m in survivors:
        print(f"survivor: {m.file}:{m.line} {m.before!r} -> {m.after!r}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"totals": totals, "mutants": [asdict(m) for m in mutants]}, indent=2,
            ensure_ascii=False,
        ) + "\n"
    )  # fmt: skip
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
