"""Images a build in the run sets (policypack/builds.py): a kustomize overlay's `images`
and skaffold's artifacts decide how `require-pinned-images` judges a base's image.

Offline only: Pulumi hands the pack objects as deployed, where the tag is written."""

from __future__ import annotations

import textwrap
from pathlib import Path

from policypack.builds import Builds, _images_set_at_deploy
from policypack.common_labels import overwritten, with_added_labels
from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.registry import load_registry
from policypack.values import UNKNOWN
from tests.support.harness import REGISTRY, analyze, make_servicer

RULE = "require-pinned-images"


def deployment(image: str) -> str:
    return textwrap.dedent(
        f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: provisioner, namespace: storage}}
        spec:
          replicas: 2
          selector: {{matchLabels: {{app: provisioner}}}}
          template:
            metadata: {{labels: {{app: provisioner}}}}
            spec:
              containers:
                - name: provisioner
                  image: {image}
        """
    )


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def pinned_findings(*paths: Path, options: dict | None = None) -> list[str]:
    registry = load_registry()
    config = PackConfig.from_mapping({RULE: options} if options else {}, registry, "<test>")
    result = lint_paths([str(p) for p in paths], Engine(registry, config))
    assert not result.errors
    return [f.message for f in result.findings if f.rule == RULE]


BASE = {
    "base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/deployment.yaml": deployment("registry.k8s.io/sig-storage/csi-provisioner"),
}


def overlay(name: str, images: str) -> dict[str, str]:
    return {
        f"overlays/{name}/kustomization.yaml": f"""\
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources: [../../base]
            {images}
            """
    }


def test_an_overlay_that_sets_the_tag_pins_the_base(tmp_path: Path) -> None:
    # corpus6 and corpus7 (aws-ebs and gcp-pd CSI drivers): the base names the image
    # without a tag; every overlay that deploys it sets one.
    write(tmp_path, BASE)
    assert len(pinned_findings(tmp_path)) == 1  # the base alone: deployed as written
    write(tmp_path, overlay("stable", "images: [{name: registry.k8s.io/sig-storage/csi-provisioner, newTag: v5.1.0}]"))
    write(
        tmp_path,
        overlay(
            "prod", "images: [{name: registry.k8s.io/sig-storage/csi-provisioner, digest: 'sha256:" + "ab" * 32 + "'}]"
        ),
    )
    assert pinned_findings(tmp_path) == []
    # Linting the base folder alone does not see the overlays: judged as written.
    assert len(pinned_findings(tmp_path / "base")) == 1


def test_an_overlay_that_leaves_the_tag_moving_is_reported_as_deployed(tmp_path: Path) -> None:
    write(tmp_path, BASE)
    write(tmp_path, overlay("stable", "images: [{name: registry.k8s.io/sig-storage/csi-provisioner, newTag: v5.1.0}]"))
    # A second overlay deploys the base with no image entry (so untagged), a third with latest.
    write(tmp_path, overlay("dev", ""))
    (message,) = pinned_findings(tmp_path)
    assert 'uses image "registry.k8s.io/sig-storage/csi-provisioner" with no tag' in message
    write(tmp_path, overlay("dev", "images: [{name: registry.k8s.io/sig-storage/csi-provisioner, newTag: latest}]"))
    (message,) = pinned_findings(tmp_path)
    assert 'a kustomization deploys it as "registry.k8s.io/sig-storage/csi-provisioner:latest"' in message
    assert 'the "latest" tag moves' in message


def test_new_name_and_registry_prefixes_are_judged_as_deployed(tmp_path: Path) -> None:
    # kubebuilder's layout: the manager names `controller`, the kustomization sets it.
    write(
        tmp_path,
        {
            "config/manager/kustomization.yaml": """\
                resources: [manager.yaml]
                images:
                  - {name: controller, newName: registry.example.com/ops/manager, newTag: "1.8.0"}
                """,
            "config/manager/manager.yaml": deployment("controller:latest"),
        },
    )
    assert pinned_findings(tmp_path) == []
    allowed = {"allowedRegistries": ["registry.example.com/"]}
    assert pinned_findings(tmp_path, options=allowed) == []
    (message,) = pinned_findings(tmp_path, options={"allowedRegistries": ["mirror.example.com/"]})
    assert "not allowed" in message and 'deploys it as "registry.example.com/ops/manager:1.8.0"' in message


def test_skaffold_artifacts_are_built_and_deployed_by_digest(tmp_path: Path) -> None:
    # corpus8 (skaffold's microservices example, cloud-code-samples): the manifests
    # name the artifact; skaffold replaces it with name:tag@sha256 on deploy.
    write(
        tmp_path,
        {
            "skaffold.yaml": """\
                apiVersion: skaffold/v4beta11
                kind: Config
                build:
                  artifacts:
                    - image: leeroy-web
                      context: leeroy-web
                profiles:
                  - name: app
                    build:
                      artifacts: [{image: gcr.io/k8s-skaffold/leeroy-app}]
                """,
            "leeroy-web/kubernetes/deployment.yaml": deployment("leeroy-web"),
            "leeroy-app/kubernetes/deployment.yaml": deployment("gcr.io/k8s-skaffold/leeroy-app"),
            "redis/deployment.yaml": deployment("redis"),
        },
    )
    (message,) = pinned_findings(tmp_path)
    assert '"redis" with no tag' in message  # not an artifact: pulled as written
    # Outside the config's folder, an image of the same name is not skaffold's. (A bare
    # name such as leeroy-web is no Docker official image: a stand-in wherever it is.)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other"
    write(elsewhere, {"deployment.yaml": deployment("gcr.io/k8s-skaffold/leeroy-app")})
    assert len(pinned_findings(tmp_path, elsewhere)) == 2


def test_included_kustomizations_rewrite_in_order_and_loops_end(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "base/kustomization.yaml": """\
                resources: [deployment.yaml]
                images: [{name: web, newName: registry.example.com/web, newTag: main}]
                """,
            "base/deployment.yaml": deployment("web"),
            # The outer entry matches the name the inner one gave, and wins.
            "prod/kustomization.yaml": """\
                resources: [../base, ../loop]
                images: [{name: registry.example.com/web, newTag: "2.4.1"}]
                """,
            "loop/kustomization.yaml": "resources: [../prod]\n",
        },
    )
    builds = Builds([str(p) for p in tmp_path.rglob("kustomization.yaml")])
    deployed = builds.deployed(str(tmp_path / "base" / "deployment.yaml"), "web")
    assert set(deployed) == {"registry.example.com/web:2.4.1"}
    assert pinned_findings(tmp_path) == []


def test_pulumi_judges_the_image_as_deployed() -> None:
    import yaml

    from policypack.model import kubernetes_token

    token = kubernetes_token("apps/v1", "Deployment")
    manifest = yaml.safe_load(deployment("registry.k8s.io/sig-storage/csi-provisioner"))
    diagnostics = analyze(make_servicer(REGISTRY), token, manifest, f"urn:pulumi:test::builds::{token}::p")
    assert [d.policy for d in diagnostics if d.policy == RULE] == [RULE]


def test_common_labels_of_the_deploying_kustomization_complete_the_template(tmp_path: Path) -> None:
    # corpus12 (aws-node-termination-handler's config/base): the selector names
    # `app`, which only the kustomization's commonLabels put on the pod template.
    daemon_set = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: nth, namespace: kube-system}
        spec:
          selector:
            matchLabels: {app: nth, role: agent}
          template:
            metadata: {labels: {role: agent}}
            spec:
              containers:
                - name: nth
                  image: registry.example.com/nth:1.22.0
        """
    )
    write(tmp_path, {"base/daemon-set.yaml": daemon_set})
    registry = load_registry()
    config = PackConfig.from_mapping({"all": "disabled", "workload-selector-mismatch": "mandatory"}, registry, "<t>")

    def mismatches() -> int:
        result = lint_paths([str(tmp_path)], Engine(registry, config))
        return sum(f.rule == "workload-selector-mismatch" for f in result.findings)

    assert mismatches() == 1  # no kustomization: judged as written
    write(tmp_path, {"base/kustomization.yaml": "commonLabels: {app: nth}\nresources: [daemon-set.yaml]\n"})
    assert mismatches() == 0
    # Another value for the label than the selector's: still a mismatch.
    write(tmp_path, {"base/kustomization.yaml": "commonLabels: {team: ops}\nresources: [daemon-set.yaml]\n"})
    assert mismatches() == 1


