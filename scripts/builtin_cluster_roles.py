#!/usr/bin/env python3
"""Regenerate rules/identity/builtin_cluster_roles.json from Kubernetes' bootstrap policy.

The API server creates its default ClusterRoles (`admin`, `edit`, `view`,
`cluster-admin`, `system:*`) from its RBAC bootstrap policy
(kubernetes/kubernetes, plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go).
The same package keeps the generated result as test data,
`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml`, a List
of ClusterRoles. This script reads that file and keeps, per role, what the RBAC
rules need to judge a binding to it: its rules, its aggregation rule and its
`aggregate-to-*` labels. `rbac-binding-grants` then judges a binding to a built-in
role it does not see in the linted files by what the role grants.

    python scripts/builtin_cluster_roles.py --file PATH [--ref LABEL]
    python scripts/builtin_cluster_roles.py --ref v1.34.0        # downloads that tag's file

Kubernetes is Apache-2.0 licensed; the output records the source, the ref and the
license. Re-run it when targeting another Kubernetes version; tests/test_rbac_builtin.py
checks the stored file is what this script makes of its recorded source whenever a
copy of that source is found next to the checkout.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "rules" / "identity" / "builtin_cluster_roles.json"
UPSTREAM_PATH = "plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/cluster-roles.yaml"
RAW_URL = "https://raw.githubusercontent.com/kubernetes/kubernetes/{ref}/" + UPSTREAM_PATH
AGGREGATE_PREFIX = "rbac.authorization.k8s.io/aggregate-to-"


def convert(data: Any, ref: str) -> dict[str, Any]:
    """The stored form of a bootstrap-policy List of ClusterRoles."""
    roles: dict[str, Any] = {}
    for item in data.get("items") or []:
        if not isinstance(item, dict) or item.get("kind") != "ClusterRole":
            continue
        metadata = item.get("metadata") or {}
        labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k.startswith(AGGREGATE_PREFIX)}
        role: dict[str, Any] = {}
        if labels:
            role["labels"] = dict(sorted(labels.items()))
        if item.get("aggregationRule") is not None:
            role["aggregationRule"] = item["aggregationRule"]
        role["rules"] = item.get("rules") or []
        roles[metadata["name"]] = role
    return {
        "source": {
            "repository": "https://github.com/kubernetes/kubernetes",
            "path": UPSTREAM_PATH,
            "ref": ref,
            "license": "Apache-2.0",
        },
        "roles": dict(sorted(roles.items())),
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, help="a copy of the upstream cluster-roles.yaml")
    parser.add_argument("--ref", help="the Kubernetes tag or commit it comes from (downloaded when --file is absent)")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if args.file is None and not args.ref:
        parser.error("give --file PATH (with --ref naming where it comes from) or --ref TAG to download")
    if args.file is not None:
        text = args.file.read_text(encoding="utf-8")
    else:
        with urllib.request.urlopen(RAW_URL.format(ref=args.ref), timeout=60) as response:
            text = response.read().decode("utf-8")
    out = convert(yaml.safe_load(text), args.ref or "unknown")
    args.output.write_text(render(out), encoding="utf-8")
    print(f"wrote {len(out['roles'])} roles to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
