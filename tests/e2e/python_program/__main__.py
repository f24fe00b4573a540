"""Kubernetes objects the way Python programs make them, rendered to ./rendered.

- `worker`'s image is computed from the namespace's id (`Output.apply`): unknown during
  a first preview, so no rule may judge it then;
- `db`'s password is an `Output.secret`;
- `edge` is a yaml/v2 ConfigGroup from manifests/ (a public LoadBalancer, a Service that
  selects no pods, a cluster-admin binding); its children are judged;
- `cache` is a helm.sh/v4 Chart from the local chart/ (a Deployment without limits);
- everything goes through one explicit provider; `worker` depends on the ConfigGroup.
"""

import pulumi
import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory="rendered")
through = pulumi.ResourceOptions(provider=provider)

ns = k8s.core.v1.Namespace("shop", metadata={"name": "shop"}, opts=through)

LIMITS = {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}
HARDENED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}


def deployment(name: str, image: pulumi.Input[str], resources: dict | None, env: list | None = None, **opts):
    labels = {"app": name}
    container = {"name": name, "image": image, "securityContext": HARDENED, "env": env or []}
    if resources:
        container["resources"] = resources
    return k8s.apps.v1.Deployment(
        name,
        metadata={"name": name, "namespace": "shop", "labels": labels},
        spec={
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
        opts=pulumi.ResourceOptions.merge(through, pulumi.ResourceOptions(**opts)),
    )


edge = k8s.yaml.v2.ConfigGroup(
    "edge", files=["manifests/*.yaml"], opts=pulumi.ResourceOptions(providers=[provider], depends_on=[ns])
)

db_password = pulumi.Output.secret("correct-horse-battery-staple")
db = k8s.core.v1.Secret(
    "db", metadata={"name": "db", "namespace": "shop"}, string_data={"password": db_password}, opts=through
)

# Pinned and sized: the api is compliant with the rules this test looks at.
api = deployment(
    "api",
    "registry.example/shop/api@sha256:" + "a" * 64,
    LIMITS,
    env=[{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
    depends_on=[db],
)
# No limits; its image is unknown until the namespace exists (then untagged).
worker = deployment("worker", ns.id.apply(lambda id: f"registry.example/{id}/worker"), None, depends_on=[edge])

cache = k8s.helm.v4.Chart(
    "cache",
    chart="./chart",
    namespace="shop",
    values={"replicas": 2},
    opts=pulumi.ResourceOptions(providers=[provider]),
)

pulumi.export("dbPassword", db_password)
