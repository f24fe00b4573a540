"""`Analyze` latency through the real gRPC protocol, as the Pulumi engine calls it.

    .venv/bin/python bench/analyze_latency.py [--calls 500]

Starts this pack and a bare one-policy SDK pack (the floor any Python pack pays for
the protocol and deserialisation), then sends each the same requests (a Deployment,
and an IAM policy) and prints the median latency per call for both.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parent.parent
BARE_PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy
PolicyPack("bare", [ResourceValidationPolicy("noop", "does nothing", validate=lambda args, report: None)])
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


def start(pack_dir: Path) -> tuple[subprocess.Popen, analyzer_pb2_grpc.AnalyzerStub]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(pack_dir)],
        cwd=pack_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as bare_dir:
        (Path(bare_dir) / "__main__.py").write_text(BARE_PACK)
        packs = {"this pack": start(ROOT), "bare SDK pack": start(Path(bare_dir))}
        try:
            for label, (token, props) in REQUESTS.items():
                message = request(token, props)
                found = len(packs["this pack"][1].Analyze(message).diagnostics)
                figures = {name: median_ms(stub, message, args.calls) for name, (_, stub) in packs.items()}
                print(
                    f"{label:<11} this pack {figures['this pack']:.3f} ms ({found} findings), "
                    f"bare SDK pack {figures['bare SDK pack']:.3f} ms, "
                    f"ratio {figures['this pack'] / figures['bare SDK pack']:.2f}  (median of {args.calls})"
                )
        finally:
            for process, _ in packs.values():
                process.kill()


if __name__ == "__main__":
    main()