def namespace_findings(*paths: Path) -> list[tuple[str, str]]:
    registry = load_registry()
    config = PackConfig.from_mapping({}, registry, "<test>")
    result = lint_paths([str(p) for p in paths], Engine(registry, config))
    assert not result.errors
    return sorted((f.rule, f.message) for f in result.findings if f.rule == "no-default-namespace")


def in_default(name: str) -> str:
    return deployment("registry.k8s.io/app:1.0").replace(
        "name: provisioner, namespace: storage", f"name: {name}, namespace: default"
    )


def test_the_namespace_a_kustomization_sets_replaces_the_written_one(tmp_path: Path) -> None:
    # corpus16 (Cortex): files say `namespace: default`, the kustomization that deploys
    # them says `namespace: cortex`, which kustomize writes over every namespaced object.
    write(
        tmp_path,
        {
            "k8s/kustomization.yaml": "namespace: cortex\nresources: [app.yaml]\n",
            "k8s/app.yaml": in_default("app"),
        },
    )
    assert namespace_findings(tmp_path / "k8s") == []
    builds = Builds([str(tmp_path / "k8s" / "kustomization.yaml")])
    assert builds.namespace(str(tmp_path / "k8s" / "app.yaml")) == "cortex"


def test_overlays_decide_the_namespace_outer_first_and_unknown_when_they_differ(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "namespace: base-ns\nresources: [app.yaml]\n",
            "base/app.yaml": in_default("app"),
            "staging/kustomization.yaml": "namespace: staging\nresources: [../base]\n",
            "prod/kustomization.yaml": "namespace: prod\nresources: [../base]\n",
        },
    )
    files = [str(tmp_path / d / "kustomization.yaml") for d in ("base", "staging", "prod")]
    assert Builds(files).namespace(str(tmp_path / "base" / "app.yaml")) is UNKNOWN
    assert Builds(files[:2]).namespace(str(tmp_path / "base" / "app.yaml")) == "staging"
    assert namespace_findings(tmp_path) == []


def test_a_kustomization_without_a_namespace_leaves_the_written_one(tmp_path: Path) -> None:
    # Near miss: the overlay deploys the file as written, into `default`.
    write(
        tmp_path,
        {
            "k8s/kustomization.yaml": "resources: [app.yaml]\n",
            "k8s/app.yaml": in_default("app"),
        },
    )
    assert [rule for rule, _ in namespace_findings(tmp_path / "k8s")] == ["no-default-namespace"]


def test_folders_that_define_the_same_objects_are_one_choice_of_namespace(tmp_path: Path) -> None:
    # corpus36 (tinode): `k8s/` and `local-k8s/` are alternative installs of one app,
    # both in `default`: one finding. A folder of other objects is another choice.
    write(
        tmp_path,
        {
            "k8s/postgres.yaml": in_default("postgres"),
            "k8s/chat.yaml": in_default("chat"),
            "local-k8s/postgres.yaml": in_default("postgres"),
            "other/app.yaml": in_default("billing"),
        },
    )
    findings = namespace_findings(tmp_path)
    assert len(findings) == 2
    assert any("so are" in message and "postgres" in message for _, message in findings)


def test_common_labels_supply_the_selector_a_base_leaves_out(tmp_path: Path) -> None:
    # corpus13 (metrics-server's base): commonLabels write the selector; without the
    # kustomization the apps/v1 Deployment would be refused for having none.
    base = deployment("registry.k8s.io/metrics-server:v0.7.0").replace(
        "  selector: {matchLabels: {app: provisioner}}\n", ""
    )
    write(tmp_path, {"base/kustomization.yaml": "commonLabels: {k8s-app: metrics}\nresources: [app.yaml]\n"})
    (tmp_path / "base" / "app.yaml").write_text(base)
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "app.yaml").write_text(base)
    registry = load_registry()
    config = PackConfig.from_mapping({}, registry, "<test>")

    def mismatches(path: Path) -> list[str]:
        result = lint_paths([str(path)], Engine(registry, config))
        return [f.message for f in result.findings if f.rule == "workload-selector-mismatch"]

    assert mismatches(tmp_path / "base") == []
    assert [m.split(":")[0] for m in mismatches(tmp_path / "alone")] == ["apps/v1 Deployment has no spec.selector"]


