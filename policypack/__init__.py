"""policypack: the Kubernetes playbook as rules, run offline and as a Pulumi policy pack.

This package is the machinery (model, engine, loader, adapters, reports, CLI); the
rules live in the folder `rules/`: the package `rules` in a checkout, installed by a
wheel as `policypack.rules` (see policypack.registry.rules_package).
"""

import os

__version__ = "0.1.0"

#: The checkout (or install prefix) holding `policypack/` and `rules/`; docs and
#: fixtures are found from here.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
