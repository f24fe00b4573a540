"""Coverage-guided fuzzing of the config path with atheris (not part of CI).

    python3 -m venv .cache/fuzz-venv
    .cache/fuzz-venv/bin/pip install -c constraints.txt -e . atheris==3.0.0
    .cache/fuzz-venv/bin/python scripts/fuzz_config.py [--seconds 300] [libFuzzer options...]

Each input is a config file's bytes, read the way `policypack lint --config FILE`
and `check-config` read it: as `.json` (strict JSON) when its first byte is even,
else as `.yaml`; then over a profile (`merge_config`), with a target version, into a
`PackConfig`, and the engine runs with it on a few objects so that exemptions,
annotations and the unused-exemption check meet what the config holds. A crash is any
exception other than `ConfigError` / `ProfileError` (the CLI would print "internal
error"), or a rule failure.

The seed corpus is every config in the checkout (examples, profiles, robustness
tests), copied to .cache/fuzz-config/corpus, where the fuzzer keeps what it finds;
crashing inputs are written to .cache/fuzz-config/ as crash-*. Shapes it found are in
tests/test_robustness.py (`test_config_shapes_found_by_fuzzing`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".cache" / "fuzz-config"

with atheris.instrument_imports():
    from policypack.checks import unused_exemptions
    from policypack.cli import merge_config
    from policypack.config import ConfigError, PackConfig, parse_config_text
    from policypack.engine import Engine
    from policypack.lint import LintResult, lint_text
    from policypack.profiles import ProfileError, profile_config, with_kubernetes_version
    from policypack.registry import load_registry

    REGISTRY = load_registry()

OBJECTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {ignore.policypack.io/require-pinned-images: "vendor", ignore.policypack.io/x.y: z}
spec:
  template:
    spec:
      containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer}
"""


def one_input(data: bytes) -> None:
    if not data:
        return
    source = "fuzz.json" if data[0] % 2 == 0 else "fuzz.yaml"
    try:
        text = data[1:].decode("utf-8")
    except UnicodeDecodeError:
        return  # load_config_mapping turns this into a ConfigError
    try:
        loaded = parse_config_text(text, source)
        if not isinstance(loaded, dict):
            PackConfig.from_mapping(loaded, REGISTRY, source)  # must refuse it cleanly
            return
        for base in ({}, profile_config("strict", REGISTRY)):
            merged = merge_config(base, loaded) if base else dict(loaded)
            version = loaded.get("kubernetesVersion") if isinstance(loaded.get("kubernetesVersion"), str) else None
            if version is not None:
                merged = with_kubernetes_version(merged, REGISTRY, version)
            config = PackConfig.from_mapping(merged, REGISTRY, source)
            engine = Engine(REGISTRY, config)
            result = LintResult()
            lint_text("objects.yaml", OBJECTS, engine, result)
            for finding in result.findings:
                if finding.error:
                    raise AssertionError(f"rule {finding.rule} failed: {finding.message}")
            unused_exemptions(result.findings, REGISTRY, config.settings, source, "2026-01-01")
    except (ConfigError, ProfileError):
        return


def seed_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    sources = [ROOT / "examples" / "config", ROOT / "profiles", ROOT / "tests" / "robustness"]
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
                prefix = b"\x00" if path.suffix == ".json" else b"\x01"
                (corpus / f"seed-{path.parent.name}-{path.name}").write_bytes(prefix + path.read_bytes())
    yaml_seed = b"\x01require-resource-limits:\n  exemptions:\n    - {name: x, reason: r, expires: 2027-03-01}\n"
    (corpus / "seed-yaml-date.yaml").write_bytes(yaml_seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=300, help="how long to fuzz")
    args, libfuzzer = parser.parse_known_args()
    corpus = WORK / "corpus"
    if corpus.exists() and not any(corpus.iterdir()):
        shutil.rmtree(corpus)
    seed_corpus(corpus)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={args.seconds}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-max_len=8192",
        f"-artifact_prefix={WORK}/",
        "-print_final_stats=1",
        *libfuzzer,
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
