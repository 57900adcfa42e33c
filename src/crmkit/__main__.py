"""`python -m crmkit` runs the command line, like the `crmkit` script."""

import sys

from crmkit.cli import main

if __name__ == "__main__":  # doctest collection imports this module; do not run then
    sys.exit(main())
