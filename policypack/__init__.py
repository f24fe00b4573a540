"""policypack: the Kubernetes playbook as rules, run offline and as a Pulumi policy pack.

This package is the machinery (model, engine, loader, adapters, reports, CLI); the
rules live in the top-level `rules` package.
"""

__version__ = "0.1.0"
