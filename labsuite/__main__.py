"""``python -m labsuite``: the same as the ``labsuite`` command."""

import sys

from labsuite.cli import main

if __name__ == "__main__":
    sys.exit(main())
