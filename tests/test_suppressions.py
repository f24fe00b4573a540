"""Suppressions: annotations on the object or its pod template (optionally for one
container), config exemptions (globs, URN, reason, expiry), and strictness."""

from __future__ import annotations

from datetime import date

from policypack.config import PackConfig
from policypack.engine import Engine
from policypack.lint import LintResult, lint_text
from policypack.registry import load_registry
from policypack.report import Gate
from tests.support.harness import analyze, make_servicer, pulumi_objects_of

REGISTRY = load_registry()
TODAY = date(2026, 11, 27)

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations: {OBJECT}
spec:
  template:
    metadata:
      annotations: {TEMPLATE}
    spec:
      containers:
        - name: app
          image: nginx
        - name: sidecar
          image: envoyproxy/envoy
"""


def lint(text: str, config: dict | None = None) -> LintResult:
    settings = {"all": "disabled", "require-pinned-images": "mandatory", **(config or {})}
    result = LintResult()
    lint_text("d.yaml", text, Engine(REGISTRY, PackConfig.from_mapping(settings, REGISTRY), today=TODAY), result)
    return result


def deployment(object_annotations: str = "{}", template_annotations: str = "{}") -> str:
    return DEPLOYMENT.replace("{OBJECT}", object_annotations).replace("{TEMPLATE}", template_annotations)


def outcome(result: LintResult) -> list[tuple[str | None, str | None]]:
    """(container, suppression reason) per finding."""
    return sorted((f.container, f.suppression.reason if f.suppression else None) for f in result.findings)


def test_without_annotations_both_containers_are_found() -> None:
    assert outcome(lint(deployment())) == [("app", None), ("sidecar", None)]


def test_an_object_annotation_suppresses_the_rule_for_every_container() -> None:
    result = lint(
        deployment('{"ignore.policypack.io/require-pinned-images": "vendor image, pinned by digest upstream"}')
    )
    assert outcome(result) == [("app", "vendor image, pinned by digest upstream")] * 1 + [
        ("sidecar", "vendor image, pinned by digest upstream")
    ]
    assert all(f.suppression.kind == "annotation" for f in result.findings)
    assert Gate().exit_code(result) == 0


def test_a_pod_template_annotation_for_one_container_suppresses_only_it() -> None:
    result = lint(deployment(template_annotations='{"ignore.policypack.io/require-pinned-images.sidecar": "mesh"}'))
    assert outcome(result) == [("app", None), ("sidecar", "mesh")]
    assert Gate().exit_code(result) == 1


def test_an_annotation_without_a_reason_does_not_suppress_and_says_so() -> None:
    result = lint(deployment('{"ignore.policypack.io/require-pinned-images": " "}'))
    assert outcome(result) == [("app", None), ("sidecar", None)]
    assert all("must give a reason" in f.message for f in result.findings)


def test_annotations_for_other_rules_do_nothing() -> None:
    result = lint(
        deployment(
            '{"ignore.policypack.io/require-resource-limits": "x",'
            ' "ignore.policypack.io/require-pinned-images.other": "x"}'
        )
    )
    assert outcome(result) == [("app", None), ("sidecar", None)]


def test_a_rule_can_refuse_annotations() -> None:
    config = {"require-pinned-images": {"enforcementLevel": "mandatory", "allowSuppression": False}}
    result = lint(deployment('{"ignore.policypack.io/require-pinned-images": "please"}'), config)
    assert outcome(result) == [("app", None), ("sidecar", None)]
    assert all("cannot be suppressed by annotation" in f.message for f in result.findings)


def exemption(**entry) -> dict:
    return {"require-pinned-images": {"enforcementLevel": "mandatory", "exemptions": [entry]}}


def test_an_exemption_matches_by_kind_namespace_and_name_globs() -> None:
    result = lint(deployment(), exemption(kind="Deploy*", namespace="shop", name="w?b", reason="third-party chart"))
    assert outcome(result) == [("app", "third-party chart"), ("sidecar", "third-party chart")]
    assert {f.suppression.source for f in result.findings} == {"require-pinned-images.exemptions[0]"}
    assert all(f.suppression.kind == "exemption" for f in result.findings)


def test_an_exemption_for_another_namespace_does_not_match() -> None:
    result = lint(deployment(), exemption(namespace="kube-*", reason="system"))
    assert outcome(result) == [("app", None), ("sidecar", None)]


def test_an_expired_exemption_brings_the_finding_back_and_says_so() -> None:
    result = lint(deployment(), exemption(name="web", reason="until the upgrade", expires="2026-11-26"))
    assert outcome(result) == [("app", None), ("sidecar", None)]
    assert all("exemption expired on 2026-11-26: until the upgrade" in f.message for f in result.findings)
    still = lint(deployment(), exemption(name="web", reason="until the upgrade", expires="2026-11-27"))
    assert outcome(still) == [("app", "until the upgrade"), ("sidecar", "until the upgrade")]


def test_an_exemption_needs_a_reason_and_a_selector() -> None:
    import pytest

    from policypack.config import ConfigError

    with pytest.raises(ConfigError, match="reason"):
        lint(deployment(), exemption(name="web"))
    with pytest.raises(ConfigError, match="exemptions"):
        lint(deployment(), exemption(reason="everything"))


STACK = """\
deployment:
  resources:
    - urn: urn:pulumi:prod::shop::kubernetes:apps/v1:Deployment::web
      type: kubernetes:apps/v1:Deployment
      inputs:
        metadata: {name: web}
        spec: {template: {spec: {containers: [{name: app, image: nginx}]}}}