KUMA_BASE = {
    "base/kustomization.yaml": "resources: [namespace.yaml, demo.yaml]\n",
    "base/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: kuma-demo}\n",
    "base/demo.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: demo-app, namespace: kuma-demo}
        spec:
          replicas: 2
          selector: {matchLabels: {app: demo-app}}
          template:
            metadata: {labels: {app: demo-app}}
            spec:
              serviceAccountName: demo-app
              containers: [{name: app, image: "registry.example.com/demo-app:1.0.0"}]
        """,
}


def kuma_overlay(name: str, label: str) -> dict[str, str]:
    return {
        f"overlays/{name}/kustomization.yaml": "resources: [../../base]\npatches:\n  - path: namespace.yaml\n",
        f"overlays/{name}/namespace.yaml": f"""\
            apiVersion: v1
            kind: Namespace
            metadata:
              name: kuma-demo
              labels: {{kuma.io/sidecar-injection: {label}}}
            """,
    }


def token_findings(root: Path) -> list[str]:
    result = lint_paths([str(root)], Engine(REGISTRY, PackConfig.from_mapping({}, REGISTRY, "<test>")))
    return [f.message for f in result.findings if f.rule == "no-service-account-token-automount"]


def test_a_patch_that_labels_a_namespace_is_read_as_deployed(tmp_path: Path) -> None:
    # corpus18 (Kuma's counter demo): the overlay's patch turns on sidecar injection
    # for the base's Namespace, and Kuma's sidecar needs the pod's token.
    write(tmp_path, KUMA_BASE)
    assert len(token_findings(tmp_path)) == 1  # the base alone: no mesh
    write(tmp_path, kuma_overlay("mesh", "enabled"))
    assert Builds([str(tmp_path / "overlays/mesh/kustomization.yaml")]).patched_labels(
        str(tmp_path / "base/namespace.yaml"), "Namespace", "kuma-demo"
    ) == ({"kuma.io/sidecar-injection": "enabled"},)
    assert token_findings(tmp_path) == []
    # One overlay in the mesh and one out of it: which one is deployed is not known.
    write(tmp_path, kuma_overlay("plain", "disabled"))
    assert token_findings(tmp_path) == []
    (tmp_path / "overlays/mesh/namespace.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: kuma-demo, labels: {team: a}}\n"
    )
    assert len(token_findings(tmp_path)) == 1  # neither overlay injects


def rule_findings(root: Path, rule: str) -> list[str]:
    result = lint_paths([str(root)], Engine(REGISTRY, PackConfig.from_mapping({}, REGISTRY, "<test>")))
    return [f.message for f in result.findings if f.rule == rule]


INGRESS_BASE = {
    "base/kustomization.yaml": "resources: [ingress.yaml, web.yaml]\n",
    "base/ingress.yaml": """\
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: courses, namespace: mooc}
        spec:
          rules:
            - http:
                paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
        """,
    "base/web.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: mooc}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers: [{name: web, image: "registry.example.com/web:1.0.0", ports: [{containerPort: 80}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: mooc}
        spec:
          selector: {app: web}
          ports: [{port: 80}]
        """,
}


def test_fields_an_overlays_patch_writes_are_judged_as_deployed(tmp_path: Path) -> None:
    # corpus18 (rage's MOOC platform): the production overlay's JSON patch adds the
    # Ingress's TLS section; a base sized and scaled by its overlays' patches (a common
    # layout) is judged by what the overlay deploys, which the pack does not merge:
    # those fields are unknown, and unknown fires nothing.
    write(tmp_path, INGRESS_BASE)
    assert rule_findings(tmp_path, "require-ingress-tls")
    assert rule_findings(tmp_path, "require-multiple-replicas")
    assert rule_findings(tmp_path, "require-resource-limits")
    write(
        tmp_path,
        {
            "production/kustomization.yaml": """\
                resources: [../base]
                patches:
                  - path: patch-ingress.yaml
                    target: {kind: Ingress, name: courses}
                  - path: patch-web.yaml
                """,
            "production/patch-ingress.yaml": """\
                - op: add
                  path: /spec/tls
                  value: [{hosts: [courses.mooc.fi], secretName: courses-tls}]
                """,
            "production/patch-web.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: web
                          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: "1", memory: 256Mi}}
                """,
        },
    )
    paths = Builds([str(tmp_path / "production/kustomization.yaml")]).patched_paths(
        str(tmp_path / "base/ingress.yaml"), "Ingress", "courses"
    )
    assert paths == {("spec", "tls")}
    assert rule_findings(tmp_path, "require-ingress-tls") == []
    assert rule_findings(tmp_path, "require-multiple-replicas") == []
    assert rule_findings(tmp_path, "require-resource-limits") == []
    # What no patch writes is judged as written: the web container's probes.
    assert rule_findings(tmp_path, "require-readiness-probe")


def test_files_a_kustomization_names_in_other_folders_and_its_replicas_field(tmp_path: Path) -> None:
    # corpus18 (rage's MOOC platform): the base names `headless-lms/deployment.yml`, a
    # file in a folder of its own, and production sets its count with `replicas:` and
    # its image with `images:`. Both apply to that file as kustomize deploys it.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [headless-lms/deployment.yml]\n",
            "base/headless-lms/deployment.yml": deployment("moocfi/headless-lms").replace("replicas: 2", "replicas: 1")
            + "---\napiVersion: v1\nkind: Service\nmetadata: {name: headless-lms, namespace: storage}\n"
            "spec: {selector: {app: provisioner}, ports: [{port: 80}]}\n",
            "production/kustomization.yaml": """\
                resources: [../base]
                images: [{name: moocfi/headless-lms, newName: eu.gcr.io/moocfi/headless-lms, newTag: "4.2.0"}]
                replicas: [{name: provisioner, count: 4}]
                """,
        },
    )
    assert pinned_findings(tmp_path) == []  # deployed as eu.gcr.io/moocfi/headless-lms:4.2.0
    assert rule_findings(tmp_path, "require-multiple-replicas") == []
    assert len(pinned_findings(tmp_path / "base")) == 1  # the base alone: deployed as written


def test_a_kustomization_namespace_moves_the_binding_subjects_kustomize_moves(tmp_path: Path) -> None:
    # corpus19 (Tekton's prow): the kustomization sets `namespace: prow`; crier's
    # ClusterRoleBinding names `default/crier`, and kustomize (v5.5, checked) moves
    # that subject into prow with its ServiceAccount, so crier is bound: an API client,
    # maybe a singleton. A subject no account of the build matches stays where it is.
    crier = (
        deployment("crier")
        .replace("namespace: storage", "namespace: default")
        .replace("replicas: 2", "replicas: 1")
        .replace("    spec:\n      containers:", "    spec:\n      serviceAccountName: crier\n      containers:")
    )
    account = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: crier, namespace: default}\n"
    rest = """\
