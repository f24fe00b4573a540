"""How `policypack lint` scales with the number of documents.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,50000] [--runs 3] [--per-file 100]

Generates sets of documents (a realistic, seeded mix: Deployments, StatefulSets,
DaemonSets, CronJobs, Services, Ingresses, ConfigMaps, Secrets, ServiceAccounts,
Roles and RoleBindings, some of them breaking rules) into a temporary directory, in
files of `--per-file` documents, and lints each set in a new process, measured with
`os.wait4`: wall time, CPU time and peak RSS of the child, with the default text
report and (peak RSS only) with `--format json`. PyYAML's C loader only loading the
same files is measured beside it. Time should grow linearly with the
documents (constant µs per document) and memory should stay nearly flat: past a
threshold the findings and the objects the stack rules wait for go to temporary
files (policypack/spill.py). The sets are written by a child process, as a child's
peak RSS counts this process's RSS at the moment it was started.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import BARE_LOAD  # noqa: E402 - bench/ is not a package
from vs_checkov import Run, measure  # noqa: E402

IMAGES = [
    "registry.example.com/shop/web:1.4.2",
    "ghcr.io/example/api@sha256:" + "ab" * 32,
    "nginx:latest",
    "redis",
    "quay.io/prometheus/node-exporter:v1.8.1",
    "docker.io/library/postgres:16.3",
]


def container(rng: random.Random, name: str) -> dict:
    out: dict = {
        "name": name,
        "image": rng.choice(IMAGES),
        "ports": [{"containerPort": rng.choice([80, 8080, 9090, 5432]), "protocol": "TCP"}],
        "env": [{"name": f"VAR_{i}", "value": f"value-{rng.randint(0, 999)}"} for i in range(rng.randint(0, 6))],
    }
    if rng.random() < 0.7:
        out["resources"] = {
            "requests": {"cpu": f"{rng.choice([50, 100, 250])}m", "memory": f"{rng.choice([64, 128, 256])}Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        }
    if rng.random() < 0.5:
        out["securityContext"] = {"runAsNonRoot": True, "readOnlyRootFilesystem": rng.random() < 0.8}
    if rng.random() < 0.6:
        out["readinessProbe"] = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}
    return out


def metadata(rng: random.Random, name: str, namespace: str) -> dict:
    return {
        "name": name,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "shop", "tier": rng.choice("ab")},
        "annotations": {"example.com/owner": f"team-{rng.randint(1, 20)}"},
    }


def pod_template(rng: random.Random, name: str) -> dict:
    containers = [container(rng, name)] + [container(rng, f"sidecar-{i}") for i in range(rng.randint(0, 2))]
    spec: dict = {"containers": containers, "serviceAccountName": name}
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, "init")]
    return {"metadata": {"labels": {"app.kubernetes.io/name": name}}, "spec": spec}


def document(rng: random.Random, index: int) -> dict:
    name, namespace = f"app-{index}", f"ns-{index % 37}"
    meta = metadata(rng, name, namespace)
    selector = {"matchLabels": {"app.kubernetes.io/name": name}}
    kind = rng.choices(
        [
            "Deployment",
            "Service",
            "ConfigMap",
            "StatefulSet",
            "DaemonSet",
            "CronJob",
            "Ingress",
            "Secret",
            "ServiceAccount",
            "Role",
            "RoleBinding",
        ],
        weights=[25, 20, 15, 5, 3, 4, 6, 5, 7, 5, 5],
    )[0]
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        spec: dict = {"selector": selector, "template": pod_template(rng, name)}
        if kind != "DaemonSet":
            spec["replicas"] = rng.randint(1, 5)
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}
    if kind == "CronJob":
        job = {"template": pod_template(rng, name)}
        job["template"]["spec"]["restartPolicy"] = "OnFailure"
        spec = {"schedule": "*/15 * * * *", "jobTemplate": {"spec": job}}
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": spec}
    if kind == "Service":
        service_type = rng.choices(["ClusterIP", "NodePort", "LoadBalancer"], weights=[80, 10, 10])[0]
        spec = {"type": service_type, "selector": selector["matchLabels"], "ports": [{"port": 80, "targetPort": 8080}]}
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}
    if kind == "ConfigMap":
        data = {f"key-{i}": "x" * rng.randint(5, 200) for i in range(rng.randint(1, 12))}
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "data": data}
    if kind == "Secret":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "type": "Opaque", "data": {"token": "c2VjcmV0"}}
    if kind == "Ingress":
        path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": name, "port": {"number": 80}}}}
        spec = {"rules": [{"host": f"{name}.example.com", "http": {"paths": [path]}}]}
        return {"apiVersion": "networking.k8s.io/v1", "kind": kind, "metadata": meta, "spec": spec}
    if kind == "ServiceAccount":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta}
    if kind == "Role":
        verbs = ["*"] if rng.random() < 0.1 else ["get", "list", "watch"]
        rules = [{"apiGroups": [""], "resources": ["pods", "configmaps"], "verbs": verbs}]
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta, "rules": rules}
    subject = {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    role = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": meta,
        "subjects": [subject],
        "roleRef": role,
    }


def generate(directory: Path, documents: int, per_file: int, seed: int = 7) -> int:
    """Write `documents` documents as YAML, `per_file` a file; return the bytes written."""
    import yaml

    rng = random.Random(seed)
    written = 0
    for start in range(0, documents, per_file):
        docs = [document(rng, index) for index in range(start, min(start + per_file, documents))]
        text = yaml.dump_all(docs, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False)
        path = directory / f"part-{start // per_file:05d}.yaml"
        path.write_text(text)
        written += len(text)
    return written


#: The report's summary, read by a child (a large report loaded here would raise the
#: RSS every later child starts from).
READ_SUMMARY = [sys.executable, "-c", "import json, sys; print(json.dumps(json.load(open(sys.argv[1]))['summary']))"]


def stack_rules_off(scratch: Path) -> str:
    from policypack.registry import load_registry

    path = scratch / "no-stack-rules.json"
    path.write_text(json.dumps({rule.name: "disabled" for rule in load_registry() if rule.stack}))
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated document counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--no-json", action="store_true", help="skip the --format json runs")
    parser.add_argument(
        "--no-stack-rules",
        action="store_true",
        help="turn the stack rules off (they judge all documents at once, so they do not scale like the rest)",
    )
    parser.add_argument("--generate-into", type=Path, help=argparse.SUPPRESS)  # the child that writes a set
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.generate_into:
        print(generate(args.generate_into, sizes[0], args.per_file))
        return
    header = (
        f"{'documents':>9} {'files':>6} {'MB':>6} {'findings':>8} {'wall s':>7} {'CPU s':>7} {'µs/doc':>7} "
        f"{'RSS MB':>7} {'json RSS':>8} {'loader s':>8} {'loader RSS':>10} {'lint/loader':>11}"
    )
    rules = "stack rules off" if args.no_stack_rules else "all default rules"
    print(f"median of {args.runs} runs, {rules}; RSS is the peak of the child")
    print(header)
    for size in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            directory = Path(scratch) / "manifests"
            directory.mkdir()
            # Written by a child: a child's peak RSS (wait4's ru_maxrss) starts from this
            # process's RSS when it is started, so this process must stay small (made
            # here, a 50,000-document set took every child's figure to 171 MB).
            maker = [sys.executable, __file__, "--generate-into", str(directory), "--sizes", str(size)]
            maker += ["--per-file", str(args.per_file)]
            written = int(subprocess.run(maker, check=True, capture_output=True, text=True).stdout)
            report = Path(scratch) / "report.json"
            config = ["--config", stack_rules_off(Path(scratch))] if args.no_stack_rules else []
            lint = [sys.executable, "-m", "policypack", "lint", *config, "-o", str(Path(scratch) / "report.txt")]
            lint.append(str(directory))
            as_json = [sys.executable, "-m", "policypack", "lint", *config, "-f", "json", "-o", str(report)]
            as_json.append(str(directory))
            bare = [sys.executable, "-c", BARE_LOAD, str(directory)]
            ours: list[Run] = []
            floor: list[Run] = []
            json_runs: list[Run] = []
            for _ in range(args.runs):
                ours.append(measure(lint))
                json_runs.append(measure(as_json) if not args.no_json else Run(0, 0, 0, 0))
                floor.append(measure(bare))
            if args.no_json:
                measure([*as_json[:-1], str(directory)])  # once, for the summary
            summary = json.loads(subprocess.run(READ_SUMMARY + [str(report)], check=True, capture_output=True).stdout)
            assert summary["documents"] == size, summary
            wall = statistics.median(r.wall for r in ours)
            loader = statistics.median(r.wall for r in floor)
            print(
                f"{size:>9} {len(os.listdir(directory)):>6} {written / 1e6:>6.1f} {summary['findings']:>8} "
                f"{wall:>7.2f} {statistics.median(r.cpu for r in ours):>7.2f} {1e6 * wall / size:>7.0f} "
                f"{max(r.rss for r in ours):>7.0f} {max(r.rss for r in json_runs):>8.0f} {loader:>8.2f} "
                f"{max(r.rss for r in floor):>10.0f} {wall / loader:>11.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
