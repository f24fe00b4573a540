"""How a lint run groups objects for the stack rules (docs/sets.md): a repository of
many apps, or of per-provider / per-environment variants of one, is judged per
deployment; an app split over folders stays one; stdin is its own set.

These are offline-only: Pulumi hands the pack one stack, with no files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.registry import load_registry

REGISTRY = load_registry()
CROSS_OBJECT = (
    "service-selects-no-pods",
    "service-target-port-undeclared",
    "ingress-backend-missing",
    "hpa-replicas-conflict",
    "rbac-binding-grants",
)


def deployment(name: str, app: str, port: str = "http") -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
          ports: [{{name: {port}, containerPort: 8080}}]
"""


def service(name: str, app: str, port: str = "http") -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {app}
  ports:
    - port: 80
      targetPort: {port}
"""


def lint(paths: list[Path], stdin: str | None = None, sets: str = "run") -> list[tuple[str, str, int, str]]:
    config = PackConfig.from_mapping({"all": "disabled", **dict.fromkeys(CROSS_OBJECT, "advisory")}, REGISTRY)
    args = [str(p) for p in paths] + (["-"] if stdin is not None else [])
    data = io.BytesIO(stdin.encode()) if stdin is not None else None
    result = lint_paths(args, Engine(REGISTRY, config), data, sets=sets)
    return [(f.rule, Path(f.location.file).name, f.location.line, f.message) for f in result.findings]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_many_apps_in_one_repository_are_judged_per_app(tmp_path: Path) -> None:
    # Two apps with the same names and labels in the default namespace (the
    # kubernetes/examples guestbook and guestbook-go): each Service is judged
    # against its own app's pods, so guestbook-go's named port is found and the
    # other guestbook's missing one is reported.
    write(
        tmp_path,
        {
            "guestbook/frontend-deployment.yaml": deployment("frontend", "guestbook", port="web"),
            "guestbook/frontend-service.yaml": service("frontend", "guestbook", port="http-server"),
            "guestbook-go/guestbook-controller.yaml": deployment("frontend", "guestbook", port="http-server"),
            "guestbook-go/guestbook-service.yaml": service("frontend", "guestbook", port="http-server"),
        },
    )
    found = lint([tmp_path])
    assert found == [
        (
            "service-target-port-undeclared",
            "frontend-service.yaml",
            10,
            'targetPort "http-server" is not a container port name in Deployment frontend',
        )
    ]


def test_alternative_variants_in_one_folder_are_judged_each_in_its_file(tmp_path: Path) -> None:
    # ingress-nginx ships one deploy.yaml per provider; a folder of them is not one
    # deployment. Each Service is judged against the Deployment of its own file and
    # a finding names an object once, however many variants define it.
    good = deployment("controller", "ingress") + "---\n" + service("controller", "ingress", port="http")
    bad = deployment("controller", "ingress") + "---\n" + service("controller", "ingress", port="tohttps")
    write(tmp_path, {f"provider-{n}.yaml": good for n in range(7)} | {"provider-tls.yaml": bad})
    found = lint([tmp_path])
    assert found == [
        (
            "service-target-port-undeclared",
            "provider-tls.yaml",
            27,
            'targetPort "tohttps" is not a container port name in Deployment controller',
        )
    ]


def test_alternatives_in_other_files_leave_the_verdict_open(tmp_path: Path) -> None:
    # Two copies of one Deployment, neither in the Service's file and at the same
    # distance: which one is deployed is not known, so nothing fires.
    write(
        tmp_path,
        {
            "deployment-dev.yaml": deployment("web", "web", port="http"),
            "deployment-prod.yaml": deployment("web", "web", port="web"),
            "service.yaml": service("web", "web", port="http"),
        },
    )
    assert lint([tmp_path]) == []


def test_an_app_split_over_folders_is_one_set(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "k8s/deployments/web.yaml": deployment("web", "web"),
            "k8s/services/web.yaml": service("web", "web"),
            "k8s/services/typo.yaml": service("typo", "wbe"),
        },
    )
    found = lint([tmp_path])
    assert [(rule, file) for rule, file, _, _ in found] == [("service-selects-no-pods", "typo.yaml")]


@pytest.mark.parametrize(("sets", "expected"), [("run", []), ("directory", ["web.yaml"]), ("file", ["web.yaml"])])
def test_sets_option_isolates_directories_or_files(tmp_path: Path, sets: str, expected: list[str]) -> None:
    write(tmp_path, {"deployments/web.yaml": deployment("web", "web"), "services/web.yaml": service("web", "web")})
    found = lint([tmp_path], sets=sets)
    assert [file for _, file, _, _ in found] == expected


def test_stdin_is_a_set_of_its_own(tmp_path: Path) -> None:
    # A rendered chart on stdin does not borrow pods from the files of the same run.
    write(tmp_path, {"web.yaml": deployment("web", "web")})
    found = lint([tmp_path], stdin=service("web", "web"))
    assert [(rule, file) for rule, file, _, _ in found] == [("service-selects-no-pods", "<stdin>")]


def test_a_file_that_does_not_parse_may_hold_the_pods(tmp_path: Path) -> None:
    # kubernetes/examples' vitess: the pods are in a Go template next to the Service.
    write(
        tmp_path,
        {
            "vtgate-controller-template.yaml": "kind: ReplicationController\nspec: {{ .Replicas }: x\n",
            "vtgate-service.yaml": service("vtgate", "vtgate", port="web"),
        },
    )
    assert [f for f in lint([tmp_path]) if f[0] == "service-selects-no-pods"] == []
    # ... but one in an unrelated folder (neither above nor below) proves nothing.
    write(
        tmp_path / "later",
        {
            "other/broken.yaml": "kind: ReplicationController\nspec: {{ .Replicas }: x\n",
            "app/vtgate-service.yaml": service("vtgate", "vtgate", port="web"),
        },
    )
    found = lint([tmp_path / "later"])
    assert [(rule, file) for rule, file, _, _ in found] == [("service-selects-no-pods", "vtgate-service.yaml")]


def test_bindings_to_the_sets_roles_repeat_nothing_in_any_variant(tmp_path: Path) -> None:
    # argo-cd's install.yaml and ha/install.yaml both define the same ClusterRole;
    # each role is judged on its own, and its bindings repeat nothing.
    role = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: controller
rules:
  - apiGroups: ["*"]
    resources: {resources}
    verbs: {verbs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: controller
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: controller}}
subjects: [{{kind: ServiceAccount, name: controller, namespace: argocd}}]
"""
    write(
        tmp_path,
        {
            "install.yaml": role.format(resources='["*"]', verbs='["*"]'),
            "core-install.yaml": role.format(resources="[configmaps]", verbs="[get]"),
        },
    )
    found = lint([tmp_path])
    # Bindings to the set's own roles are left to the per-role rules (one root cause,
    # one finding): only install.yaml's role grants everything.
    assert not [f for f in found if f[0] == "rbac-binding-grants"]