---
apiVersion: v1
kind: Service
metadata: {name: crier, namespace: default}
spec: {selector: {app: provisioner}, ports: [{port: 80}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crier}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: crier}
subjects: [{kind: ServiceAccount, name: crier, namespace: default}]
"""
    write(tmp_path, {"kustomization.yaml": "namespace: prow\nresources: [crier.yaml]\n"})
    (tmp_path / "crier.yaml").write_text(crier + "---\n" + account + rest)
    assert rule_findings(tmp_path, "require-multiple-replicas") == []
    assert rule_findings(tmp_path, "no-service-account-token-automount") == []
    # Without the ServiceAccount in the build, the subject stays in default: unbound.
    (tmp_path / "crier.yaml").write_text(crier + rest)
    assert rule_findings(tmp_path, "no-service-account-token-automount")


def test_a_mount_whose_volume_an_overlay_adds_is_judged_as_deployed(tmp_path: Path) -> None:
    # The base mounts a volume its overlay's patch declares: as deployed, it is there.
    base = deployment("registry.example.com/app:1.0.0").replace(
        "image: registry.example.com/app:1.0.0",
        "image: registry.example.com/app:1.0.0\n          volumeMounts: [{name: config, mountPath: /etc/app}]",
    )
    write(tmp_path, {"base/kustomization.yaml": "resources: [app.yaml]\n"})
    (tmp_path / "base/app.yaml").write_text(base)
    assert rule_findings(tmp_path, "volume-mount-undeclared")
    write(
        tmp_path,
        {
            "prod/kustomization.yaml": "resources: [../base]\npatches:\n  - path: volumes.yaml\n",
            "prod/volumes.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: provisioner}
                spec:
                  template:
                    spec:
                      volumes: [{name: config, configMap: {name: app-config}}]
                """,
        },
    )
    assert rule_findings(tmp_path, "volume-mount-undeclared") == []


FALKORDB = {
    "k8s/base/kustomization.yaml": """\
        commonLabels: {app.kubernetes.io/name: ldap-auth}
        resources: [app.yaml, redis.yaml, pdb.yaml]
        """,
    "k8s/base/app.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ldap-auth, namespace: auth}
        spec:
          replicas: 2
          selector: {matchLabels: {app.kubernetes.io/name: ldap-auth}}
          template:
            metadata: {labels: {app.kubernetes.io/name: ldap-auth}}
            spec:
              containers: [{name: app, image: "registry.example.com/ldap-auth:1.0.0"}]
        """,
    "k8s/base/redis.yaml": """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: redis, namespace: auth}
        spec:
          replicas: 1
          serviceName: redis
          selector: {matchLabels: {app.kubernetes.io/name: redis, role: cache}}
          template:
            metadata: {labels: {app.kubernetes.io/name: redis, role: cache}}
            spec:
              containers: [{name: redis, image: "redis:7.2.4"}]
        """,
    "k8s/base/pdb.yaml": """\
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: redis-pdb, namespace: auth}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app.kubernetes.io/name: redis}}
        """,
}


def test_common_labels_overwrite_other_objects_selectors_as_kustomize_does(tmp_path: Path) -> None:
    # corpus20 (FalkorDB's ldap-auth-rs): commonLabels overwrite the budget's selector
    # and the Redis pods' label with `ldap-auth` (checked with `kubectl kustomize`):
    # deployed, the budget selects three pods, so one may be evicted.
    write(tmp_path, FALKORDB)
    assert rule_findings(tmp_path / "k8s", "pdb-allows-no-disruption") == []
    # Near-miss: the same files without the kustomization are judged as written.
    alone = tmp_path / "alone"
    for name in ("app.yaml", "redis.yaml", "pdb.yaml"):
        write(alone, {name: FALKORDB[f"k8s/base/{name}"]})
    assert rule_findings(alone, "pdb-allows-no-disruption") == [
        "minAvailable 1 with 1 replicas selected allows no pod to be evicted"
    ]
    # Near-miss: common labels under another key leave the budget's selector alone.
    kustomization = "commonLabels: {team: auth}\nresources: [app.yaml, redis.yaml, pdb.yaml]\n"
    write(tmp_path, {"k8s/base/kustomization.yaml": kustomization})
    assert rule_findings(tmp_path / "k8s", "pdb-allows-no-disruption") == [
        "minAvailable 1 with 1 replicas selected allows no pod to be evicted"
    ]


def test_with_added_labels_writes_where_kustomize_does_and_unknown_where_overlays_differ() -> None:
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "b"},
        "spec": {"selector": {"matchLabels": {"app": "redis", "env": "base"}}},
    }
    built = with_added_labels(budget, ({"app": "web", "env": "dev"}, {"app": "web", "env": "prod"}))
    # The key both overlays write alike is written; the one they write differently is
    # unknown where the file says it, and not added to the object's own labels.
    assert built["spec"]["selector"]["matchLabels"] == {"app": "web", "env": UNKNOWN}
    assert built["metadata"]["labels"] == {"app": "web"}
    assert budget["spec"]["selector"]["matchLabels"] == {"app": "redis", "env": "base"}  # not changed in place
    # Selectors kustomize does not create: an expression-only budget, an empty pod
    # selector, a Service written without a selector.
    expressions = {**budget, "spec": {"selector": {"matchExpressions": []}}}
    assert "matchLabels" not in with_added_labels(expressions, ({"app": "web"},))["spec"]["selector"]
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "x"}}}]}]},
    }
    built = with_added_labels(policy, ({"app": "web"},))
    assert built["spec"]["podSelector"] == {}
    assert built["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"] == {"app": "web"}
    service = {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}}
    assert "selector" not in with_added_labels(service, ({"app": "web"},))["spec"]
    # Templates are created: a CronJob's job and pod templates get the labels.
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {}}}}}}
    built = with_added_labels(cron, ({"app": "web"},))
    assert built["spec"]["jobTemplate"]["metadata"]["labels"] == {"app": "web"}
    assert built["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"] == {"app": "web"}
    assert with_added_labels(cron, ()) is cron


def test_a_finding_on_a_field_an_overlays_patch_writes_is_unknown(tmp_path: Path) -> None:
    # corpus21 (Rocket.Chat): the production patch gives the database container the
    # securityContext the base leaves out; the patch merges containers by name, so
    # the container it does not name is still judged as written.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [db.yaml]\n",
            "base/db.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: db, namespace: chat}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: db}}
                  template:
                    metadata: {labels: {app: db}}
                    spec:
                      containers:
                        - {name: mongodb, image: "mongo:7.0.5"}
                        - {name: exporter, image: "percona/mongodb_exporter:0.40.0"}
                """,
            "production/kustomization.yaml": "resources: [../base]\npatches: [{path: db.yaml}]\n",
            "production/db.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: db}
                spec:
                  template:
                    spec:
                      topologySpreadConstraints:
                        - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule,
                           labelSelector: {matchLabels: {app: db}}}
                      containers:
                        - name: mongodb
                          securityContext: {capabilities: {drop: [ALL]}}
                """,
        },
    )
    assert rule_findings(tmp_path, "require-drop-all-capabilities") == [
        'container "exporter" does not drop ALL capabilities: it keeps the runtime\'s default set'
    ]
    # Near-miss: without the overlay both containers are judged as written.
    assert len(rule_findings(tmp_path / "base", "require-drop-all-capabilities")) == 2
    # Stack rules too: the overlay spreads the pods the base leaves together.
    assert rule_findings(tmp_path, "require-topology-spread") == []
    assert len(rule_findings(tmp_path / "base", "require-topology-spread")) == 1


def test_an_overlay_that_patches_the_affinity_decides_the_spread(tmp_path: Path) -> None:
    # corpus37 (exlytics): the production overlay's inline strategic-merge patch adds
    # the pod anti-affinity its base lacks; the finding would stand on
    # `topologySpreadConstraints`, a field the patch does not write.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [deployment.yaml]\n",
            "base/deployment.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: exlytics, namespace: web}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: exlytics}}
                  template:
                    metadata: {labels: {app: exlytics}}
                    spec:
                      containers:
                        - {name: app, image: "registry.example.com/exlytics:1.0.0"}
                """,
            "production/kustomization.yaml": """\
                resources: [../base]
                namePrefix: production-
                patchesStrategicMerge:
                  - |-
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata:
                      name: exlytics
                    spec:
                      template:
                        spec:
                          affinity:
                            podAntiAffinity:
                              requiredDuringSchedulingIgnoredDuringExecution:
                                - labelSelector: {matchLabels: {app: exlytics}}
                                  topologyKey: kubernetes.io/hostname
                """,
        },
    )
    assert rule_findings(tmp_path, "require-topology-spread") == []
    # Near-miss: the base alone is judged as written.
    assert len(rule_findings(tmp_path / "base", "require-topology-spread")) == 1


