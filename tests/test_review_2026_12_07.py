"""Cases a review of the 2026-12-07 changes reproduced, which fixtures do not show:
odd shapes that must not crash a rule, verdicts that must not depend on the order of
a ConfigMap's keys, and exemptions that must not reach further than they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.engine import Engine
from policypack.lint import lint_paths
from tests.support.harness import analyze, analyze_stack, make_servicer, pulumi_objects_of, single_rule
from tests.test_unknowns import UNKNOWN_STRING


def _lint(tmp_path: Path, rule: str, text: str) -> list:
    (tmp_path / "set.yaml").write_text(text)
    result = lint_paths([str(tmp_path)], Engine(*single_rule(rule)))
    assert not [f for f in result.findings if f.error], "the rule failed"
    return [f for f in result.findings if f.rule == rule]


def _pulumi(rule: str, text: str, unknown: tuple[int, tuple] | None = None) -> list:
    servicer = make_servicer(single_rule(rule)[0])
    objects = pulumi_objects_of(text, name="set.yaml")
    if unknown is not None:
        index, path = unknown
        target = objects[index].props
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = UNKNOWN_STRING
    found = [d for d in analyze_stack(servicer, objects) if d.policy == rule]
    for obj in objects:
        found += [d for d in analyze(servicer, obj.type, obj.props, obj.urn) if d.policy == rule]
    return found


def _loki(files: dict[str, str]) -> str:
    data = "".join(
        f"  {name}: |\n" + "".join(f"    {line}\n" for line in body.splitlines()) for name, body in files.items()
    )
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: loki, namespace: logs}}
data:
{data}---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: loki, namespace: logs}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: loki}}}}
  template:
    metadata: {{labels: {{app: loki}}}}
    spec:
      containers:
        - name: loki
          image: grafana/loki:3.1.0
          args: [-config.file=/etc/loki/local.yaml]
          ports: [{{name: http, containerPort: 3100}}]
          volumeMounts: [{{name: config, mountPath: /etc/loki}}]
      volumes:
        - name: config
          configMap: {{name: loki}}
---
apiVersion: v1
kind: Service
metadata: {{name: loki, namespace: logs}}
spec:
  selector: {{app: loki}}
  ports: [{{port: 3100}}]
"""


IN_MEMORY = "server: {http_listen_port: 3100}\ncommon: {ring: {kvstore: {store: inmemory}}}"
MEMBERLIST = "server: {http_listen_port: 3100}\ncommon: {ring: {kvstore: {store: memberlist}}}"


@pytest.mark.parametrize("order", [("a.yaml", "b.yaml"), ("b.yaml", "a.yaml")])
def test_files_that_disagree_leave_the_verdict_open_in_both_modes(tmp_path: Path, order: tuple[str, str]) -> None:
    bodies = {"a.yaml": IN_MEMORY, "b.yaml": MEMBERLIST}
    text = _loki({name: bodies[name] for name in order})
    assert not _lint(tmp_path, "require-multiple-replicas", text)
    assert not _pulumi("require-multiple-replicas", text)


def test_a_file_not_known_yet_adds_no_finding() -> None:
    text = _loki({"a.yaml": IN_MEMORY, "b.yaml": MEMBERLIST})
    assert not _pulumi("require-multiple-replicas", text, unknown=(0, ("data", "b.yaml")))
    assert not _pulumi("require-multiple-replicas", text, unknown=(0, ("data", "a.yaml")))


def test_loki_on_its_images_configuration_is_one_instance(tmp_path: Path) -> None:
    text = _loki({"a.yaml": IN_MEMORY}).replace("args: [-config.file=/etc/loki/local.yaml]", "args: []")
    text = text.replace("volumeMounts: [{name: config, mountPath: /etc/loki}]", "volumeMounts: []")
    text = text.replace("      volumes:\n        - name: config\n          configMap: {name: loki}\n", "")
    assert not _lint(tmp_path, "require-multiple-replicas", text)


def test_a_loki_target_in_two_words_is_a_component(tmp_path: Path) -> None:
    text = _loki({"a.yaml": IN_MEMORY}).replace(
        "args: [-config.file=/etc/loki/local.yaml]", "args: [-config.file=/etc/loki/a.yaml, -target, querier]"
    )
    assert len(_lint(tmp_path, "require-multiple-replicas", text)) == 1


