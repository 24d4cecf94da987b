"""PostgreSQL and Redis from Debian packages for the production topology (harness/services.py).

python scripts/prod_services.py start --root /tmp/jcw-prod --pg-port 5433 --redis-port 6380
python scripts/prod_services.py stop --root /tmp/jcw-prod
"""

import sys

from harness.services import main

if __name__ == "__main__":
    sys.exit(main())