def test_images_a_deploy_pipeline_sets_are_judged_as_deployed_by_it(tmp_path: Path) -> None:
    # corpus37 (hashpost): the overlay says `newTag: latest`, and the deploy workflow
    # runs `kustomize edit set image` with the release's tag before `kubectl apply -k`.
    write(
        tmp_path,
        {
            "deploy/base/kustomization.yaml": "resources: [backend.yaml, worker.yaml]\n",
            "deploy/base/backend.yaml": deployment("hashpost-backend"),
            "deploy/base/worker.yaml": deployment("hashpost-worker").replace("{name: provisioner,", "{name: worker,"),
            "deploy/overlays/production/kustomization.yaml": """\
                resources: [../../base]
                images:
                  - {name: hashpost-backend, newName: registry.example.com/hashpost-backend, newTag: latest}
                  - {name: hashpost-worker, newName: registry.example.com/hashpost-worker, newTag: latest}
                """,
            ".github/workflows/deploy.yml": """\
                jobs:
                  deploy:
                    steps:
                      - run: |
                          cd deploy/overlays/production
                          kustomize edit set image hashpost-backend=${{ secrets.R }}/hashpost-backend:${{ env.TAG }}
                          kustomize edit set image hashpost-worker=registry.example.com/hashpost-worker:latest
                      - run: kubectl apply -k deploy/overlays/production
                """,
        },
    )
    found = rule_findings(tmp_path, "require-pinned-images")
    # The worker's pipeline sets a literal `latest`: still moving, still reported.
    assert len(found) == 1 and "hashpost-worker" in found[0], found
    # Near-miss: without the pipeline, both are judged by the overlay's `latest`.
    (tmp_path / ".github/workflows/deploy.yml").unlink()
    assert len(rule_findings(tmp_path, "require-pinned-images")) == 2


def test_the_arguments_of_kustomize_edit_set_image_in_a_pipeline(tmp_path: Path) -> None:
    pipeline = tmp_path / ".gitlab-ci.yml"
    pipeline.write_text(
        "deploy:\n"
        "  script:\n"
        "    - kustomize edit set image \\\n"
        "        app=registry.example.com/app:$CI_COMMIT_SHA api=registry.example.com/api:${TAG} \\\n"
        "        && kubectl apply -k .\n"
        "    - kustomize edit set image registry.example.com/cli:$TAG\n"
        "    - kustomize edit set image pinned=registry.example.com/pinned:1.2.3  # a literal\n"
    )
    assert _images_set_at_deploy(str(pipeline)) == {"app", "api", "registry.example.com/cli"}


def test_a_finding_on_labels_a_kustomization_overwrites_says_it_is_judged_as_built(tmp_path: Path) -> None:
    # corpus20 (FalkorDB): once built, the Redis budget selects the app's pods, which
    # the app's own budget selects too. The file's selector says `redis`: the message
    # says what the build writes there.
    app_budget = """\
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: ldap-auth-pdb, namespace: auth}
        spec:
          maxUnavailable: 1
          selector: {matchLabels: {app.kubernetes.io/name: ldap-auth}}
        """
    kustomization = """\
        commonLabels: {app.kubernetes.io/name: ldap-auth}
        resources: [app.yaml, redis.yaml, pdb.yaml, app-pdb.yaml]
        """
    write(tmp_path, {**FALKORDB, "k8s/base/app-pdb.yaml": app_budget, "k8s/base/kustomization.yaml": kustomization})
    overlaps = rule_findings(tmp_path, "pdb-overlap")
    assert any(
        "as built: the kustomization's commonLabels write app.kubernetes.io/name=ldap-auth into "
        "spec.selector.matchLabels" in message
        for message in overlaps
    )
    assert overwritten(
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "spec": {"selector": {"matchLabels": {"a": "x"}}}},
        ({"a": "y"},),
    ) == {("spec", "selector", "matchLabels"): "a=y"}


