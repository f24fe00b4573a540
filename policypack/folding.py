"""One root cause, one finding: fold the findings that follow from another one.

Some findings are consequences of another finding on the same object: a hostPath
volume breaks both PSS Baseline's `hostPathVolumes` and Restricted's
`restrictedVolumes`; a privileged container also "lacks" allowPrivilegeEscalation=false,
a seccomp profile and a dropped capability set, settings that Kubernetes refuses
(`allowPrivilegeEscalation: false` with `privileged: true` fails validation) or that
do nothing while the container is privileged; an RBAC rule with `*` grants every
dangerous capability the `rbac-no-*` rules look for. Reporting each one separately
says the same thing up to nine times, and the reader fixes the wrong one first.

The model: a rule declares, with `Rule(folds_into={"<primary rule>": "<scope>"})`,
which rules' findings make its own a consequence, and where the two must meet:

- `field`: the same field, or one path inside the other (`volumes[0].hostPath` and
  `volumes[0].hostPath.path`);
- `container`: the same container entry of the same pod spec;
- `entry`: the same entry of the object's top-level list (`rules[2]` of a Role);
- `pod`: the same pod spec (a pod-wide cause, such as a Windows pod that does not
  say so in `spec.os.name`, and a container's finding that follows from it; or a
  privileged container, which holds the node, and the pod's other ways into it:
  hostPath volumes, the host's namespaces);
- `host-network`: the pod's `hostNetwork` and a finding of the same pod spec (on the
  host's network every container port is a host port: the API server fills
  `hostPort` in from `containerPort`; and a probe's `host` is asked from the node's
  network position the pod already has).
- `node-agent`: the same pod spec of a DaemonSet (one pod per node: a CNI plugin, a
  log shipper, a node exporter), whose hostPath volumes, host namespaces and added
  capabilities are one decision, to run a node agent, and one exemption (its
  namespace exempt from Pod Security Baseline): corpus34's kindnet, corpus39's
  flannel and node-exporter. In a Deployment they stay separate findings, each a
  change to make.
- `node-agent-writes`: as `node-agent`, for a DaemonSet that mounts a hostPath volume
  read-write: an agent that writes the node's directories runs as root (flannel's
  `/run/flannel`); one that only reads them (a node exporter) can run as nobody, so
  its user stays a finding of its own.
- `container-volumes`: a container's misplaced `volumes` key (a pod's volumes indented
  one level too deep) and a finding of the same container: its mounts of them are
  undeclared because of it.
- `members`: a field directly inside the primary's object (an unknown `value` beside
  the `key` its SecretKeySelector lacks: one misnamed field, corpus41's
  personal-cluster).
- `object`: anywhere in the same object, for objects that are one decision as a whole
  (a binding of `cluster-admin` to the `default` service account: one binding to
  remove, not a cluster-admin grant and, separately, a default account to replace).

When both findings are reported on the same object, the consequence is folded into the
primary (the first the rule declares, when several apply): it leaves the list of
findings and is kept in the primary's `folded`, whose message names it (`... (also:
pss-restricted-volumes)`). Nothing is lost: JSON lists every folded finding with its
rule, message, path and line, and a profile that enables only one of the two rules (as
`pss-baseline` does) reports that rule's findings as they are. Folding chains (a
consequence of a consequence goes to the root), and never changes the gate: a finding
is folded only into a primary of at least its severity that blocks whenever it does.
When the consequence is the graver one (a `*` rule grants the escalation verbs,
critical, where the wildcard finding is high), the two swap roles: the cause folds
into the consequence, which leads the one finding left. A suppressed finding is
neither folded nor a primary (each keeps its own suppression).

In Pulumi every policy reports on its own (its enforcement level and its compliance
record are per policy, and a policy's validator does not see the others'
configuration), so a folded finding is still a violation of its own policy; its
message ends with the finding it follows from (`follows from pss-privileged: ...`),
found by running the primary rule's check on the same resource (`fold_note`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from policypack.debuglog import log
from policypack.model import Resource
from policypack.values import Path

if TYPE_CHECKING:
    from policypack.engine import Finding
    from policypack.registry import Registry
    from policypack.rule import Rule


#: The places two findings may share (see the module's docstring).
SCOPES: tuple[str, ...] = (
    "field",
    "container",
    "entry",
    "pod",
    "host-network",
    "node-agent",
    "node-agent-writes",
    "object",
    "container-volumes",
    "members",
)


def _entry(path: Path) -> Path | None:
    """The path up to and including the first list index (`rules[2]`), or None."""
    for position, key in enumerate(path):
        if isinstance(key, int):
            return path[: position + 1]
    return None


def meets(scope: str, resource: Resource, primary: Path, consequence: Path) -> bool:
    """Whether two findings' paths share the place `scope` names."""
    if scope == "object":
        return True
    if scope == "field":
        shorter = min(len(primary), len(consequence))
        return primary[:shorter] == consequence[:shorter] and shorter > 0
    if scope == "container":
        first, second = resource.container_at(primary), resource.container_at(consequence)
        return first is not None and second is not None and first.path == second.path
    if scope == "container-volumes":
        # A pod's `volumes` indented into a container (corpus40's rottingresearch): the
        # container's mounts of them are undeclared because of that one misplaced key.
        container = resource.container_at(primary)
        return (
            container is not None
            and primary == (*container.path, "volumes")
            and consequence[: len(container.path)] == container.path
        )
    if scope == "members":
        return len(consequence) == len(primary) + 1 and consequence[:-1] == primary
    if scope == "entry":
        entry = _entry(primary)
        return entry is not None and entry == _entry(consequence)
    if (
        scope in ("node-agent", "node-agent-writes")
        and resource.kind != "DaemonSet"
        and not _on_control_plane(resource)
    ):
        return False
    if scope == "node-agent-writes" and not _writes_host_paths(resource):
        return False
    if scope in ("pod", "host-network", "node-agent", "node-agent-writes"):
        if scope == "host-network" and primary[-1:] != ("hostNetwork",):
            return False  # (hostPID, hostIPC: no port follows from them)
        return any(primary[: len(pod)] == pod and consequence[: len(pod)] == pod for pod in resource.pod_spec_paths)
    return False


