"""``make setup`` provides what printing the PDF needs, or says in one line how to get it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _make_chromium(path: str, **env: str) -> subprocess.CompletedProcess:
    make = shutil.which("make")
    return subprocess.run(
        [make, "-s", "-C", str(ROOT), "chromium"],
        env={"PATH": path, "HOME": os.environ.get("HOME", "/root"), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_chromium_on_the_path_setup_is_silent():
    run = _make_chromium(os.environ["PATH"] + ":/usr/bin")
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""


def test_without_chromium_and_apt_setup_says_in_one_line_how_to_get_the_pdf(tmp_path: Path):
    bin_dir = tmp_path / "bin"  # a PATH with the shell's tools, no chromium, no apt-get
    bin_dir.mkdir()
    for tool in ("id", "bash", "sh"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    run = _make_chromium(str(bin_dir))
    assert run.returncode == 0, run.stderr
    [line] = run.stdout.splitlines()
    assert "Chromium fehlt" in line and "apt-get install chromium" in line


def test_a_configured_chromium_is_taken_as_it_is(tmp_path: Path):
    run = _make_chromium(str(tmp_path), JCW_CHROMIUM="/opt/chromium/chrome")
    assert run.returncode == 0 and run.stdout == ""
