"""`policypack init-pack DIR`: write a Pulumi policy pack directory for an installed pack.

A checkout is itself a pack directory (PulumiPolicy.yaml and __main__.py at its root).
A team that installed the wheel has no such folder, and `pulumi preview --policy-pack`
needs one. This writes it:

- `PulumiPolicy.yaml`: the Python runtime and the virtualenv Pulumi runs the pack with
  (`.venv` inside DIR by default, or an existing one with `--virtualenv`);
- `__main__.py`: imports the installed `policypack` and serves the pack (or says
  what to install when the virtualenv lacks it);
- `requirements.txt`: this package and its run-time dependencies pinned at the
  versions installed now, so the pack's virtualenv gets what was tested here;
- `pack-config.json`: a profile (`--profile`, default `playbook`) for
  `--policy-pack-config`.

Pulumi does not create a missing virtualenv when it starts a local policy pack (and at
3.274.1 `pulumi policy analyze` then hangs): create it first, with `pulumi install` in
DIR or `python3 -m venv DIR/.venv && DIR/.venv/bin/pip install -r DIR/requirements.txt`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from policypack import __version__
from policypack.profiles import render_profile
from policypack.registry import Registry

DISTRIBUTION = "policypack-k8s-playbook"
PACK_NAME = "kubernetes-playbook"
CONFIG_FILE = "pack-config.json"
FILES = ("PulumiPolicy.yaml", "__main__.py", "requirements.txt", CONFIG_FILE)


MAIN_PY = '''"""Entry point of the Kubernetes playbook policy pack (written by `policypack init-pack`).

Pulumi runs `python -m pulumi.policy <engine> <this directory>`, which executes this file
with the virtualenv PulumiPolicy.yaml names; the rules come from the installed package."""

import os
import sys

try:
    from policypack.pulumi_adapter import serve
except ImportError as error:  # the virtualenv lacks the pack: say so, not a traceback
    here = os.path.dirname(os.path.abspath(__file__))
    requirements = os.path.join(here, "requirements.txt")
    sys.exit(
        f"policy pack {here}: {error} in {sys.prefix}; install the pack: "
        f"{sys.prefix}/bin/pip install -r {requirements} (or `pulumi install` there)"
    )

serve()
'''


class PackDirError(Exception):
    """The directory cannot be written (files exist without --force, or not a folder)."""


def _requirement_name(requirement: str) -> str | None:
    """The distribution a dependency line names, or None for an extra-only line."""
    if "extra ==" in requirement:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return match.group(1) if match else None


def pinned_requirements(distribution: str = DISTRIBUTION) -> list[str]:
    """`name==version` for the distribution and, recursively, every run-time dependency
    installed with it (what the pack needs, at the versions it was installed with)."""
    pins: dict[str, str] = {}
    pending = [distribution]
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in pins:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional or platform-specific dependency that is not installed
        pins[key] = f"{dist.metadata['Name']}=={dist.version}"
        for requirement in dist.requires or ():
            if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
                continue
            dependency = _requirement_name(requirement)
            if dependency:
                pending.append(dependency)
    main = pins.pop(re.sub(r"[-_.]+", "-", distribution).lower(), f"{distribution}=={__version__}")
    return [main, *sorted(pins.values(), key=str.lower)]


def render_files(
    registry: Registry,
    profile: str = "playbook",
    kubernetes_version: str | None = None,
    virtualenv: str = ".venv",
    requirement: str | None = None,
) -> dict[str, str]:
    """The pack directory's files by name."""
    pins = pinned_requirements()
    if requirement:
        pins[0] = requirement
    policy_yaml = (
        "# Written by `policypack init-pack`: the Kubernetes playbook policy pack, installed as the\n"
        f"# Python package {DISTRIBUTION} ({pins[0]}).\n"
        "#   pulumi preview --policy-pack <this directory> --policy-pack-config <this directory>/"
        f"{CONFIG_FILE}\n"
        "# Pulumi runs __main__.py with the virtualenv below (relative to this directory). Create it\n"
        "# first (`pulumi install` here does, from requirements.txt): Pulumi does not when it runs the\n"
        "# pack, and `pulumi policy analyze` hangs without it.\n"
        "runtime:\n"
        "  name: python\n"
        "  options:\n"
        f"    virtualenv: {json.dumps(virtualenv)}\n"
        f"version: {__version__}\n"
        "description: Kubernetes playbook rules (workload hardening, least privilege, exposure, delivery).\n"
        "license: Apache-2.0\n"
    )
    main = MAIN_PY
    requirements = (
        "# Written by `policypack init-pack`: the pack and its run-time dependencies, pinned at the\n"
        "# versions installed when it was written. If the first line's package is on no index\n"
        "# your pip reaches, install its wheel: pip install --find-links <folder with the wheel> -r requirements.txt\n"
        + "".join(f"{line}\n" for line in pins)
    )
    return {
        "PulumiPolicy.yaml": policy_yaml,
        "__main__.py": main,
        "requirements.txt": requirements,
        CONFIG_FILE: render_profile(profile, registry, kubernetes_version),
    }


def write_pack(directory: str | os.PathLike[str], files: dict[str, str], force: bool = False) -> list[Path]:
    """Write the files into the directory (created if missing); refuse to overwrite
    existing ones unless forced. Returns the paths written."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise PackDirError(f"{folder} exists and is not a directory")
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise PackDirError(f"{folder} already has {', '.join(existing)} (use --force to overwrite)")
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in files.items():
        (folder / name).write_text(text)
        written.append(folder / name)
    return written


def next_steps(folder: Path, virtualenv: str, written: Iterable[Path]) -> str:
    venv = Path(virtualenv) if os.path.isabs(virtualenv) else folder / virtualenv
    lines = [f"wrote {path}" for path in written]
    if not (venv / "bin" / "python").exists():
        lines += [
            "next: create the pack's virtualenv (Pulumi will not when it runs the pack):",
            f"  (cd {folder} && pulumi install)   # or:",
            f"  python3 -m venv {venv} && {venv}/bin/pip install -r {folder / 'requirements.txt'}",
        ]
    lines.append(
        f"then: pulumi preview --policy-pack {folder} --policy-pack-config {folder / CONFIG_FILE}",
    )
    return "\n".join(lines) + "\n"