def test_a_pod_level_setting_an_overlay_patches_decides_its_containers(tmp_path: Path) -> None:
    # corpus21 (Rocket.Chat): the production patch gives the pod RuntimeDefault
    # seccomp, which covers the container the base judges.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [app.yaml]\n",
            "base/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: chat, namespace: chat}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: chat}}
                  template:
                    metadata: {labels: {app: chat}}
                    spec:
                      containers:
                        - {name: chat, image: "rocketchat/rocket.chat:6.5.0"}
                """,
            "production/kustomization.yaml": "resources: [../base]\npatches: [{path: app.yaml}]\n",
            "production/app.yaml": """\
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: chat}
                spec:
                  template:
                    spec:
                      securityContext: {seccompProfile: {type: RuntimeDefault}}
                """,
        },
    )
    assert rule_findings(tmp_path, "pss-seccomp-restricted") == []
    assert rule_findings(tmp_path, "require-drop-all-capabilities")  # container-only: not the pod's to set
    assert len(rule_findings(tmp_path / "base", "pss-seccomp-restricted")) == 1


def test_a_patch_that_restates_what_the_base_writes_leaves_it_known(tmp_path: Path) -> None:
    # corpus22 (uswitch/kiam): the overlay's patch repeats the agent's hostNetwork and
    # image; as deployed they are what the base says, and are judged.
    agent = """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: kube-system}
        spec:
          selector: {matchLabels: {app: agent}}
          template:
            metadata: {labels: {app: agent}}
            spec:
              hostNetwork: true
              containers:
                - {name: kiam, image: "quay.io/uswitch/kiam:master"}
        """
    patch = """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: kube-system}
        spec:
          template:
            spec:
              hostNetwork: true
              containers:
                - {name: kiam, image: "quay.io/uswitch/kiam:master", imagePullPolicy: Always}
        """
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [agent.yaml]\n",
            "base/agent.yaml": agent,
            "overlay/kustomization.yaml": "resources: [../base]\npatches: [{path: agent.yaml}]\n",
            "overlay/agent.yaml": patch,
        },
    )
    assert rule_findings(tmp_path, "pss-host-namespaces") == ["pod must not set hostNetwork=true"]
    assert len(rule_findings(tmp_path, "require-pinned-images")) == 1
    # Near-miss: a patch that changes the value leaves it to the overlay.
    write(tmp_path, {"overlay/agent.yaml": patch.replace("hostNetwork: true", "hostNetwork: false")})
    assert rule_findings(tmp_path, "pss-host-namespaces") == []


def test_images_a_tiltfile_builds_are_deployed_by_tilt(tmp_path: Path) -> None:
    # corpus28 (Chroma's k8s/dev): `image: worker`, which the repository's Tiltfile
    # builds and Tilt deploys under a tag of its own (a bare name that is no Docker
    # official image is a stand-in wherever it is; a full one shows the Tiltfile's part). An image it does not build, or
    # the same name outside its folder, is judged as written.
    write(
        tmp_path,
        {
            "Tiltfile": """\
                # docker_build('ghcr.io/acme/commented-out', '.')
                docker_build('ghcr.io/acme/worker', '.', dockerfile='rust/worker/Dockerfile')
                custom_build(ref='ghcr.io/acme/server', command='make image', deps=['.'])
                k8s_yaml(['k8s/dev/worker.yaml', 'k8s/dev/server.yaml'])
                """,
            "k8s/dev/worker.yaml": deployment("ghcr.io/acme/worker"),
            "k8s/dev/server.yaml": deployment("ghcr.io/acme/server"),
            "k8s/dev/pulsar.yaml": deployment("apachepulsar/pulsar"),
            "k8s/dev/other.yaml": deployment("ghcr.io/acme/commented-out"),
        },
    )
    messages = pinned_findings(tmp_path)  # the repository, whose root holds the Tiltfile
    assert len(messages) == 2 and any('"apachepulsar/pulsar"' in m for m in messages)
    assert any('"ghcr.io/acme/commented-out"' in m for m in messages)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other"
    write(elsewhere, {"deployment.yaml": deployment("ghcr.io/acme/worker")})
    assert len(pinned_findings(elsewhere)) == 1
    # A run given a folder below the Tiltfile's does not look above it (as for skaffold:
    # what the run holds decides).
    assert len(pinned_findings(tmp_path / "k8s")) == 4


RELABEL_BASE = {
    "base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "base/deployment.yaml": """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: prs, namespace: prs}
        spec:
          replicas: 2
          selector: {matchLabels: {app: prs}}
          template:
            metadata: {labels: {app: prs}}
            spec:
              containers: [{name: prs, image: "registry.example.com/prs:1.0.0", ports: [{containerPort: 8080}]}]
        """,
}


def relabel_overlay(name: str, app: str) -> dict[str, str]:
    return {
        f"overlays/{name}/kustomization.yaml": """\
            resources: [../../base, pdb.yaml]
            patches: [{path: patch.yaml}]
            """,
        f"overlays/{name}/patch.yaml": f"""\
            apiVersion: apps/v1
            kind: Deployment
            metadata: {{name: prs}}
            spec:
              selector: {{matchLabels: {{app: {app}}}}}
              template:
                metadata: {{labels: {{app: {app}}}}}
            """,
        f"overlays/{name}/pdb.yaml": f"""\
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {{name: prs-{name}, namespace: prs}}
            spec:
              maxUnavailable: 1
              selector: {{matchLabels: {{app: prs-prod}}}}
            """,
    }


def test_pod_labels_an_overlays_patch_writes_are_the_ones_selected(tmp_path: Path) -> None:
    # corpus33 (dbca-wa's PRS): the prod overlay relabels the pod template `app:
    # prs-prod`, and its PodDisruptionBudget selects that label.
    write(tmp_path, RELABEL_BASE)
    write(tmp_path, relabel_overlay("prod", "prs-prod"))
    assert rule_findings(tmp_path, "pdb-selects-no-pods") == []
    # A patch that writes another label: the budget selects nothing, as deployed.
    write(tmp_path, relabel_overlay("prod", "prs-live"))
    assert len(rule_findings(tmp_path, "pdb-selects-no-pods")) == 1
    # Two overlays that write different labels: which one is deployed is not known.
    write(tmp_path, relabel_overlay("prod", "prs-prod"))
    write(tmp_path, relabel_overlay("live", "prs-live"))
    assert rule_findings(tmp_path, "pdb-selects-no-pods") == []


def prefix_overlay(target: str) -> dict[str, str]:
    return {
        "overlays/prod/kustomization.yaml": """\
            namePrefix: prod-
            nameSuffix: -v2
            resources: [../../base, hpa.yaml]
            """,
        "overlays/prod/hpa.yaml": f"""\
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {{name: prs, namespace: prs}}
            spec:
              scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: {target}}}
              minReplicas: 2
              maxReplicas: 5
            """,
    }


def test_a_name_prefix_and_suffix_give_objects_their_deployed_names(tmp_path: Path) -> None:
    # corpus33 (an ML classifier's prod overlay): `namePrefix: prod-` renames the base's
    # Deployment, and the overlay's autoscaler names it as deployed.
    write(tmp_path, {**RELABEL_BASE, "base/kustomization.yaml": "namePrefix: app-\nresources: [deployment.yaml]\n"})
    write(tmp_path, prefix_overlay("prod-app-prs-v2"))
    assert rule_findings(tmp_path, "hpa-target-missing") == []
    write(tmp_path, prefix_overlay("prs"))  # the written name, which kustomize rewrites
    assert rule_findings(tmp_path, "hpa-target-missing") == []
    write(tmp_path, prefix_overlay("prod-prs"))  # the inner prefix left out: no such object
    assert len(rule_findings(tmp_path, "hpa-target-missing")) == 1


def test_a_file_beside_a_kustomization_that_does_not_name_it_is_judged_as_written(tmp_path: Path) -> None:
    # corpus33 (GoDaddy's requeue): prod/kustomization.yaml deploys ../base with the
    # tag `prod`; prod/cronjob.yaml beside it, which it does not name, is no part of
    # that build, so "a kustomization deploys it as ...:prod" was false.
    write(tmp_path, BASE)
    write(tmp_path, overlay("prod", "images: [{name: registry.k8s.io/sig-storage/csi-provisioner, newTag: v5.1.0}]"))
    (tmp_path / "overlays/prod/extra.yaml").write_text(deployment("registry.example.com/requeue:latest"))
    builds = Builds([str(tmp_path / "overlays/prod/kustomization.yaml")])
    extra = str(tmp_path / "overlays/prod/extra.yaml")
    assert builds.deployed(extra, "registry.example.com/requeue:latest") == ("registry.example.com/requeue:latest",)
    assert [m for m in pinned_findings(tmp_path) if "kustomization deploys" in m] == []
    # Named in its resources, it is deployed by the overlay.
    write(tmp_path, overlay("prod", "images: [{name: registry.example.com/requeue, newTag: v2.0.1}]"))
    (tmp_path / "overlays/prod/kustomization.yaml").write_text(
        "resources: [../../base, extra.yaml]\nimages: [{name: registry.example.com/requeue, newTag: v2.0.1}]\n"
    )
    builds = Builds([str(tmp_path / "overlays/prod/kustomization.yaml")])
    assert builds.deployed(extra, "registry.example.com/requeue:latest") == ("registry.example.com/requeue:v2.0.1",)


def test_a_base_without_its_kustomization_is_deployed_by_the_overlay_that_names_it(tmp_path: Path) -> None:
    # corpus34 (innago's ratatoskr): the checkout lacks base/kustomization.yaml; the
    # production overlay names ../../base, patches its replicas to 2 and adds a budget
    # of minAvailable 1, which then allows one pod to go.
    write(
        tmp_path,
        {
            "base/deployment.yaml": RELABEL_BASE["base/deployment.yaml"].replace("replicas: 2", "replicas: 1"),
            "overlays/prod/kustomization.yaml": """\
                resources: [../../base, pdb.yaml]
                patches:
                  - target: {kind: Deployment, name: prs}
                    patch: |-
                      apiVersion: apps/v1
                      kind: Deployment
                      metadata: {name: prs}
                      spec: {replicas: 2}
                """,
            "overlays/prod/pdb.yaml": """\
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: prs, namespace: prs}
                spec:
                  minAvailable: 1
                  selector: {matchLabels: {app: prs}}
                """,
        },
    )
    assert rule_findings(tmp_path, "pdb-allows-no-disruption") == []
    assert rule_findings(tmp_path, "require-multiple-replicas") == []
    # Without the patch, the budget over the base's one replica allows nothing.
    (tmp_path / "overlays/prod/kustomization.yaml").write_text("resources: [../../base, pdb.yaml]\n")
    assert len(rule_findings(tmp_path, "pdb-allows-no-disruption")) == 1


DELETED_SECRET = {
    "base/postgres/kustomization.yaml": """\
        resources: [statefulset.yaml]
        namePrefix: postgres-
        secretGenerator:
          - name: credentials
            literals: [POSTGRES_USER=postgres, POSTGRES_PASSWORD=Sup3rSecretPass]
        """,
    "base/postgres/statefulset.yaml": """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: db, namespace: sched}
        spec:
          serviceName: db
          selector: {matchLabels: {app: db}}
          template:
            metadata: {labels: {app: db}}
            spec:
              containers: [{name: db, image: "postgres:16.2"}]
        """,
}


def delete_patch(kind: str, name: str) -> str:
    # BCIT's idiom: the target picks the object; the patch's own kind and name do not matter.
    return f"""\
          - target: {{kind: {kind}, name: {name}}}
            patch: |
              $patch: delete
              kind: Kustomization
              metadata:
                name: DOES NOT MATTER
        """


def test_an_object_a_patch_deletes_is_not_judged(tmp_path: Path) -> None:
    # corpus38 (BCIT's scheduler API): the base deletes the Secret its postgres/
    # kustomization generates (with a `postgres-` prefix) and reads one from Vault instead.
    write(tmp_path, DELETED_SECRET)
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [./postgres]\npatches:\n"
            + delete_patch("Secret", "postgres-credentials")
        },
    )
    result = lint_paths([str(tmp_path)], Engine(REGISTRY, PackConfig.from_mapping({}, REGISTRY, "<test>")))
    assert [f for f in result.findings if f.rule == "no-plaintext-secret-values"] == []
    assert any("Secret credentials: a `$patch: delete`" in note.message for note in result.notes)
    # The written name (before the inner prefix) is the same object.
    write(
        tmp_path,
        {"base/kustomization.yaml": "resources: [./postgres]\npatches:\n" + delete_patch("Secret", "credentials")},
    )
    assert rule_findings(tmp_path, "no-plaintext-secret-values") == []


def test_a_deletion_of_another_object_or_by_one_overlay_of_two_leaves_it_judged(tmp_path: Path) -> None:
    write(tmp_path, DELETED_SECRET)
    write(
        tmp_path, {"base/kustomization.yaml": "resources: [./postgres]\npatches:\n" + delete_patch("Secret", "other")}
    )
    assert rule_findings(tmp_path, "no-plaintext-secret-values")
    # A ConfigMap of that name is not the Secret.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [./postgres]\npatches:\n"
            + delete_patch("ConfigMap", "postgres-credentials")
        },
    )
    assert rule_findings(tmp_path, "no-plaintext-secret-values")
    # A target named by a pattern or a label selector is not known to be this object.
    write(
        tmp_path,
        {"base/kustomization.yaml": "resources: [./postgres]\npatches:\n" + delete_patch("Secret", "'postgres-.*'")},
    )
    assert rule_findings(tmp_path, "no-plaintext-secret-values")
    # Two overlays deploy the base; only one deletes the Secret, so the other deploys it.
    (tmp_path / "base/kustomization.yaml").unlink()
    write(
        tmp_path,
        {
            "dev/kustomization.yaml": "resources: [../base/postgres]\n",
            "prod/kustomization.yaml": "resources: [../base/postgres]\npatches:\n"
            + delete_patch("Secret", "postgres-credentials"),
        },
    )
    assert rule_findings(tmp_path, "no-plaintext-secret-values")
    (tmp_path / "dev/kustomization.yaml").unlink()
    assert rule_findings(tmp_path, "no-plaintext-secret-values") == []


def test_a_patch_with_a_target_applies_to_the_target_not_to_its_own_name(tmp_path: Path) -> None:
    # kustomize's documented idiom: `metadata: {name: not-important}` under a target.
    write(tmp_path, INGRESS_BASE)
    write(
        tmp_path,
        {
            "production/kustomization.yaml": """\
                resources: [../base]
                patches:
                  - target: {kind: Deployment, name: web}
                    patch: |
                      apiVersion: apps/v1
                      kind: Deployment
                      metadata: {name: not-important}
                      spec: {replicas: 3}
                """,
        },
    )
    assert rule_findings(tmp_path, "require-multiple-replicas") == []


def test_common_labels_that_rewrite_every_selector_are_one_finding(tmp_path: Path) -> None:
    # corpus41 (goms): `commonLabels: {app: goms}` makes every Service select every
    # program's pods; service-target-port-undeclared says so once, the other Services
    # folded under it.
    names = (("db", 3306), ("cache", 6379), ("api", 8080))
    files = {"kustomization.yaml": "kind: Kustomization\ncommonLabels: {app: shop}\nresources:\n"}
    for name, port in names:
        files["kustomization.yaml"] += f"- {name}-deploy.yaml\n- {name}-svc.yaml\n"
        files[f"{name}-deploy.yaml"] = (
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n"
            f"  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec: {{containers: [{{name: {name}, image: registry.example.com/{name}:1.0.0, "
            f"ports: [{{containerPort: {port}}}]}}]}}\n"
        )
        files[f"{name}-svc.yaml"] = (
            f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n"
            f"  ports: [{{port: {port}, targetPort: {port}}}]\n"
        )
    write(tmp_path, files)
    registry = load_registry()
    result = lint_paths([str(tmp_path)], Engine(registry, PackConfig.from_mapping({}, registry, "<test>")))
    found = [f for f in result.findings if f.rule == "service-target-port-undeclared"]
    assert len(found) == 1, [f.message for f in found]
    assert "(the kustomization's commonLabels write app=shop into every selector; also on Service" in found[0].message
    assert len(found[0].folded) == 2


CRONJOB = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {{name: backup, namespace: kube-system}}
    spec:
      schedule: "{schedule}"
      jobTemplate:
        spec:
          template:
            spec:
              restartPolicy: OnFailure
              containers:
                - {{name: backup, image: "registry.example.com/backup:1.2.0"}}
    """