"""


def test_pulumi_mode_honours_annotations_and_urn_exemptions() -> None:
    (obj,) = pulumi_objects_of(STACK)

    def pinned(config: dict, props: dict) -> list[str]:
        diagnostics = analyze(make_servicer(REGISTRY, config), obj.type, props, obj.urn)
        return [d.message for d in diagnostics if d.policy == "require-pinned-images"]

    assert len(pinned({}, obj.props)) == 1
    exempt = {"exemptions": [{"urn": "urn:pulumi:prod::shop::*::web", "reason": "r"}]}
    assert pinned({"require-pinned-images": exempt}, obj.props) == []
    other = {"exemptions": [{"urn": "urn:pulumi:dev::*", "reason": "r"}]}
    assert len(pinned({"require-pinned-images": other}, obj.props)) == 1
    annotations = {"ignore.policypack.io/require-pinned-images": "built in-house, tag is the git sha"}
    assert pinned({}, {**obj.props, "metadata": {"name": "web", "annotations": annotations}}) == []


def test_an_expired_exemption_does_not_hide_a_valid_one_or_an_annotation() -> None:
    entries = [{"name": "web", "reason": "old", "expires": "2024-01-01"}, {"namespace": "shop", "reason": "vendor"}]
    config = {"require-pinned-images": {"enforcementLevel": "mandatory", "exemptions": entries}}
    assert outcome(lint(deployment(), config)) == [("app", "vendor"), ("sidecar", "vendor")]
    only_expired = {"require-pinned-images": {"enforcementLevel": "mandatory", "exemptions": entries[:1]}}
    annotated = deployment('{"ignore.policypack.io/require-pinned-images": "pinned upstream"}')
    assert outcome(lint(annotated, only_expired)) == [("app", "pinned upstream"), ("sidecar", "pinned upstream")]


def test_an_invalid_annotation_does_not_hide_a_valid_one() -> None:
    text = deployment(
        '{"ignore.policypack.io/require-pinned-images": ""}', '{"ignore.policypack.io/require-pinned-images": "ok"}'
    )
    assert outcome(lint(text)) == [("app", "ok"), ("sidecar", "ok")]


def test_exemption_reasons_and_dates_are_checked() -> None:
    import pytest

    from policypack.config import ConfigError

    with pytest.raises(ConfigError, match="reason"):
        lint(deployment(), exemption(name="web", reason="   "))
    with pytest.raises(ConfigError, match="expires"):
        lint(deployment(), exemption(name="web", reason="r", expires="2027-02-30"))
    with pytest.raises(ConfigError, match="expires"):
        lint(deployment(), exemption(name="web", reason="r", expires="2027-13-01"))


def test_an_object_without_a_namespace_matches_an_exemption_for_the_default_one() -> None:
    text = deployment().replace("  namespace: shop\n", "")
    assert outcome(lint(text, exemption(namespace="default", reason="helm output"))) == [
        ("app", "helm output"),
        ("sidecar", "helm output"),
    ]
