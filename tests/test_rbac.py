"""rules/identity/_rbac.py answers "does this role grant X" as the RBAC authorizer does."""

from __future__ import annotations

import pytest

from policypack.model import resource_from_manifest
from policypack.values import UNKNOWN
from rules.identity import _rbac
from rules.identity._rbac import CAPABILITIES, Request, allows, dangerous_grants, grants, url_allows

EXEC = Request("create", "", "pods/exec")
PODS = Request("create", "", "pods")


def rule(**fields):
    base = {"apiGroups": [""], "resources": ["pods"], "verbs": ["create"]}
    base.update(fields)
    return base


@pytest.mark.parametrize(
    ("resources", "request_", "granted"),
    [
        (["*"], EXEC, True),  # "*" is every resource and every subresource
        (["*/exec"], EXEC, True),  # the subresource of any resource
        (["pods/exec"], EXEC, True),
        (["pods"], EXEC, False),  # the resource does not include its subresources
        (["pods/*"], EXEC, False),  # not a wildcard: a subresource literally named "*"
        (["*/*"], EXEC, False),
        (["*/exec"], PODS, False),  # no subresource requested
        (["pods/exec"], PODS, False),
        (["*/xec"], EXEC, False),
        (["*"], PODS, True),
    ],
)
def test_resource_matching(resources, request_, granted) -> None:
    assert (allows([rule(resources=resources)], request_) is not None) is granted


@pytest.mark.parametrize(
    ("fields", "granted"),
    [
        ({"verbs": ["*"]}, True),
        ({"verbs": ["get", "list"]}, False),
        ({"verbs": ["CREATE"]}, False),  # verbs are case-sensitive
        ({"apiGroups": ["*"]}, True),
        ({"apiGroups": ["apps"]}, False),
        ({"apiGroups": []}, False),
        ({"resourceNames": []}, True),  # empty: every object
        ({"resourceNames": ["web-0"]}, False),  # a request for any object is not granted
        ({"resourceNames": ["*"]}, False),  # no wildcards in names
        ({"resourceNames": UNKNOWN}, False),  # could restrict: never fire on it
        ({"verbs": UNKNOWN}, False),
        ({"verbs": [UNKNOWN, "create"]}, True),  # the known entry still counts
        ({"resources": [UNKNOWN]}, False),
        ({"resources": "pods"}, False),  # malformed: a string, not a list
    ],
)
def test_verbs_groups_and_names(fields, granted) -> None:
    assert (allows([rule(**fields)], PODS) is not None) is granted


def test_names_restrict_to_the_requested_ones() -> None:
    signer = Request("approve", "certificates.k8s.io", "signers", names=("kubernetes.io/*", "kubernetes.io/x"))
    named = {"apiGroups": ["certificates.k8s.io"], "resources": ["signers"], "verbs": ["approve"]}
    assert allows([{**named, "resourceNames": ["kubernetes.io/*"]}], signer) is not None
    assert allows([{**named, "resourceNames": ["example.com/mine"]}], signer) is None
    assert allows([named], signer) is not None


def test_the_match_names_the_rule_and_entry() -> None:
    rules = [rule(verbs=["get"]), "not a rule", rule(resources=["configmaps", "*/exec", "pods/exec"])]
    match = allows(rules, EXEC)
    assert (match.rule_index, match.path, match.entry) == (2, ("rules", 2, "resources", 1), "*/exec")


def test_a_role_grants_nothing_cluster_scoped() -> None:
    proxy = Request("get", "", "nodes/proxy", cluster_scoped=True)
    rules = [{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get"]}]
    assert allows(rules, proxy) is not None
    assert allows(rules, proxy, namespaced=True) is None


def test_non_resource_urls() -> None:
    rules = [{"nonResourceURLs": ["/healthz/*", "/metrics"], "verbs": ["get"]}, {"nonResourceURLs": ["*"]}]
    assert url_allows(rules, "get", "/metrics").entry == "/metrics"
    assert url_allows(rules, "get", "/healthz/etcd").entry == "/healthz/*"
    assert url_allows(rules, "get", "/metricsx") is None
    assert url_allows(rules, "post", "/metrics") is None  # the "*" URL rule has no verbs
    assert url_allows([rule(verbs=["*"], resources=["*"])], "get", "/metrics") is None


def test_one_grant_per_rule_and_capability() -> None:
    rules = [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["list"]},
    ]
    found = dangerous_grants(rules)
    assert {g.capability for g in found if g.rule_index == 0} == set(CAPABILITIES)
    secret = grants(rules, "secret-read")
    assert [(g.rule_index, g.detail) for g in secret] == [
        (0, 'get, list, watch on secrets (through "*")'),
        (1, "list on secrets"),
    ]
    # In a Role, the cluster-scoped powers go away.
    namespaced = {g.capability for g in dangerous_grants(rules, namespaced=True) if g.rule_index == 0}
    assert namespaced == {"secret-read", "pod-exec", "workload-create", "escalation", "token-create"}


def role(kind="ClusterRole", **extra):
    manifest = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": "r"}}
    manifest.update(extra)
    return resource_from_manifest(manifest)


def test_aggregation() -> None:
    secrets = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]
    assert [g.rule_index for g in _rbac.role_grants(role(rules=secrets), "secret-read")] == [0]
    aggregated = role(rules=secrets, aggregationRule={"clusterRoleSelectors": []})
    assert _rbac.is_aggregated(aggregated) is True
    assert list(_rbac.role_grants(aggregated, "secret-read")) == []
    assert list(_rbac.role_grants(role(rules=secrets, aggregationRule=UNKNOWN), "secret-read")) == []
    labelled = role(
        rules=secrets,
        metadata={
            "name": "r",
            "labels": {
                "rbac.authorization.k8s.io/aggregate-to-view": "true",
                "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                "rbac.authorization.k8s.io/aggregate-to-admin": "false",
            },
        },
    )
    assert _rbac.aggregated_into(labelled) == ["edit", "view"]
    assert _rbac.where(labelled) == '; aggregated into the built-in ClusterRoles "edit", "view"'
    assert _rbac.aggregated_into(role("Role", metadata=labelled.props["metadata"])) == []


def test_a_binding_grants_what_its_role_grants_in_its_scope() -> None:
    everything = role(rules=[{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    cluster_binding = resource_from_manifest(
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "b"}}
    )
    namespaced_binding = resource_from_manifest(
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "b"}}
    )
    assert {g.capability for g in _rbac.binding_grants(cluster_binding, everything)} == set(CAPABILITIES)
    through_role_binding = {g.capability for g in _rbac.binding_grants(namespaced_binding, everything)}
    assert "node-proxy" not in through_role_binding
    assert "secret-read" in through_role_binding
    assert _rbac.binding_grants(cluster_binding, role(aggregationRule={"clusterRoleSelectors": []})) is None


def test_aggregation_sources() -> None:
    def labelled(name, labels):
        return role(metadata={"name": name, "labels": labels})

    monitoring = labelled("mon", {"rbac.example.com/aggregate-to-monitoring": "true"})
    other = labelled("other", {"team": "shop"})
    aggregate = role(
        aggregationRule={
            "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]
        }
    )
    assert _rbac.aggregation_sources(aggregate, [aggregate, monitoring, other]) == [monitoring]
    unknown_labels = labelled("later", UNKNOWN)
    assert _rbac.aggregation_sources(aggregate, [monitoring, unknown_labels]) is None
    assert _rbac.aggregation_sources(role(aggregationRule={"clusterRoleSelectors": UNKNOWN}), [monitoring]) is None
