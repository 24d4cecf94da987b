"""The PDF of a report page: the same HTML printed by headless Chromium.

Chromium runs with flags that keep it off the network and out of any user profile. Without
Chromium the HTML is still written, and the reason the PDF is missing is returned.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def chromium_binary() -> str | None:
    """Path of the Chromium used for the PDF (``JCW_CHROMIUM`` or ``chromium`` on PATH)."""
    configured = os.environ.get("JCW_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Chromium flags that keep the browser off the network (the report needs none).
OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_flags(profile_dir: Path) -> list[str]:
    """Headless flags that keep Chromium off the network and out of the user's profile."""
    return [
        "--headless",
        *OFFLINE_FLAGS,
        "--disable-extensions",
        f"--user-data-dir={profile_dir}",
    ]


def print_pdf(html: Path, pdf: Path, *, timeout_s: float = 120.0) -> str | None:
    """Print ``html`` to ``pdf`` with headless Chromium; return None or why it failed."""
    binary = chromium_binary()
    if binary is None:
        return (
            "PDF nicht erzeugt: Chromium fehlt (Debian: apt-get install chromium, "
            "oder JCW_CHROMIUM auf die ausführbare Datei setzen)"
        )
    tmp = pdf.with_name(f".{pdf.name}.tmp-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="jcw-chromium-") as profile:
        cmd = [
            binary,
            *chromium_flags(Path(profile)),
            "--no-pdf-header-footer",
            f"--print-to-pdf={tmp}",
            html.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            tmp.unlink(missing_ok=True)
            return f"PDF nicht erzeugt: Chromium ist fehlgeschlagen ({type(exc).__name__})"
    if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return f"PDF nicht erzeugt: Chromium endete mit {proc.returncode}: {tail}"
    os.replace(tmp, pdf)
    return None
