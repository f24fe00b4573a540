"""Profiles: rule selections a user picks in one word, shipped as config files.

A profile is a policy-pack-config file (`profiles/<name>.json`), so one file works in
both modes: `policypack lint --profile NAME` (or `--config profiles/NAME.json`) and
`pulumi preview --policy-pack-config profiles/NAME.json`. The files are generated from
the rules (`policypack docs --write`; CI fails when they are stale) and list every rule
explicitly rather than relying on `all`, so what a profile does is plain to read.

The target Kubernetes version is one setting per mode: `policypack lint
--kubernetes-version 1.N`, or for Pulumi a profile written for that version with
`policypack profile NAME --kubernetes-version 1.N > pack-config.json`. Either sets the
`kubernetesVersion` option of every rule that has one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policypack import ROOT
from policypack.registry import Registry
from policypack.rule import PROFILES, Enforcement, Rule

# `profiles/` in a checkout; a wheel installs the same files as policypack/_profiles/.
_INSTALLED_PROFILES = Path(__file__).resolve().parent / "_profiles"
PROFILES_DIR = _INSTALLED_PROFILES if _INSTALLED_PROFILES.is_dir() else Path(ROOT) / "profiles"
VERSION_OPTION = "kubernetesVersion"
VERSION_PATTERN = re.compile(r"^1\.[0-9]+$")


class ProfileError(Exception):
    """An unknown profile or a malformed Kubernetes version."""


def check_version(version: str) -> str:
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        raise ProfileError(f"Kubernetes version must look like 1.30, got {version!r}")
    return version


def profile_config(name: str, registry: Registry, kubernetes_version: str | None = None) -> dict[str, Any]:
    """The policy-pack-config of a profile: every rule, on or off."""
    if name not in PROFILES:
        raise ProfileError(f"no profile {name!r} (profiles: {', '.join(PROFILES)})")
    if kubernetes_version is not None:
        check_version(kubernetes_version)
    config: dict[str, Any] = {}
    for rule in registry:
        if not rule.in_profile(name):
            config[rule.name] = Enforcement.DISABLED.value
            continue
        entry: dict[str, Any] = {"enforcementLevel": _level(name, rule)}
        if name == "strict":
            entry["allowSuppression"] = False
        if kubernetes_version is not None and VERSION_OPTION in rule.options:
            entry[VERSION_OPTION] = kubernetes_version
        config[rule.name] = entry
    return config


def _level(profile: str, rule: Rule) -> str:
    if profile == "playbook":
        return rule.enforcement.value
    return Enforcement.MANDATORY.value  # the PSS levels and strict are gates


def with_kubernetes_version(config: dict[str, Any], registry: Registry, version: str) -> dict[str, Any]:
    """`config` with the target version set on every rule that has the option."""
    check_version(version)
    out = dict(config)
    for rule in registry:
        if VERSION_OPTION not in rule.options:
            continue
        entry = out.get(rule.name)
        if isinstance(entry, str):
            entry = {"enforcementLevel": entry}
        if entry is None or isinstance(entry, Mapping):
            out[rule.name] = {**(entry or {}), VERSION_OPTION: version}
        # anything else is left as it is, for the config's validation to refuse
    return out


def render_profile(name: str, registry: Registry, kubernetes_version: str | None = None) -> str:
    return json.dumps(profile_config(name, registry, kubernetes_version), indent=2) + "\n"


def profile_files(registry: Registry) -> dict[Path, str]:
    """The shipped profile files and their expected content."""
    return {PROFILES_DIR / f"{name}.json": render_profile(name, registry) for name in PROFILES}