def test_a_rule_that_reads_overlays_judges_the_value_a_patch_writes(tmp_path: Path) -> None:
    # corpus45's etcd backup: the base's `* * 2 * *` is patched to `* * 1 * *` by an
    # inline patch of the kustomization; both run a backup every minute of a day, and
    # the finding was dropped because the overlay writes the field.
    def kustomized(written: str, patched: str) -> Path:
        root = tmp_path / written.replace(" ", "_").replace("*", "x")
        patch = f"apiVersion: batch/v1\\nkind: CronJob\\nmetadata: {{name: backup}}\\nspec: {{schedule: '{patched}'}}"
        write(
            root,
            {
                "cronjob.yaml": CRONJOB.format(schedule=written),
                "kustomization.yaml": f'resources: [cronjob.yaml]\npatches:\n  - patch: "{patch}"\n',
            },
        )
        return root

    assert rule_findings(kustomized("0 3 2 * *", "* * 1 * *"), "cronjob-minute-wildcard") == [
        'schedule "* * 1 * *" (as a kustomize patch of the run writes it) starts a Job every minute of the whole '
        'day on the days it names, 1440 a day; to run once on each, give the minute and hour ("0 0 1 * *")'
    ]
    # Near-miss: the patch gives the minute the base lacks.
    assert rule_findings(kustomized("* * 2 * *", "0 0 1 * *"), "cronjob-minute-wildcard") == []


