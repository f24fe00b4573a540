"""What the pack adds to `pulumi preview`: the same program previewed with and without
`--policy-pack`, interleaved in one run.

    .venv/bin/python bench/preview_overhead.py [--sizes 10,200] [--runs 3] [--bare] [--compare DIR] [--cli-dir DIR]

The program is a Pulumi YAML program of N Deployments (nginx:1.27, two containers'
worth of settings, rendered to a folder by the Kubernetes provider, so no cluster),
previewed on a fresh stack (every resource a create). The Pulumi CLI and its plugins
come from scripts/pulumi-cli.sh (POLICYPACK_PULUMI_CLI_DIR or --cli-dir); the pack is
this checkout, run by Pulumi's Python language host with .venv. Prints wall time
(median and range) with and without the pack, the difference and the ratio per size.

With --bare the same run also previews with a bare pack: one policy that does nothing,
run by the same host from the same virtualenv. What it adds is the floor for any Python
policy pack under this Pulumi (the host, the interpreter, `import pulumi_policy`, and the
engine's Remediate and Analyze round trips for every resource); the rest is this pack's.

With --compare DIR the same run also previews with the pack in DIR (a worktree of an
earlier commit, say, whose `.venv` may be a link to this one's), for same-run figures
before and after a change.

With --trace FILE the first run with the pack also writes the engine's trace
(`pulumi preview --tracing file:FILE`), to see where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import pinned_version  # noqa: E402 - after the path set-up

DEPLOYMENT = """  app{i}:
    type: kubernetes:apps/v1:Deployment
    properties:
      metadata:
        name: app{i}
        namespace: bench
        labels: {{app: app{i}}}
      spec:
        replicas: 2
        selector:
          matchLabels: {{app: app{i}}}
        template:
          metadata:
            labels: {{app: app{i}}}
          spec:
            containers:
              - name: web
                image: nginx:1.27
                ports:
                  - containerPort: 80
                resources:
                  limits: {{cpu: 200m, memory: 128Mi}}
    options:
      provider: ${{render}}
"""


BARE_PACK = """from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy

PolicyPack(
    "bare",
    [ResourceValidationPolicy("noop", "does nothing", validate=lambda args, report_violation: None)],
    enforcement_level=EnforcementLevel.ADVISORY,
)
"""


def write_bare_pack(folder: Path) -> Path:
    """A one-policy pack that does nothing, run with this checkout's virtualenv."""
    folder.mkdir(parents=True)
    (folder / "__main__.py").write_text(BARE_PACK)
    (folder / "PulumiPolicy.yaml").write_text(
        f"runtime:\n  name: python\n  options:\n    virtualenv: {ROOT / '.venv'}\nversion: 0.0.1\n"
    )
    return folder


def write_program(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    body = "".join(DEPLOYMENT.format(i=i) for i in range(count))
    (folder / "Pulumi.yaml").write_text(
        "name: bench\nruntime: yaml\nresources:\n"
        "  render:\n    type: pulumi:providers:kubernetes\n    properties:\n      renderYamlToDirectory: rendered\n"
        + body
    )


def environment(cli_dir: Path, home: Path, state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "POLICYPACK_"))}
    # A user's pack imports from .pyc files (pip writes them for a wheel, Python on the
    # first run of a checkout); without them every preview compiles `policypack` and the
    # 107 rule modules again, about 65 ms of start-up that users do not pay.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PATH=os.pathsep.join([str(cli_dir), env.get("PATH", os.defpath)]),
        PULUMI_HOME=str(home),
        PULUMI_BACKEND_URL=state.as_uri(),
        PULUMI_CONFIG_PASSPHRASE="x",
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        NO_COLOR="1",
    )
    return env


def preview(cli: Path, work: Path, env: dict[str, str], pack: Path | None, trace: str | None = None) -> float:
    args = [str(cli), "preview", "--non-interactive", "--diff=false"]
    if pack is not None:
        args += ["--policy-pack", str(pack)]
    if pack is not None and (pack / "policypack").is_dir():
        # Advisory, so a violation does not end the preview early and both runs do the same work.
        args += ["--policy-pack-config", str(work / "advisory.json")]
    if trace:
        args += ["--tracing", f"file:{trace}"]
    begin = time.perf_counter()
    done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - begin
    if done.returncode != 0:
        raise SystemExit(f"preview failed ({' '.join(args)}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,200")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cli-dir", type=Path)
    parser.add_argument("--trace", help="write the engine trace of the first run with the pack to this file")
    parser.add_argument("--bare", action="store_true", help="also preview with a bare one-policy pack")
    parser.add_argument("--compare", type=Path, help="also preview with the pack in this directory")
    args = parser.parse_args()
    cli_dir = args.cli_dir or Path(
        os.environ.get("POLICYPACK_PULUMI_CLI_DIR") or ROOT / ".cache" / "pulumi-cli" / pinned_version()
    )
    if not (cli_dir / "pulumi").exists():
        raise SystemExit(f"no pulumi in {cli_dir}: run scripts/pulumi-cli.sh (or give --cli-dir)")
    print(f"pulumi {subprocess.run([cli_dir / 'pulumi', 'version'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        packs: dict[str, Path | None] = {"without": None, "with the pack": ROOT}
        if args.compare:
            packs[f"with {args.compare}"] = args.compare.resolve()
        if args.bare:
            packs["with a bare pack"] = write_bare_pack(base / "bare")
        for size in (int(s) for s in args.sizes.split(",")):
            work, home, state = base / f"p{size}", base / f"home{size}", base / f"state{size}"
            home.mkdir()
            state.mkdir()
            write_program(work, size)
            (work / "advisory.json").write_text('{"all": "advisory"}\n')
            env = environment(cli_dir, home, state)
            subprocess.run([cli_dir / "pulumi", "stack", "init", "dev"], cwd=work, env=env, check=True)
            for pack in packs.values():  # warm-up: page cache, .pyc files
                preview(cli_dir / "pulumi", work, env, pack)
            times: dict[str, list[float]] = {label: [] for label in packs}
            for run in range(args.runs):
                for label, pack in packs.items():
                    trace = args.trace if pack == ROOT and run == 0 else None
                    times[label].append(preview(cli_dir / "pulumi", work, env, pack, trace))
            without = statistics.median(times["without"])
            parts = [f"without {without:.2f} s ({min(times['without']):.2f}-{max(times['without']):.2f})"]
            for label in list(packs)[1:]:
                median = statistics.median(times[label])
                parts.append(
                    f"{label} {median:.2f} s ({min(times[label]):.2f}-{max(times[label]):.2f}): "
                    f"+{median - without:.2f} s, ratio {median / without:.2f}"
                )
            print(f"{size:>4} Deployments: " + "; ".join(parts), flush=True)


if __name__ == "__main__":
    main()