def test_a_service_goes_with_the_variant_in_its_own_file(tmp_path: Path) -> None:
    # corpus11 (Percona's operator.yaml and cw-operator.yaml, two install variants of
    # one Deployment): the cluster-wide variant's Service selects both copies' pods,
    # but it goes with its own file's copy; the other copy, which declares only a
    # metrics port, serves nothing network-policy-coverage should ask a policy for.
    metrics_only = deployment("operator", "operator", port="metrics")
    write(
        tmp_path,
        {
            "operator.yaml": metrics_only,
            "cw-operator.yaml": metrics_only + "---\n" + service("operator", "operator", port="9443"),
        },
    )
    config = PackConfig.from_mapping({"all": "disabled", "network-policy-coverage": "advisory"}, REGISTRY)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    assert [Path(f.location.file).name for f in result.findings] == ["cw-operator.yaml"]


def numbered(name: str, labels: str, port: int) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels: {{{labels}}}
  template:
    metadata:
      labels: {{{labels}}}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
          ports: [{{containerPort: {port}}}]
"""


def numbered_service(app: str, port: int) -> str:
    return f"""\
apiVersion: v1
kind: Service
metadata:
  name: elasticsearch
spec:
  selector:
    component: {app}
  ports:
    - port: {port}
"""


def test_a_service_of_one_variant_is_not_blamed_for_another_variants_pods(tmp_path: Path) -> None:
    # kubernetes/examples' elasticsearch example and its production_cluster variant,
    # side by side in one folder: the simple Service `elasticsearch` matches the
    # production data nodes too, but it is defined again by the other variant, so
    # which pods it will face is not known (docs/sets.md rule 4).
    write(
        tmp_path,
        {
            "es-rc.yaml": numbered("es", "component: elasticsearch, role: all", 9200),
            "es-svc.yaml": numbered_service("elasticsearch", 9200),
            "production_cluster_es-data-rc.yaml": numbered("es-data", "component: elasticsearch, role: data", 9300),
            "production_cluster_es-svc.yaml": numbered_service("elasticsearch", 9200),
        },
    )
    assert lint([tmp_path]) == []
    # One Service alone does judge every workload it matches.
    (tmp_path / "production_cluster_es-svc.yaml").unlink()
    assert [rule for rule, *_ in lint([tmp_path])] == ["service-target-port-undeclared"]


def test_one_object_written_in_two_files_is_reported_once(tmp_path: Path) -> None:
    # corpus14's Mastodon: `streaming-service.yaml` holds a second copy of Deployment
    # `streaming`. What a rule says of both copies is one finding, at the first file,
    # with the copy's folded under it at its own file and line; what it says of one
    # copy only stays that copy's.
    write(
        tmp_path,
        {
            "streaming-deployment.yaml": deployment("streaming", "streaming", port="web"),
            "streaming-service.yaml": deployment("streaming", "streaming", port="web")
            + "---\n"
            + service("other", "streaming", port="http"),
        },
    )
    found = lint([tmp_path])
    assert [(rule, file) for rule, file, _, _ in found] == [
        ("service-target-port-undeclared", "streaming-service.yaml")
    ]
    config = PackConfig.from_mapping({"all": "disabled", "require-readiness-probe": "mandatory"}, REGISTRY)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    (finding,) = list(result.findings)
    assert Path(finding.location.file).name == "streaming-deployment.yaml"
    assert finding.message.endswith("(also in 1 other file: streaming-service.yaml)")
    assert [(Path(f.location.file).name, f.location.line) for f in finding.folded] == [("streaming-service.yaml", 14)]
    # Separate sets are not copies of each other: each file keeps its own finding.
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config), sets="file")
    assert len(list(result.findings)) == 2


def test_copies_are_folded_by_field_even_when_the_words_differ(tmp_path: Path) -> None:
    # corpus25's osixia examples: two copies of Deployment `ldap`, one giving a third
    # credential in env. The rule reports the same field of both (its first
    # credential): one finding, whose message is the first copy's.
    ldap = deployment("ldap", "ldap").replace(
        "          ports:", "          env:\n            - {name: LDAP_ADMIN_PASSWORD, value: admin}\n          ports:"
    )
    more = ldap.replace(
        "value: admin}", "value: admin}\n            - {name: LDAP_READONLY_USER_PASSWORD, value: readonly}"
    )
    write(tmp_path, {"simple/ldap.yaml": ldap, "tls/ldap.yaml": more})
    config = PackConfig.from_mapping({"all": "disabled", "no-secrets-in-env": "mandatory"}, REGISTRY)
    (finding,) = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert Path(finding.location.file).parent.name == "simple"
    assert finding.message.endswith("(also in 1 other file: ../tls/ldap.yaml)")
    assert "so do env LDAP_READONLY_USER_PASSWORD" in finding.folded[0].message
    # A different credential at the same place is another cause: both are reported.
    other = ldap.replace("LDAP_ADMIN_PASSWORD, value: admin", "STRIPE_KEY, value: sk_live_abcdefghijklmnopqrstuvwx")
    write(tmp_path, {"tls/ldap.yaml": other})
    found = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert sorted(Path(f.location.file).parent.name for f in found) == ["simple", "tls"]


def test_a_rule_may_fold_copies_by_field_whatever_the_value(tmp_path: Path) -> None:
    # corpus28's mage: Pod mage-server written in two files, each mounting a different
    # placeholder path; pss-host-path-volumes names the path in its message, but the
    # cause (a hostPath volume "mage-fs") is one: `Rule.copies_fold_by_field`.
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: mage-server}}\nspec:\n"
        "  containers: [{{name: mage, image: mageai/mageai:0.9.76}}]\n"
        "  volumes: [{{name: mage-fs, hostPath: {{path: {path}}}}}]\n"
    )
    write(
        tmp_path,
        {"kube/app.yaml": pod.format(path="/path/to/mage_project"), "kube/pod.yaml": pod.format(path="/srv/mage")},
    )
    config = PackConfig.from_mapping({"all": "disabled", "pss-host-path-volumes": "mandatory"}, REGISTRY)
    (finding,) = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert "/path/to/mage_project" in finding.message and finding.message.endswith("(also in 1 other file: pod.yaml)")


def test_copies_run_the_same_programs(tmp_path: Path) -> None:
    # corpus18: a Redis Deployment beside its kernel-tuning busybox init container and
    # another project's plain `redis` were folded as one object. Objects that run other
    # programs are two apps' objects; a release manifest that pins the images of the
    # dev manifest beside it (microservices-demo) is a copy, whatever registry or tag.
    redis = deployment("redis", "redis")
    tuned = redis.replace(
        "      containers:",
        "      initContainers:\n        - {name: thp, image: busybox:1.36}\n      containers:",
    )
    release = redis.replace("registry.example.com/redis:1.0.0", "us-docker.pkg.dev/shop/redis:v0.10.2")
    write(tmp_path, {"shop/redis.yaml": redis, "blog/redis.yaml": tuned, "release/redis.yaml": release})
    config = PackConfig.from_mapping({"all": "disabled", "require-readiness-probe": "mandatory"}, REGISTRY)
    found = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert sorted(Path(f.location.file).parent.name for f in found) == ["blog", "release"]
    (copy,) = [f for f in found if Path(f.location.file).parent.name == "release"]
    # Copies with the same base name are named by their path from this one's folder.
    assert copy.message.endswith("(also in 1 other file: ../shop/redis.yaml)")


def test_a_baseline_records_every_copy(tmp_path: Path) -> None:
    # An edit to one copy ends the fold; the other copy's finding was recorded too, so
    # it stays baselined and only the edit's own problem is new.
    from policypack.cli import main

    write(tmp_path, {"a.yaml": deployment("web", "web"), "b.yaml": deployment("web", "web")})
    out = io.StringIO()
    assert main(["lint", "--write-baseline", str(tmp_path / "base.json"), str(tmp_path)], stdout=out) == 0
    (tmp_path / "a.yaml").write_text(
        deployment("web", "web").replace("image: registry.example.com/web:1.0.0", "image: nginx")
    )
    out = io.StringIO()
    code = main(["lint", "-f", "json", "--baseline", str(tmp_path / "base.json"), str(tmp_path)], stdout=out)
    import json

    report = json.loads(out.getvalue())
    new = sorted({f["rule"] for f in report["findings"] if f["baseline"] == "new"})
    assert new == ["require-pinned-images"] and code == 1


def test_a_document_that_cannot_be_read_leaves_absences_beside_it_open(tmp_path: Path) -> None:
    # corpus26: the OpenTelemetry collector's ConfigMap fails to parse (a comment at
    # column 0 inside a block scalar), so the set cannot show what it reads. What a
    # rule would call absent in that directory may be in it; other directories are
    # judged as before.
    broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n spec: [\n"
    write(
        tmp_path,
        {
            "app/broken.yaml": broken,
            "app/service.yaml": service("web", "web"),
            "other/service.yaml": service("api", "api"),
        },
    )
    found = lint([tmp_path])
    assert [(rule, file) for rule, file, _, _ in found if rule == "service-selects-no-pods"] == [
        ("service-selects-no-pods", "service.yaml")
    ]
    config = PackConfig.from_mapping({"all": "disabled", "service-selects-no-pods": "advisory"}, REGISTRY)
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, config))
    assert [Path(f.location.file).parent.name for f in result.findings] == ["other"]


def test_copies_for_each_environment_fold_across_their_namespaces(tmp_path: Path) -> None:
    # corpus34 (a Ministry of Justice service): deploy/preprod/service.yaml and
    # deploy/production/service.yaml are one Service, each in its environment's
    # namespace (`...-preprod`, `...-production`): one root cause, one finding.
    nodeport = (
        "apiVersion: v1\nkind: Service\nmetadata: {{name: profiler, namespace: tool-{env}}}\n"
        "spec:\n  type: NodePort\n  selector: {{app: profiler}}\n  ports: [{{port: 8080}}]\n"
    )
    write(
        tmp_path,
        {
            "deploy/preprod/service.yaml": nodeport.format(env="preprod"),
            "deploy/production/service.yaml": nodeport.format(env="production"),
        },
    )
    config = PackConfig.from_mapping({"all": "disabled", "no-node-port-services": "advisory"}, REGISTRY)
    (finding,) = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert finding.message.endswith("(also in 1 other file: ../production/service.yaml)")
    # Two apps' namespaces are no environments of one: both are reported.
    write(tmp_path, {"deploy/production/service.yaml": nodeport.format(env="other")})
    assert len(list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)) == 2


def per_architecture(name: str, arch: str, image: str = "registry.example.com/agent") -> str:
    return f"""\
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: {name}-{arch}, namespace: kube-system}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      nodeSelector: {{kubernetes.io/arch: {arch}}}
      containers:
        - name: {name}
          image: {image}:v1.2.0-{arch}
