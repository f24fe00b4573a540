"""The Pulumi policy pack's entry point.

The Pulumi CLI runs `python -u -m pulumi.policy <engine-address> <this directory>`,
which executes this file. It is the only place that builds the `PolicyPack` (which
starts the analyzer's gRPC server and never returns); everything else imports
without side effects.
"""

import os
import sys

# The pack's directory is on sys.path when the CLI runs it; make sure of it when run
# by other means too, so `policypack` and `rules` import from this checkout.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    from policypack.pulumi_adapter import serve
except ImportError as error:
    # The virtualenv exists but lacks a dependency: say which and how to fix it, rather
    # than a traceback. (A missing virtualenv never reaches this file; see the README.)
    here = os.path.dirname(os.path.abspath(__file__))
    sys.exit(
        f"policy pack {here}: {error} in {sys.prefix}; install the pack's dependencies: "
        f"{sys.prefix}/bin/pip install -r {os.path.join(here, 'requirements.txt')} (or `pulumi install` there)"
    )

serve()
