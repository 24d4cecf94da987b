"""``make demo``: the whole pipeline through the real Airflow (harness/demo.py)."""

import sys

from harness.demo import main

if __name__ == "__main__":
    sys.exit(main())