@pytest.mark.parametrize(
    "odd",
    [
        (
            "volumeMounts: [{name: config, mountPath: /etc/loki}]",
            "volumeMounts: [{name: [config], mountPath: /etc/loki}]",
        ),
        ("        - name: config\n          configMap:", "        - name: {a: b}\n          configMap:"),
        (IN_MEMORY.splitlines()[1], "x: &a [*a]"),
    ],
)
def test_odd_shapes_do_not_fail_the_rule(tmp_path: Path, odd: tuple[str, str]) -> None:
    text = _loki({"a.yaml": IN_MEMORY}).replace(*odd)
    _lint(tmp_path, "require-multiple-replicas", text)  # asserts no rule failure


def _deployment(name: str, spec: str, replicas: int = 1) -> str:
    body = "".join(f"      {line}\n" for line in spec.strip("\n").splitlines())
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: x}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{body}---
"""


def test_a_databases_nfs_volume_elsewhere_is_not_its_data(tmp_path: Path) -> None:
    pg = _deployment(
        "pg",
        """
containers:
  - name: postgres
    image: postgres:16.4
    volumeMounts:
      - {name: data, mountPath: /var/lib/postgresql/data}
      - {name: backups, mountPath: /backups}
volumes:
  - {name: data, persistentVolumeClaim: {claimName: pg-data}}
  - {name: backups, nfs: {server: 10.0.0.5, path: /backups}}
""",
    )
    cache = _deployment(
        "cache",
        """
containers:
  - name: redis
    image: redis:7.2
    args: [--save, "", --appendonly, "no"]
    volumeMounts: [{name: shared, mountPath: /import}]
volumes:
  - {name: shared, nfs: {server: 10.0.0.5, path: /import}}
""",
    )
    (finding,) = _lint(tmp_path, "require-recreate-with-exclusive-claim", pg + cache)
    assert 'claim "pg-data"' in finding.message and "NFS" not in finding.message


def test_redis_replicas_linked_by_a_variables_value_are_one_store(tmp_path: Path) -> None:
    spec = """
containers:
  - name: redis
    image: redis/redis-stack-server:7.2.0-v10
    env: [{name: REDIS_ARGS, value: "--replicaof cache-primary 6379"}]
"""
    assert _lint(tmp_path, "pdb-missing", _deployment("cache", spec, replicas=3))


@pytest.mark.parametrize(
    "port",
    [
        "{name: web, port: 8883, appProtocol: http}",
        "{name: http, port: 22}",
        "{name: ssh, port: 443, appProtocol: https}",
    ],
)
def test_a_port_that_says_http_is_judged_whatever_its_number(tmp_path: Path, port: str) -> None:
    service = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: x}\n"
        f"spec:\n  type: NodePort\n  selector: {{app: s}}\n  ports: [{port}]\n"
    )
    assert len(_lint(tmp_path, "no-node-port-services", service)) == 1


def test_kratos_courier_flag_with_a_value(tmp_path: Path) -> None:
    def kratos(flag: str) -> str:
        return (
            _deployment(
                "kratos",
                f"""
containers:
  - name: kratos
    image: oryd/kratos:v1.1.0
    args: [serve, all, {flag}]
    ports: [{{name: public, containerPort: 4433}}]
""",
            )
            + "apiVersion: v1\nkind: Service\nmetadata: {name: kratos, namespace: x}\n"
            + "spec:\n  selector: {app: kratos}\n  ports: [{port: 80}]\n"
        )

    assert not _lint(tmp_path, "require-multiple-replicas", kratos("--watch-courier=true"))
    assert _lint(tmp_path, "require-multiple-replicas", kratos("--watch-courier=false"))


def test_a_string_among_claim_templates_is_no_claim(tmp_path: Path) -> None:
    statefulset = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s, namespace: x}
spec:
  replicas: 1
  serviceName: s
  updateStrategy: {type: OnDelete}
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      containers:
        - {name: c, image: registry.example.com/c:1.0.0, volumeMounts: [{name: data, mountPath: /data}]}
  volumeClaimTemplates: [data]
"""
    assert _lint(tmp_path, "require-rolling-update", statefulset)


def test_the_fix_keeps_an_explicit_public_choice(tmp_path: Path) -> None:
    from policypack.config import PackConfig
    from policypack.fix import object_changes
    from policypack.model import resource_from_manifest

    registry, _ = single_rule("no-public-load-balancer")
    config = PackConfig.from_mapping(
        {
            "no-public-load-balancer": {
                "explicitPublicIsIntended": False,
                "internalAnnotations": {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
            }
        },
        registry,
    )
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "annotations": {"service.beta.kubernetes.io/azure-load-balancer-internal": "false"}},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 443}]},
    }
    changes, _ = object_changes(Engine(registry, config), resource_from_manifest(service), unsafe=True)
    assert not changes
