"""The command line's argparse speaks German (ingest/cli/parser.py), run as the real ``jcw``."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ingest.cli.parser import german_error

JCW = str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "jcw")


@pytest.mark.parametrize(
    ("english", "german"),
    [
        (
            "the following arguments are required: --period",
            "diese Angaben fehlen: --period",
        ),
        ("unrecognized arguments: --perod 2026-10", "unbekannte Angaben: --perod 2026-10"),
        (
            "argument command: invalid choice: 'fetsch' (choose from 'fetch', 'status')",
            "Angabe command: 'fetsch' ist keine der möglichen Angaben ('fetch', 'status')",
        ),
        ("argument --period: expected one argument", "Angabe --period: ein Wert fehlt"),
        ("argument --workers: invalid int value: 'x'", "Angabe --workers: ungültiger Wert 'x'"),
        (
            "Berichtsmonat 2026-13 ist kein Monat JJJJ-MM",
            "Berichtsmonat 2026-13 ist kein Monat JJJJ-MM",
        ),
    ],
)
def test_argparse_messages_are_german(english: str, german: str) -> None:
    assert german_error(english) == german


def test_a_usage_error_is_the_german_usage_and_one_german_line() -> None:
    r = subprocess.run([JCW, "fetch"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0].startswith("Aufruf: jcw fetch [-h] --period PERIOD")
    assert lines[-1] == "jcw: Fehler: diese Angaben fehlen: --period"


def test_the_help_has_german_headings() -> None:
    r = subprocess.run([JCW, "status", "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    assert r.stdout.startswith("Aufruf: jcw status")
    assert "\nOptionen:\n" in r.stdout
    assert re.search(r"\n  -h, --help +diese Hilfe zeigen und beenden\n", r.stdout)
    for english in ("usage:", "options:", "positional arguments:", "show this help"):
        assert english not in r.stdout
