"""What the pack adds to `pulumi preview`: the same program previewed with and without
`--policy-pack`, interleaved in one run.

    .venv/bin/python bench/preview_overhead.py [--sizes 10,200] [--runs 3] [--cli-dir DIR]

The program is a Pulumi YAML program of N Deployments (nginx:1.27, two containers'
worth of settings, rendered to a folder by the Kubernetes provider, so no cluster),
previewed on a fresh stack (every resource a create). The Pulumi CLI and its plugins
come from scripts/pulumi-cli.sh (POLICYPACK_PULUMI_CLI_DIR or --cli-dir); the pack is
this checkout, run by Pulumi's Python language host with .venv. Prints wall time
(median and range) with and without the pack, the difference and the ratio per size.

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


def preview(cli: Path, work: Path, env: dict[str, str], pack: bool, trace: str | None = None) -> float:
    args = [str(cli), "preview", "--non-interactive", "--diff=false"]
    if pack:
        # Advisory, so a violation does not end the preview early and both runs do the same work.
        args += ["--policy-pack", str(ROOT), "--policy-pack-config", str(work / "advisory.json")]
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
    args = parser.parse_args()
    cli_dir = args.cli_dir or Path(
        os.environ.get("POLICYPACK_PULUMI_CLI_DIR") or ROOT / ".cache" / "pulumi-cli" / pinned_version()
    )
    if not (cli_dir / "pulumi").exists():
        raise SystemExit(f"no pulumi in {cli_dir}: run scripts/pulumi-cli.sh (or give --cli-dir)")
    print(f"pulumi {subprocess.run([cli_dir / 'pulumi', 'version'], capture_output=True, text=True).stdout.strip()}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for size in (int(s) for s in args.sizes.split(",")):
            work, home, state = base / f"p{size}", base / f"home{size}", base / f"state{size}"
            home.mkdir()
            state.mkdir()
            write_program(work, size)
            (work / "advisory.json").write_text('{"all": "advisory"}\n')
            env = environment(cli_dir, home, state)
            subprocess.run([cli_dir / "pulumi", "stack", "init", "dev"], cwd=work, env=env, check=True)
            preview(cli_dir / "pulumi", work, env, pack=True)  # warm-up: page cache, .pyc files
            times: dict[bool, list[float]] = {False: [], True: []}
            for run in range(args.runs):
                for pack in (False, True):
                    trace = args.trace if pack and run == 0 else None
                    times[pack].append(preview(cli_dir / "pulumi", work, env, pack, trace))
            without, with_pack = statistics.median(times[False]), statistics.median(times[True])
            print(
                f"{size:>4} Deployments: without {without:.2f} s ({min(times[False]):.2f}-{max(times[False]):.2f}), "
                f"with the pack {with_pack:.2f} s ({min(times[True]):.2f}-{max(times[True]):.2f}): "
                f"+{with_pack - without:.2f} s, ratio {with_pack / without:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
