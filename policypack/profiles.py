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


#: What a user may type: `1.29`, or as kubectl prints it, `v1.29` or `v1.29.3`.
_VERSION_INPUT = re.compile(r"^v?(1\.(?:0|[1-9][0-9]*))(?:\.[0-9]+)?$")


def check_version(version: str, registry: Registry | None = None) -> str:
    """The version as the rules take it (`1.N`). With `registry`, a version more than
    one minor past the newest the rules know (their default) does not exist yet and is
    refused: `1.99` is a typo, not a cluster."""
    match = _VERSION_INPUT.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        raise ProfileError(f"Kubernetes version must look like 1.30 (or v1.30, as kubectl prints it), got {version!r}")
    normal = match[1]
    newest = newest_known_version(registry) if registry is not None else None
    if newest is not None and _minor(normal) > _minor(newest) + 1:
        raise ProfileError(
            f"Kubernetes {normal} does not exist (the newest version the rules know is {newest}); "
            "give the cluster's version, e.g. from `kubectl version`"
        )
    return normal


def version_warning(version: str, registry: Registry) -> str | None:
    """A warning for a version newer than any the rules know (they judge it as the newest)."""
    newest = newest_known_version(registry)
    if newest is not None and _minor(version) > _minor(newest):
        return f"Kubernetes {version} is newer than any version the rules know; they judge it as {newest}"
    return None


def newest_known_version(registry: Registry) -> str | None:
    """The newest target version any version-aware rule knows (its default)."""
    defaults = [str(rule.options[VERSION_OPTION].get("default")) for rule in registry if VERSION_OPTION in rule.options]
    return max((d for d in defaults if VERSION_PATTERN.fullmatch(d)), key=_minor, default=None)


def _minor(version: str) -> int:
    return int(version.split(".")[1])


def profile_config(name: str, registry: Registry, kubernetes_version: str | None = None) -> dict[str, Any]:
    """The policy-pack-config of a profile: every rule, on or off."""
    if name not in PROFILES:
        raise ProfileError(f"no profile {name!r} (profiles: {', '.join(PROFILES)})")
    if kubernetes_version is not None:
        kubernetes_version = check_version(kubernetes_version, registry)
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
    if profile in ("playbook", "correctness"):
        return rule.enforcement.value  # (correctness: what would break, as the playbook weighs it)
    return Enforcement.MANDATORY.value  # the PSS levels and strict are gates


def with_kubernetes_version(config: dict[str, Any], registry: Registry, version: str) -> dict[str, Any]:
    """`config` with the target version set on every rule that has the option."""
    version = check_version(version, registry)
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