def test_the_program_is_told_by_the_image_an_overlay_deploys(tmp_path: Path) -> None:
    # corpus47's Nadeshiko: `image: brigadasos-db` (named like a database) is deployed
    # by the production overlay as ghcr.io/brigadasos/nadeshiko, the API; Recreate was
    # asked of it for "its database's data".
    write(
        tmp_path,
        {
            "app/api.yaml": """\
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: api-data, namespace: shop}
                spec:
                  accessModes: [ReadWriteMany]
                  resources: {requests: {storage: 1Gi}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: shop-db, namespace: shop}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: shop-db}}
                  template:
                    metadata: {labels: {app: shop-db}}
                    spec:
                      containers:
                        - name: api
                          image: shop-db
                          ports: [{containerPort: 5000}]
                          volumeMounts: [{name: data, mountPath: /data}]
                      volumes:
                        - {name: data, persistentVolumeClaim: {claimName: api-data}}
                """,
            "app/kustomization.yaml": """\
                resources: [api.yaml]
                images:
                  - {name: shop-db, newName: ghcr.io/acme/shop-api, newTag: v1.2.4}
                """,
        },
    )
    assert rule_findings(tmp_path, "require-recreate-with-exclusive-claim") == []
    # Near miss: without the overlay's images, the name is all there is to read.
    (tmp_path / "app" / "kustomization.yaml").write_text("resources: [api.yaml]\n")
    assert len(rule_findings(tmp_path, "require-recreate-with-exclusive-claim")) == 1


def test_an_images_entry_may_name_the_image_with_its_tag(tmp_path: Path) -> None:
    # corpus47's FinalRip: `images: [{name: lychee0/finalrip:worker-cut-dev, newTag:
    # latest}]`; kustomize matches the name with its tag, and deploys the image as
    # `lychee0/finalrip:latest`, a moving tag two reviewers saw missed.
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [deployment.yaml]\n"
            "images: [{name: 'lychee0/finalrip:worker-cut-dev', newTag: latest}]\n",
            "base/deployment.yaml": deployment("lychee0/finalrip:worker-cut-dev"),
        },
    )
    (message,) = pinned_findings(tmp_path)
    assert 'a kustomization deploys it as "lychee0/finalrip:latest"' in message
    # Near miss: an entry with another tag in its name does not match this image,
    # which is judged as written (a channel tag of its own).
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\nimages: [{name: 'lychee0/finalrip:server-dev', newTag: latest}]\n"
    )
    (message,) = pinned_findings(tmp_path)
    assert '"worker-cut-dev" names a branch or channel' in message and "deploys it as" not in message


def test_a_count_every_overlay_patches_is_judged_as_patched(tmp_path: Path) -> None:
    # corpus47's Misskey: the base runs web at 3, the production overlay's patch at 1;
    # the count was not judged at all (a reviewer saw it missed). It is judged as the
    # overlays write it when they agree, and not when one leaves it alone.
    base = deployment("registry.example.com/web:1.0.0").replace("replicas: 2", "replicas: 3")
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\n"
        "metadata: {name: provisioner, namespace: storage}\nspec: {replicas: 1}\n"
    )
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [deployment.yaml, service.yaml]\n",
            "base/deployment.yaml": base,
            "base/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: provisioner, namespace: storage}\n"
            "spec: {selector: {app: provisioner}, ports: [{port: 80}]}\n",
            "overlays/production/kustomization.yaml": "resources: [../../base]\npatches: [{path: patch.yaml}]\n",
            "overlays/production/patch.yaml": patch,
        },
    )
    (message,) = rule_findings(tmp_path, "require-multiple-replicas")
    assert "replicas is 1 (as the kustomize overlays of the run write it)" in message
    # Near miss: a second overlay deploys the base unpatched, at 3.
    write(tmp_path, {"overlays/staging/kustomization.yaml": "resources: [../../base]\n"})
    assert rule_findings(tmp_path, "require-multiple-replicas") == []
