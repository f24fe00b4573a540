"""Fragments (kustomize patches, partial objects) are recognised, skipped with a
note (`-v`), and never judged as deployable objects. Offline only: Pulumi hands the
pack whole objects."""

from __future__ import annotations

import io
from pathlib import Path

from policypack.cli import main
from policypack.engine import Engine
from policypack.lint import lint_paths
from policypack.registry import load_registry

REGISTRY = load_registry()

WHOLE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
"""

# What an overlay's patches look like: only the fields they change.
REPLICAS_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
"""
RESOURCES_PATCH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    spec:
      containers:
        - name: web
          resources:
            limits: {memory: 512Mi}
"""
DELETE_PATCH = """\
apiVersion: v1
kind: Service
metadata:
  name: debug
$patch: delete
"""
KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../base]
patches:
  - path: named-patch.yaml
  - patch: |-
      - op: replace
        path: /spec/replicas
        value: 2
    target: {kind: Deployment}
patchesStrategicMerge:
  - strategic.yaml
"""


def lint(root: Path):
    return lint_paths([str(root)], Engine(REGISTRY))


def test_kustomize_overlay_patches_are_skipped_with_a_note(tmp_path: Path) -> None:
    overlay = tmp_path / "overlays" / "prod"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(KUSTOMIZATION)
    # Named as patches, even though they look whole.
    (overlay / "named-patch.yaml").write_text(WHOLE)
    (overlay / "strategic.yaml").write_text(WHOLE)
    # Partial objects no API server would take, named or not.
    (overlay / "replicas.yaml").write_text(REPLICAS_PATCH)
    (overlay / "resources.yaml").write_text(RESOURCES_PATCH)
    (overlay / "delete.yaml").write_text(DELETE_PATCH)
    result = lint(tmp_path)
    assert result.findings == []
    notes = {Path(n.file).name: n.message for n in result.notes if n.message.startswith("skipped")}
    assert "a patch named in kustomization.yaml" in notes["named-patch.yaml"]
    assert "lint `kubectl kustomize` output instead" in notes["strategic.yaml"]
    assert "its pod spec has no containers" in notes["replicas.yaml"]
    assert 'container "web" has no image' in notes["resources.yaml"]
    assert "$patch" in notes["delete.yaml"]
    assert result.objects == 0


def test_patches_in_a_folder_below_their_kustomization_are_skipped(tmp_path: Path) -> None:
    # corpus27's xdmod: overlays/nerc-ocp-infra/kustomization.yaml names
    # patches/cj-xdmod-ingestor.yaml, a whole-looking CronJob that repeated the base's
    # findings. A file of that folder the kustomization does not name is judged.
    overlay = tmp_path / "overlays" / "prod"
    (overlay / "patches" / "env").mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "resources: [../../base]\n"
        "patchesStrategicMerge:\n  - patches/web.yaml\n"
        "patches:\n  - path: patches/env/web.yaml\n"
    )
    (overlay / "patches" / "web.yaml").write_text(WHOLE)
    (overlay / "patches" / "env" / "web.yaml").write_text(WHOLE)
    (overlay / "patches" / "other.yaml").write_text(WHOLE.replace("name: web", "name: other", 1))
    result = lint(tmp_path)
    notes = {str(Path(n.file).relative_to(overlay)): n.message for n in result.notes if n.message.startswith("skipped")}
    assert "a patch named in ../kustomization.yaml" in notes["patches/web.yaml"]
    assert "a patch named in ../../kustomization.yaml" in notes["patches/env/web.yaml"]
    assert result.objects == 1
    assert {Path(f.location.file).name for f in result.findings} == {"other.yaml"}


def test_whole_objects_beside_a_kustomization_are_judged(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    (base / "deployment.yaml").write_text(WHOLE)
    # A near-miss of a fragment: a whole object that only lacks spec.selector is
    # judged (and keeps failing the gate), not skipped.
    (base / "legacy.yaml").write_text(
        WHOLE.replace("  selector:\n    matchLabels: {app: web}\n", "").replace("name: web", "name: legacy", 1)
    )
    result = lint(tmp_path)
    assert result.objects == 2
    assert {Path(f.location.file).name for f in result.findings} == {"deployment.yaml", "legacy.yaml"}
    assert not [n for n in result.notes if n.message.startswith("skipped Deployment")]


def test_fragments_on_stdin_are_recognised_by_shape() -> None:
    result = lint_paths(["-"], Engine(REGISTRY), io.BytesIO(REPLICAS_PATCH.encode()))
    assert result.findings == [] and result.objects == 0
    assert [n.message for n in result.notes] == [
        "skipped Deployment: a partial object (its pod spec has no containers): "
        "a patch or fragment, not a deployable object"
    ]


def test_verbose_lists_the_skipped_fragment(tmp_path: Path) -> None:
    (tmp_path / "replicas.yaml").write_text(REPLICAS_PATCH)
    out = io.StringIO()
    main(["lint", "-v", "--allow-empty", str(tmp_path)], stdout=out)
    assert "replicas.yaml:1" in out.getvalue() and "a partial object" in out.getvalue()


def test_unrendered_templates_are_not_objects(tmp_path: Path) -> None:
    # kubernetes/examples' vitess vttablet-pod-template.yaml parses as YAML but is a
    # template: `vttablet-{{uid}}` is no name an API server accepts.
    (tmp_path / "vttablet-pod-template.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vttablet-{{uid}}\nspec:\n"
        "  containers: [{name: vttablet, image: registry.example.com/vttablet:1.0.0}]\n"
    )
    # A look-alike that is a real name is judged.
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: vttablet-uid\nspec:\n"
        "  containers: [{name: vttablet, image: registry.example.com/vttablet:1.0.0}]\n"
    )
    result = lint(tmp_path)
    assert result.objects == 1
    assert {Path(f.location.file).name for f in result.findings} == {"pod.yaml"}
    assert [n.message for n in result.notes] == [
        "skipped Pod: an unrendered template (metadata.name is 'vttablet-{{uid}}'): render it first"
    ]


SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {app}}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def test_a_workload_whose_image_a_pipeline_fills_in_still_has_pods(tmp_path: Path) -> None:
    # corpus45's Ministry of Justice production folder: the Deployment names no image
    # (the deploy pipeline sets it), so it is skipped, not judged; but its pods are
    # real, and the Service selecting them was told it selected none. A Service whose
    # selector matches no workload at all beside it is still reported.
    (tmp_path / "deployment.yaml").write_text(WHOLE.replace("          image: registry.example.com/web:1.0.0\n", ""))
    (tmp_path / "service.yaml").write_text(SERVICE.format(name="web", app="web"))
    (tmp_path / "orphan.yaml").write_text(SERVICE.format(name="orphan", app="gone"))
    result = lint(tmp_path)
    assert any('container "web" has no image' in note.message for note in result.notes)
    selecting = [f for f in result.findings if f.rule == "service-selects-no-pods"]
    assert [Path(f.location.file).name for f in selecting] == ["orphan.yaml"]
    assert not [f for f in result.findings if Path(f.location.file).name == "deployment.yaml"]
