"""`Analyze` latency through the real gRPC protocol, as the Pulumi engine calls it.

    .venv/bin/python bench/analyze_latency.py [--calls 500] [--rules 60] [--compare DIR]

Starts this pack and a bare one-policy SDK pack (the floor any Python pack pays for
the protocol and deserialisation), then sends each the same requests (a Deployment,
and an IAM policy) and prints the median latency per call for both.

Also started: this pack served by the SDK's own servicer, which deserialises the
props once per policy (what this pack did before `SharedPropsServicer`), to show
what sharing the conversion saves. `--rules N` adds renamed copies of the shipped
rules up to N rules (bench/synthetic_rules.py), to see the cost of a larger pack.
`--compare DIR` also times the pack in DIR (say, an export of an earlier commit whose
`.venv` links to this one's), for before/after figures from one run.
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

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2 as pb
from pulumi.runtime.proto import analyzer_pb2_grpc
from synthetic_rules import write_copies

from policypack.registry import load_registry

ROOT = Path(__file__).resolve().parent.parent
BARE_PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy
PolicyPack("bare", [ResourceValidationPolicy("noop", "does nothing", validate=lambda args, report: None)])
"""
# This pack's policies, served by the SDK's servicer (one props conversion per policy).
SDK_SERVICER_PACK = """
from pulumi_policy import EnforcementLevel, PolicyPack
from policypack.pulumi_adapter import PACK_NAME, build_policies
from policypack.registry import load_registry
PolicyPack(PACK_NAME, build_policies(load_registry()), enforcement_level=EnforcementLevel.ADVISORY)
"""

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "registry.example.com/web:1.2.3",
                        "ports": [{"containerPort": 8080}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                    },
                    {"name": "proxy", "image": "envoyproxy/envoy:v1.30.1"},
                ]
            },
        },
    },
}
IAM_POLICY = {
    "policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],'
    '"Resource":"arn:aws:s3:::bucket/*"},{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}'
}
REQUESTS = {
    "Deployment": ("kubernetes:apps/v1:Deployment", DEPLOYMENT),
    "IAM policy": ("aws:iam/policy:Policy", IAM_POLICY),
}


def start(pack_dir: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, analyzer_pb2_grpc.AnalyzerStub]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(pack_dir)],
        cwd=pack_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    port = int(process.stdout.readline())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=30)
    return process, analyzer_pb2_grpc.AnalyzerStub(channel)


def request(token: str, props: dict) -> pb.AnalyzeRequest:
    properties = struct_pb2.Struct()
    json_format.ParseDict(props, properties)
    return pb.AnalyzeRequest(type=token, properties=properties, urn=f"urn:pulumi:dev::bench::{token}::x", name="x")


def median_ms(stub: analyzer_pb2_grpc.AnalyzerStub, message: pb.AnalyzeRequest, calls: int) -> float:
    for _ in range(20):  # warm up
        stub.Analyze(message)
    times = []
    for _ in range(calls):
        begin = time.perf_counter()
        stub.Analyze(message)
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rules", type=int, default=0, help="pad the pack to this many rules with copies")
    parser.add_argument("--no-sdk-servicer", action="store_true", help="skip the SDK-servicer comparison")
    parser.add_argument("--compare", type=Path, help="also time the pack in this directory (an earlier commit)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bare_dir, sdk_dir = Path(scratch) / "bare", Path(scratch) / "sdk-servicer"
        bare_dir.mkdir()
        (bare_dir / "__main__.py").write_text(BARE_PACK)
        env = {**os.environ, **write_copies(Path(scratch) / "rules", args.rules)}
        packs = {"this pack": start(ROOT, env)}
        if not args.no_sdk_servicer:
            sdk_dir.mkdir()
            (sdk_dir / "__main__.py").write_text(SDK_SERVICER_PACK)
            packs["SDK servicer"] = start(sdk_dir, env)
        if args.compare:
            packs[str(args.compare)] = start(args.compare.resolve(), env)
        packs["bare SDK pack"] = start(bare_dir)
        try:
            print(f"this pack: {max(args.rules, len(load_registry(extra_modules=[])))} rules")
            for label, (token, props) in REQUESTS.items():
                message = request(token, props)
                found = len(packs["this pack"][1].Analyze(message).diagnostics)
                figures = {name: median_ms(stub, message, args.calls) for name, (_, stub) in packs.items()}
                others = ", ".join(f"{name} {ms:.3f} ms" for name, ms in figures.items() if name != "this pack")
                print(
                    f"{label:<11} this pack {figures['this pack']:.3f} ms ({found} findings), {others}, "
                    f"ratio to bare {figures['this pack'] / figures['bare SDK pack']:.2f}  (median of {args.calls})"
                )
        finally:
            for process, _ in packs.values():
                process.kill()


if __name__ == "__main__":
    main()
