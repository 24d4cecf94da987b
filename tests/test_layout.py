"""The layout of the code: import rules that lint can enforce, and sizes a reader can hold.

`make lint` runs `lint-imports` with the contracts in pyproject.toml; these tests show that
the contracts really fail on a violation (a copy of the tree with a cycle added), and hold
the size limits of docs/architecture.md.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")
PACKAGES = ("ingest", "simulator", "harness", "bench", "tests")
STAGES = ("core", "collect", "notify", "validate", "warehouse", "status", "report", "cli")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The code and its import contracts, copied to a temporary directory."""
    ignore = shutil.ignore_patterns("__pycache__", "results", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True
    )


def add_import(module: Path, statement: str) -> None:
    module.write_text(module.read_text() + f"\n{statement}\n")


def test_the_contracts_hold_on_the_tree() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_cycle_between_two_modules_of_a_stage_breaks_the_lint(tree_copy: Path) -> None:
    # store is imported by run; run importing back from store makes a cycle inside validate.
    add_import(tree_copy / "ingest" / "validate" / "store.py", "from ingest.validate import run")
    done = lint_imports(tree_copy)
    assert done.returncode == 1
    assert "No import cycles anywhere in the product BROKEN" in done.stdout
    assert ".store -> .run" in done.stdout or ".run -> .store" in done.stdout


def test_core_importing_a_stage_breaks_the_lint(tree_copy: Path) -> None:
    add_import(tree_copy / "ingest" / "core" / "layout.py", "import ingest.validate.store")
    done = lint_imports(tree_copy)
    assert done.returncode == 1
    assert "ingest.core is not allowed to import ingest.validate" in done.stdout
    assert "ingest.core.layout -> ingest.validate.store" in done.stdout


def test_the_product_importing_the_simulator_breaks_the_lint(tree_copy: Path) -> None:
    add_import(tree_copy / "ingest" / "status" / "monitor.py", "import simulator.world")
    done = lint_imports(tree_copy)
    assert done.returncode == 1
    assert "The simulator and the product never import each other BROKEN" in done.stdout


def test_benchmarks_importing_the_tests_break_the_lint(tree_copy: Path) -> None:
    add_import(tree_copy / "bench" / "common.py", "import tests.conftest")
    done = lint_imports(tree_copy)
    assert done.returncode == 1
    assert "Benchmarks never import the tests BROKEN" in done.stdout


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_says_what_it_owns_and_may_import(stage: str) -> None:
    doc = ast.get_docstring(ast.parse((ROOT / "ingest" / stage / "__init__.py").read_text()))
    assert doc and doc.startswith(f"{stage}: "), doc
    assert "May import:" in doc


def _sizes() -> tuple[dict[str, int], dict[str, int]]:
    modules, functions = {}, {}
    for path in sorted((ROOT / "ingest").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        source = path.read_text(encoding="utf-8")
        modules[rel] = len(source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions[f"{rel}:{node.name}"] = node.end_lineno - node.lineno + 1
    return modules, functions


def test_modules_and_functions_stay_short() -> None:
    modules, functions = _sizes()
    long_modules = {m: n for m, n in modules.items() if n > MAX_MODULE_LINES}
    long_functions = {f: n for f, n in functions.items() if n > MAX_FUNCTION_LINES}
    assert long_modules == {}
    assert long_functions == {}