"""


def test_one_object_written_once_per_architecture_is_reported_once(tmp_path: Path) -> None:
    # corpus39's flannel (before multi-arch images): `kube-flannel-ds-amd64`, `-arm64`,
    # ... one pod spec per architecture in one file; reviewers held the second copy's
    # findings duplicates. They fold under the first, each at its own line.
    write(tmp_path, {"agent.yaml": "---\n".join(per_architecture("agent", arch) for arch in ("amd64", "arm64", "arm"))})
    config = PackConfig.from_mapping({"all": "disabled", "require-resource-limits": "mandatory"}, REGISTRY)
    (finding,) = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert finding.object.name == "agent-amd64"
    assert finding.message.endswith("(also on 2 other copies in this file: DaemonSet agent-arm64, DaemonSet agent-arm)")
    assert [f.object.name for f in finding.folded] == ["agent-arm64", "agent-arm"]
    # Near misses: two agents of one file (not one object's copies), and per-architecture
    # names that run different programs, are reported each.
    write(
        tmp_path,
        {
            "agent.yaml": per_architecture("agent", "amd64")
            + "---\n"
            + per_architecture("collector", "amd64")
            + "---\n"
            + per_architecture("agent", "arm64", image="registry.example.com/other"),
        },
    )
    found = list(lint_paths([str(tmp_path)], Engine(REGISTRY, config)).findings)
    assert sorted(f.object.name for f in found) == ["agent-amd64", "agent-arm64", "collector-amd64"]