#: The labels that mark control-plane nodes (kubeadm's, and its older `master`).
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")


def _on_control_plane(resource: Resource) -> bool:
    """Whether the pod must run on control-plane nodes (a `nodeSelector` or a required
    node affinity on their role label): a task of those nodes, like an etcd backup
    that reads the node's certificates and reaches etcd on the node's network
    (corpus45's fury etcd-backup CronJob), whose host access is one decision as a
    node agent's is."""
    pod = resource.pod_spec
    if pod is None:
        return False
    selector = pod.get("nodeSelector")
    if isinstance(selector, Mapping) and any(label in selector for label in CONTROL_PLANE_LABELS):
        return True
    terms = pod.get("affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
    for term in terms if isinstance(terms, list) else []:
        expressions = term.get("matchExpressions") if isinstance(term, Mapping) else None
        for expression in expressions if isinstance(expressions, list) else []:
            if (
                isinstance(expression, Mapping)
                and expression.get("key") in CONTROL_PLANE_LABELS
                and expression.get("operator") in ("Exists", "In")
            ):
                return True
    return False


def _writes_host_paths(resource: Resource) -> bool:
    """Whether a container of the pod mounts one of its hostPath volumes read-write."""
    pod = resource.pod_spec
    if pod is None:
        return False
    volumes = pod.get("volumes")
    host = {
        v["name"]
        for v in (volumes if isinstance(volumes, list) else [])
        if isinstance(v, Mapping) and isinstance(v.get("name"), str) and isinstance(v.get("hostPath"), Mapping)
    }
    for container in resource.containers():
        mounts = container.get("volumeMounts")
        for mount in mounts if isinstance(mounts, list) else []:
            if not isinstance(mount, Mapping) or mount.get("readOnly") is True:
                continue
            name = mount.get("name")
            if isinstance(name, str) and name in host:
                return True
    return False


def _graver(first: Finding, second: Finding) -> bool:
    """Whether folding `first` into `second` would take it out of the gate or hide a
    graver finding under a lesser one."""
    return (first.blocks and not second.blocks) or first.severity.rank > second.severity.rank


def _primary_for(
    finding: Finding, rule: Rule, candidates: list[Finding], resource: Resource
) -> tuple[Finding, bool] | None:
    """The finding `finding` follows from, and whether the two swap roles: when the
    consequence is the graver (an escalation verb granted by a `*` rule), the cause
    folds into it instead, so the one finding left keeps the graver severity."""
    # The primaries in the order the rule declares them: a hostPath volume holding the
    # runtime socket folds into the socket's finding (same field) before the pod's
    # privileged container (same pod), whichever the rules ran first.
    for name, scope in rule.folds_into.items():
        for other in candidates:
            if other.rule != name or other is finding or other.error or other.suppression is not None:
                continue
            if not meets(scope, resource, other.path, finding.path):
                continue
            if not _graver(finding, other):
                return other, False
            if not _graver(other, finding):
                return other, True
    return None


def fold(findings: list[Finding], resource: Resource, registry: Registry) -> list[Finding]:
    """The findings of one object, each consequence folded into its primary, then the
    repeats of a `one_per_object` rule folded into its first finding."""
    if len(findings) < 2:
        return findings
    grouped = _fold_repeats(_fold_consequences(findings, resource, registry), registry)
    return [with_folded(finding, extra, repeats) if extra else finding for finding, extra, repeats in grouped]


def _fold_consequences(
    findings: list[Finding], resource: Resource, registry: Registry
) -> list[tuple[Finding, list[Finding]]]:
    """Each finding left standing, with the consequences folded into it."""
    parent: dict[int, Finding] = {}
    for finding in findings:
        if finding.error or finding.suppression is not None or finding.rule not in registry:
            continue
        rule = registry.get(finding.rule)
        if not rule.folds_into:
            continue
        found = _primary_for(finding, rule, findings, resource)
        if found is None:
            continue
        primary, swapped = found
        if not swapped:
            parent.setdefault(id(finding), primary)
        elif id(primary) not in parent:
            parent[id(primary)] = finding  # the graver consequence leads
    if not parent:
        return [(finding, []) for finding in findings]

    def root(finding: Finding) -> Finding:
        seen = {id(finding)}
        while id(finding) in parent:
            finding = parent[id(finding)]
            if id(finding) in seen:  # a declared cycle: stop where it closes
                break
            seen.add(id(finding))
        return finding

    folded: dict[int, list[Finding]] = {}
    for finding in findings:
        if id(finding) in parent:
            top = root(finding)
            if top is not finding:
                folded.setdefault(id(top), []).append(finding)
    return [
        (finding, folded.get(id(finding), []))
        for finding in findings
        if not (id(finding) in parent and root(finding) is not finding)
    ]


def _fold_repeats(
    grouped: list[tuple[Finding, list[Finding]]], registry: Registry
) -> list[tuple[Finding, list[Finding], int]]:
    """A `one_per_object` rule's findings after its first, folded into that one with
    what was folded into them (the rule's severity and gate are the same for all)."""
    first: dict[str, int] = {}
    out: list[tuple[Finding, list[Finding], int]] = []
    for finding, extra in grouped:
        repeatable = (
            not finding.error
            and finding.suppression is None
            and finding.rule in registry
            and registry.get(finding.rule).one_per_object
        )
        if repeatable and finding.rule in first:
            head, head_extra, repeats = out[first[finding.rule]]
            out[first[finding.rule]] = (head, [*head_extra, finding, *extra], repeats + 1)
            continue
        if repeatable:
            first[finding.rule] = len(out)
        out.append((finding, extra, 0))
    return out


def with_folded(primary: Finding, extra: Iterable[Finding], repeats: int = 0) -> Finding:
    """The primary finding with `extra` folded into it, its message counting the
    rule's own `repeats` among them and naming the other rules."""
    extra = [*primary.folded, *extra]
    rules = ", ".join(dict.fromkeys(f.rule for f in extra if f.rule != primary.rule))
    message = primary.message
    if repeats:
        message = f"{message} (and {repeats} more like it in this object)"
    if rules:
        message = f"{message} (also: {rules})"
    return dataclasses.replace(primary, folded=tuple(extra), message=message)


def fold_note(
    rule: Rule,
    resource: Resource,
    path: Path,
    registry: Registry,
    memo: dict[tuple[str, int], tuple[Resource, list]] | None = None,
) -> str | None:
    """For Pulumi, where each policy reports alone: `follows from <rule>: <message>`
    when a primary rule's check finds, on the same resource, what this finding at
    `path` follows from. The primary runs with its default options; a failing primary
    check gives no note. `memo` keeps each primary's violations per resource (one
    request), so findings of several containers run it once."""
    memo = {} if memo is None else memo
    for name, scope in rule.folds_into.items():
        if name not in registry:
            continue
        primary = registry.get(name)
        kept = memo.get((name, id(resource)))
        if kept is not None and kept[0] is resource:  # the same object, not one at a reused id
            violations = kept[1]
        else:
            try:
                violations = list(primary.check(resource, primary.defaults))
            except Exception:  # noqa: BLE001 - the primary's own policy reports its failure
                log.debug("fold note: %s failed", name, exc_info=True)
                violations = []
            memo[(name, id(resource))] = (resource, violations)
        for violation in violations:
            if meets(scope, resource, tuple(violation.path), path):
                deeper = fold_note(primary, resource, tuple(violation.path), registry, memo)
                return deeper or f"follows from {name}: {violation.message}"
    return None


def check_declarations(rules: Mapping[str, Any]) -> list[str]:
    """What is wrong with the rules' `folds_into` across rules (each rule checks its own
    scopes in `Rule.problems`). A primary missing from the set is fine: a registry may
    hold a subset of the rules, and then nothing folds into it."""
    problems = []
    for name, rule in rules.items():
        for primary in rule.folds_into:
            if primary in rules and rules[primary].stack != rule.stack:
                problems.append(f"rule {name!r} folds into {primary!r}: one is a stack rule, the other not")
    return problems
