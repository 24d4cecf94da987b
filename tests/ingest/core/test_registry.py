import os
import shutil
import subprocess
import sys

import pytest

from ingest.core import registry, settings


def test_registry_has_104_unique_jobcenters_with_reference_population():
    jcs = registry.jobcenters()
    assert len(jcs) == 104
    assert len({jc.kreis_ags for jc in jcs}) == 104
    assert sum(jc.population for jc in jcs) == 22_652_442


def test_registry_keys_are_five_digits_and_match_their_land():
    land_prefix = {
        "SH": "01",
        "NI": "03",
        "NW": "05",
        "HE": "06",
        "RP": "07",
        "BW": "08",
        "BY": "09",
        "SL": "10",
        "BB": "12",
        "MV": "13",
        "SN": "14",
        "ST": "15",
        "TH": "16",
    }
    for jc in registry.jobcenters():
        assert len(jc.kreis_ags) == 5 and jc.kreis_ags.isdigit(), jc
        assert jc.kreis_ags.startswith(land_prefix[jc.land]), jc
        assert jc.kind in {"Landkreis", "kreisfreie Stadt"}


def _settings_in_subprocess(seeds_dir: str) -> subprocess.CompletedProcess:
    code = (
        "from ingest.core import registry, settings; "
        "print(len(registry.jobcenters()), settings.LANDS_CSV)"
    )
    env = {**os.environ, "JCW_SEEDS_DIR": seeds_dir}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_seeds_dir_points_ingest_at_another_registry():
    """JCW_SEEDS_DIR swaps the seeds for ingest (and dbt, via dbt_project.yml)."""
    name = f"seeds_test_{os.getpid()}"
    seeds = settings.DBT_PROJECT_DIR / name
    seeds.mkdir()
    try:
        rows = settings.REGISTRY_CSV.read_text(encoding="utf-8").splitlines()[:3]
        (seeds / "jobcenters.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        done = _settings_in_subprocess(name)
    finally:
        shutil.rmtree(seeds)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", str(seeds / "lands.csv")]


@pytest.mark.parametrize("value", ["/tmp/seeds", "../seeds", "registry"])
def test_a_seeds_dir_outside_the_dbt_project_is_refused(value: str):
    done = _settings_in_subprocess(value)
    assert done.returncode != 0
    assert f"JCW_SEEDS_DIR={value!r}" in done.stderr and "inside dbt_project/" in done.stderr
