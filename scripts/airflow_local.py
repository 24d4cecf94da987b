"""``make airflow``: the Airflow UI on the demo's data (harness/launcher.py)."""

import sys

from harness.launcher import main

if __name__ == "__main__":
    sys.exit(main())
