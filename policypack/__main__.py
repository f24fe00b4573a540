"""`python -m policypack` runs the command-line interface (not the Pulumi pack)."""

import sys

from policypack.cli import main

sys.exit(main())
