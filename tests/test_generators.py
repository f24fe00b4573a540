"""Objects a kustomization generates (policypack/generators.py): judged as `kustomize
build` writes them, placed on the generator's lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import lint_paths
from tests.support.harness import REGISTRY

KUSTOMIZATION = """\
    namespace: chat
    resources: [app.yaml]
    secretGenerator:
      - name: mongodb-auth
        literals:
          - username=rocketchat
          - password=SuperStrongPass!
      - name: from-env
        envs: [prod.env]
      - name: merged
        behavior: merge
        literals: [token=ghp_abcdefghijklmnopqrstuvwxyz0123456789]
    configMapGenerator:
      - name: app-config
        files: [config/app.ini]
      - name: outside
        files: [../elsewhere.ini]
    """

APP = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app, namespace: chat}
    spec:
      replicas: 2
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          automountServiceAccountToken: false
          containers:
            - name: app
              image: registry.example.com/app:1.0.0
              envFrom: [{secretRef: {name: mongodb-auth}}]
              volumeMounts: [{name: config, mountPath: /etc/app}]
          volumes:
            - {name: config, configMap: {name: app-config}}
    """


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def findings(root: Path, config: dict | None = None) -> list[tuple[str, str, int, str]]:
    result = lint_paths([str(root)], Engine(REGISTRY, PackConfig.from_mapping(config or {}, REGISTRY, "<test>")))
    assert not result.errors
    return [(f.rule, Path(f.location.file).name, f.location.line, f.message) for f in result.findings]


def test_generated_secrets_and_config_maps_are_judged_on_the_generators_lines(tmp_path: Path) -> None:
    # corpus21 (Rocket.Chat's production overlay): the MongoDB password is a literal
    # of the kustomization's secretGenerator, which no manifest spells out.
    write(
        tmp_path / "k8s",
        {
            "kustomization.yaml": KUSTOMIZATION,
            "app.yaml": APP,
            "prod.env": "# production\nAPI_TOKEN=glpat-abcdefghijklmnopqrst\nLOG_LEVEL=info\n",
            "config/app.ini": "[db]\nurl = postgres://app:hunter2hunter2@db:5432/app\n",
        },
    )
    (tmp_path / "elsewhere.ini").write_text("url = postgres://app:hunter2hunter2@db:5432/app\n")
    found = [(rule, file, line) for rule, file, line, _ in findings(tmp_path / "k8s")]
    secrets = sorted(f for f in found if f[0] in ("no-plaintext-secret-values", "no-secrets-in-configmaps"))
    assert secrets == [
        ("no-plaintext-secret-values", "kustomization.yaml", 7),  # password=..., the literal's line
        ("no-plaintext-secret-values", "kustomization.yaml", 9),  # the envs file's entry
        ("no-secrets-in-configmaps", "kustomization.yaml", 15),  # the files entry
    ]  # not the `merge` entry (another kustomization's object), nor a file outside the root


def test_a_reference_to_a_generated_object_is_not_missing(tmp_path: Path) -> None:
    strict = {"references-exist": "mandatory"}
    write(tmp_path / "k8s", {"kustomization.yaml": KUSTOMIZATION, "app.yaml": APP})
    assert [f for f in findings(tmp_path / "k8s", strict) if f[0] == "references-exist"] == []
    # Near-miss: the same pod without the kustomization refers to objects nobody makes.
    write(tmp_path / "alone", {"app.yaml": APP})
    missing = [message for rule, _, _, message in findings(tmp_path / "alone", strict) if rule == "references-exist"]
    assert missing == [
        'ConfigMap "app-config" is not in namespace chat',
        'Secret "mongodb-auth" is not in namespace chat',
    ]
