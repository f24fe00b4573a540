"""require-ingress-tls reads the set for kube-ingress-aws-controller, which finds
certificates by host name: what its fixtures cannot show is a Pulumi preview, where
an image the program builds is not known yet. Such an image on an app's Deployment
must not silence the rule; on a workload named as the controller it may be it."""

from __future__ import annotations

from tests.support.harness import analyze_stack, make_servicer, pulumi_objects_of, single_rule
from tests.test_unknowns import UNKNOWN_STRING

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}
"""


def _deployment(name: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: main
          image: IMAGE
"""


def _findings(deployment: str) -> list:
    servicer = make_servicer(single_rule("require-ingress-tls")[0])
    objects = pulumi_objects_of(INGRESS + "---\n" + deployment, name="set.yaml")
    for obj in objects:
        if obj.props.get("kind") == "Deployment":
            obj.props["spec"]["template"]["spec"]["containers"][0]["image"] = UNKNOWN_STRING
    return [d for d in analyze_stack(servicer, objects) if d.policy == "require-ingress-tls"]


def test_an_apps_image_not_known_yet_does_not_silence_the_rule() -> None:
    assert len(_findings(_deployment("shop"))) == 1


def test_a_workload_named_as_the_controller_may_be_it() -> None:
    assert _findings(_deployment("kube-ingress-aws-controller")) == []
