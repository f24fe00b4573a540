"""One root cause, one finding (policypack/folding.py), in both modes."""

from __future__ import annotations

import json
import textwrap

from policypack.config import PackConfig
from policypack.folding import check_declarations
from policypack.model import kubernetes_token
from policypack.report import Gate, json_report
from tests.support.harness import REGISTRY, analyze, analyze_stack, make_servicer, pulumi_objects_of, run_offline

PRIVILEGED = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: agent, namespace: ops}
    spec:
      selector: {matchLabels: {app: agent}}
      template:
        metadata:
          labels: {app: agent}
        spec:
          containers:
            - name: agent
              image: registry.example/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
              securityContext:
                privileged: true
              volumeMounts:
                - {name: logs, mountPath: /host/logs}
            - name: sidecar
              image: registry.example/sidecar@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          volumes:
            - name: logs
              hostPath: {path: /var/log}
    """
)

# The same pod without the privileged container: the hostPath volume is its own finding.
HOST_PATH = PRIVILEGED.replace("          securityContext:\n            privileged: true\n", "")

WILDCARD_ROLE = textwrap.dedent(
    """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: everything, namespace: shop}
    rules:
      - apiGroups: ["*"]
        resources: ["*"]
        verbs: ["*"]
      - apiGroups: [""]
        resources: ["secrets"]
        verbs: ["get"]
    """
)


def lint(text: str, config: dict | None = None):
    return run_offline(text, REGISTRY, PackConfig.from_mapping(config or {}, REGISTRY, "<test>"))


def by_rule(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for finding in result.findings:
        out.setdefault(finding.rule, []).append(finding)
    return out


def test_declarations_name_registered_rules() -> None:
    assert check_declarations({rule.name: rule for rule in REGISTRY}) == []
    assert any(rule.folds_into for rule in REGISTRY)


def test_privileged_container_folds_the_settings_it_makes_moot() -> None:
    found = by_rule(lint(PRIVILEGED, {"pss-capabilities-restricted": "mandatory"}))
    (privileged,) = found["pss-privileged"]
    assert {f.rule for f in privileged.folded} == {
        "pss-allow-privilege-escalation",
        "pss-seccomp-restricted",
        "require-drop-all-capabilities",
        "pss-capabilities-restricted",
        "require-read-only-root-filesystem",  # a privileged process can remount / read-write
        "pss-host-path-volumes",  # the pod's way into the node, which it holds anyway
        "pss-restricted-volumes",
        # Its user, though the pod's settings decide it for both containers: the pod's
        # finding names the sidecar only (corpus27's act-runner beside its dind).
        "require-run-as-non-root",
    }
    assert {f.container for f in privileged.folded} == {"agent", None}
    assert "(also: " in privileged.message and "pss-allow-privilege-escalation" in privileged.message
    # The sidecar is not privileged: its findings stand on their own.
    assert [f.container for f in found["pss-allow-privilege-escalation"]] == ["sidecar"]
    assert [f.container for f in found["require-drop-all-capabilities"]] == ["sidecar"]
    assert [f.container for f in found["require-read-only-root-filesystem"]] == ["sidecar"]
    assert [f.container for f in found["require-run-as-non-root"]] == ["sidecar"]


def test_host_path_volume_is_one_finding() -> None:
    assert "privileged" not in HOST_PATH
    found = by_rule(lint(HOST_PATH))
    (host_path,) = found["pss-host-path-volumes"]
    assert [f.rule for f in host_path.folded] == ["pss-restricted-volumes"]
    assert "pss-restricted-volumes" not in found


def test_folded_findings_keep_their_own_lines_in_json() -> None:
    result = lint(HOST_PATH)
    report = json_report(result, Gate())
    (entry,) = [f for f in report["findings"] if f["rule"] == "pss-host-path-volumes"]
    assert entry["folded"] == [
        {
            "rule": "pss-restricted-volumes",
            "severity": "medium",
            "enforcement": "mandatory",
            "message": 'volume "logs" must not use the restricted volume type hostPath',
            "file": "fixture.yaml",
            "line": 19,
            "column": 11,
            "path": "spec.template.spec.volumes[0].hostPath",
            "container": None,
            "object": entry["object"],
        }
    ]
    json.dumps(report)


def test_only_one_rule_enabled_reports_it_as_it_is() -> None:
    config = {"all": "disabled", "pss-restricted-volumes": "mandatory"}
    found = by_rule(lint(PRIVILEGED, config))
    assert [f.folded for f in found["pss-restricted-volumes"]] == [()]


def test_suppressed_primary_folds_nothing() -> None:
    text = PRIVILEGED.replace(
        "metadata: {name: agent, namespace: ops}",
        'metadata: {name: agent, namespace: ops, annotations: {ignore.policypack.io/pss-privileged: "CNI agent"}}',
    )
    found = by_rule(lint(text))
    (privileged,) = found["pss-privileged"]
    assert privileged.suppression is not None and privileged.folded == ()
    assert sorted(f.container for f in found["pss-allow-privilege-escalation"]) == ["agent", "sidecar"]


def test_folding_never_takes_a_finding_out_of_the_gate() -> None:
    # The primary advisory, the consequence mandatory: not folded.
    found = by_rule(lint(HOST_PATH, {"pss-host-path-volumes": "advisory"}))
    assert found["pss-host-path-volumes"][0].folded == ()
    assert len(found["pss-restricted-volumes"]) == 1


def test_wildcard_rbac_rule_is_one_finding_led_by_the_gravest() -> None:
    # corpus8 (polaris' dashboard, flux's account): the escalation verbs a `*` rule
    # grants are critical, the wildcard finding high. One root cause, one finding:
    # the graver consequence leads it, with the wildcard and the rest folded in.
    found = by_rule(lint(WILDCARD_ROLE))
    (escalation,) = found["rbac-no-escalation-verbs"]
    folded = {f.rule for f in escalation.folded}
    assert {
        "no-rbac-wildcards",
        "rbac-no-secret-read",
        "rbac-no-pod-exec",
        "rbac-no-workload-create",
        "rbac-no-token-create",
    } <= folded
    assert "no-rbac-wildcards" not in found
    assert escalation.severity.name.lower() == "critical" and escalation.blocks
    # Rule #1 reads secrets without any wildcard: its own finding.
    assert [f.path[:2] for f in found["rbac-no-secret-read"]] == [("rules", 1)]
    # Without the escalation rule, the wildcard finding leads, as before.
    alone = by_rule(lint(WILDCARD_ROLE, {"rbac-no-escalation-verbs": "disabled"}))
    (wildcard,) = alone["no-rbac-wildcards"]
    assert {"rbac-no-secret-read", "rbac-no-token-create"} <= {f.rule for f in wildcard.folded}


def test_pulumi_reports_each_policy_and_names_the_root_cause() -> None:
    import yaml

    manifest = yaml.safe_load(PRIVILEGED)
    token = kubernetes_token("apps/v1", "Deployment")
    servicer = make_servicer(REGISTRY)
    diagnostics = analyze(servicer, token, manifest, f"urn:pulumi:test::fold::{token}::agent")
    escalation = [d for d in diagnostics if d.policy == "pss-allow-privilege-escalation"]
    assert len(escalation) == 2
    (agent,) = [d for d in escalation if "agent" in d.message and "sidecar" not in d.message]
    assert "follows from pss-privileged" in agent.message
    (volume,) = [d for d in diagnostics if d.policy == "pss-restricted-volumes"]
    # The volume's finding follows from the hostPath finding, which follows from the
    # privileged container: the note names the root.
    assert "follows from pss-privileged" in volume.message
    (sidecar,) = [d for d in escalation if "sidecar" in d.message]
    assert "follows from" not in sidecar.message


def test_runtime_socket_is_one_node_takeover_finding() -> None:
    text = HOST_PATH.replace("hostPath: {path: /var/log}", "hostPath: {path: /var/run/docker.sock}")
    found = by_rule(lint(text))
    (socket,) = found["no-container-runtime-socket"]
    assert [f.rule for f in socket.folded] == ["pss-host-path-volumes", "pss-restricted-volumes"]
    assert "pss-host-path-volumes" not in found and "pss-restricted-volumes" not in found
    # The pod's other hostPath volumes are the same node agent's host access (corpus36's
    # cAdvisor: the runtime's socket and, beside it, `/sys`): folded under the socket too.
    text = HOST_PATH.replace(
        "          hostPath: {path: /var/log}\n",
        "          hostPath: {path: /var/run/docker.sock}\n        - name: sys\n          hostPath: {path: /sys}\n",
    )
    assert "/sys" in text
    found = by_rule(lint(text))
    (socket,) = found["no-container-runtime-socket"]
    assert "pss-host-path-volumes" not in found
    assert "pss-host-path-volumes" in {f.rule for f in socket.folded}
    # Beside a privileged container, which holds the node already, the socket is one
    # more part of that decision: listed under it, with the hostPath findings.
    found = by_rule(lint(PRIVILEGED.replace("hostPath: {path: /var/log}", "hostPath: {path: /var/run/docker.sock}")))
    assert "no-container-runtime-socket" not in found
    (privileged,) = found["pss-privileged"]
    assert {"no-container-runtime-socket", "pss-host-path-volumes"} <= {f.rule for f in privileged.folded}
    # Without the socket rule (the PSS profiles), the hostPath rules report as before.
    text = HOST_PATH.replace("hostPath: {path: /var/log}", "hostPath: {path: /var/run/docker.sock}")
    baseline = by_rule(lint(text, {"no-container-runtime-socket": "disabled"}))
    assert [f.rule for f in baseline["pss-host-path-volumes"][0].folded] == ["pss-restricted-volumes"]


NODE_AGENT = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: csi-node, namespace: kube-system}
    spec:
      selector: {matchLabels: {app: csi-node}}
      template:
        metadata:
          labels: {app: csi-node}
        spec:
          hostNetwork: true
          hostPID: true
          initContainers:
            - name: install
              image: registry.example/install:1.0
              securityContext: {privileged: true}
          containers:
            - name: registrar
              image: registry.example/registrar:1.0
              volumeMounts:
                - {name: registration, mountPath: /registration}
          volumes:
            - name: registration
              hostPath: {path: /var/lib/kubelet/plugins_registry}
            - name: pods
              hostPath: {path: /var/lib/kubelet/pods}
    """
)


def test_node_agent_host_access_is_one_finding_under_its_privileged_container() -> None:
    # corpus13/14 (gcs-fuse and Tencent CSI node plugins): a privileged container
    # holds the node; the pod's hostPath volumes and host namespaces are the same
    # decision (to run a node agent), not four more problems.
    found = by_rule(lint(NODE_AGENT))
    (privileged,) = found["pss-privileged"]
    assert privileged.container == "install"
    assert sorted((f.rule, f.path[-2:]) for f in privileged.folded if f.rule.startswith("pss-host")) == [
        ("pss-host-namespaces", ("spec", "hostNetwork")),
        ("pss-host-namespaces", ("spec", "hostPID")),
        ("pss-host-path-volumes", (0, "hostPath")),
        ("pss-host-path-volumes", (1, "hostPath")),
    ]
    assert "pss-host-namespaces" not in found and "pss-host-path-volumes" not in found
    assert privileged.blocks and "(also: " in privileged.message


def test_node_agent_without_a_privileged_container_is_one_host_access_finding() -> None:
    # corpus34's kindnet, corpus39's flannel and node-exporter: a DaemonSet's hostPath
    # volumes, host namespaces and added capabilities are one decision (to run a node
    # agent) with one remedy (a namespace exempt from Pod Security Baseline), which the
    # hostPath finding gives; reviewers held the others duplicates of it.
    agent = NODE_AGENT.replace("securityContext: {privileged: true}", "securityContext: {}").replace(
        "- name: registrar\n          image: registry.example/registrar:1.0\n",
        "- name: registrar\n          image: registry.example/registrar:1.0\n"
        "          securityContext: {capabilities: {add: [NET_ADMIN]}}\n",
    )
    found = by_rule(lint(agent))
    assert "pss-privileged" not in found
    assert "pss-host-namespaces" not in found and "pss-capabilities-baseline" not in found
    (volumes,) = found["pss-host-path-volumes"]
    assert "node agent" in volumes.message
    assert sorted(f.rule for f in volumes.folded if f.rule != "pss-restricted-volumes") == [
        "pss-capabilities-baseline",
        "pss-host-namespaces",
        "pss-host-namespaces",
        "pss-host-path-volumes",
        "require-run-as-non-root",
    ]
    # Near miss: an agent that only reads the node's directories (a node exporter) can
    # run as nobody, so its user is a finding of its own; the rest stays folded.
    reader = by_rule(lint(agent.replace("mountPath: /registration}", "mountPath: /registration, readOnly: true}")))
    assert len(reader["require-run-as-non-root"]) == 1
    assert "pss-host-namespaces" not in reader and "pss-capabilities-baseline" not in reader
    # Near miss: the same pod in a Deployment is not a node agent; each control is its
    # own finding (host namespaces listing their second field, hostPath volumes theirs).
    found = by_rule(lint(agent.replace("kind: DaemonSet", "kind: Deployment")))
    (namespaces,) = found["pss-host-namespaces"]
    assert len(found["pss-capabilities-baseline"]) == 1
    (volumes,) = found["pss-host-path-volumes"]
    assert [f.path[-1] for f in namespaces.folded] == ["hostPID"]
    assert [f.path[-2:] for f in volumes.folded if f.rule == "pss-host-path-volumes"] == [(1, "hostPath")]
    # In Pulumi each policy reports, and the folded ones name the hostPath finding.
    import yaml

    token = kubernetes_token("apps/v1", "DaemonSet")
    diagnostics = analyze(make_servicer(REGISTRY), token, yaml.safe_load(agent), f"urn:pulumi:test::fold::{token}::a")
    folded = [d for d in diagnostics if d.policy in ("pss-host-namespaces", "pss-capabilities-baseline")]
    assert len(folded) == 3 and all("follows from pss-host-path-volumes" in d.message for d in folded)


def test_node_agent_fold_in_pulumi_names_the_privileged_container() -> None:
    import yaml

    token = kubernetes_token("apps/v1", "DaemonSet")
    diagnostics = analyze(
        make_servicer(REGISTRY), token, yaml.safe_load(NODE_AGENT), f"urn:pulumi:test::fold::{token}::csi-node"
    )
    host = [d for d in diagnostics if d.policy in ("pss-host-namespaces", "pss-host-path-volumes")]
    assert len(host) == 4
    assert all("follows from pss-privileged" in d.message for d in host)


def test_capabilities_added_to_a_privileged_container_fold_into_it() -> None:
    # corpus4 (pires' es-data StatefulSet): IPC_LOCK added to a privileged container
    # changes nothing until `privileged` goes; a non-privileged container keeps its own.
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: es-data, namespace: search}
        spec:
          serviceName: es-data
          selector: {matchLabels: {app: es}}
          template:
            metadata: {labels: {app: es}}
            spec:
              containers:
                - name: es
                  image: registry.example/es:6.3.0
                  securityContext:
                    privileged: true
                    capabilities: {add: [IPC_LOCK]}
                - name: exporter
                  image: registry.example/exporter:1.0.0
                  securityContext:
                    capabilities: {add: [NET_RAW, SYS_TIME]}
        """
    )
    found = by_rule(lint(text))
    (privileged,) = found["pss-privileged"]
    assert "pss-capabilities-baseline" in {f.rule for f in privileged.folded}
    assert [(f.container, f.path[-1]) for f in found["pss-capabilities-baseline"]] == [
        ("exporter", 0)
    ]  # one per container, naming every capability


WINDOWS_BY_SELECTOR = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: csi-node-win, namespace: kube-system}
    spec:
      selector: {matchLabels: {app: csi-node-win}}
      template:
        metadata: {labels: {app: csi-node-win}}
        spec:
          nodeSelector:
            kubernetes.io/os: windows
          containers:
            - name: liveness-probe
              image: registry.example/livenessprobe:2.3.0
            - name: plugin
              image: registry.example/csi-plugin:1.4.0
    """
)


def test_windows_pod_without_its_os_is_one_finding() -> None:
    # corpus7 (CSI SMB and Azure Disk drivers' Windows node plugins): the Restricted
    # controls Windows is exempt from follow from the missing spec.os.name.
    found = by_rule(lint(WINDOWS_BY_SELECTOR, {"pss-capabilities-restricted": "mandatory"}))
    (windows,) = found["require-windows-pod-os"]
    assert sorted(f.rule for f in windows.folded) == [
        "pss-allow-privilege-escalation",
        "pss-allow-privilege-escalation",
        "pss-capabilities-restricted",
        "pss-capabilities-restricted",
        "pss-seccomp-restricted",
    ]
    for rule in ("pss-allow-privilege-escalation", "pss-capabilities-restricted", "pss-seccomp-restricted"):
        assert rule not in found
    # The pss-restricted profile, without the rule, keeps admission's exact verdicts.
    exact = by_rule(lint(WINDOWS_BY_SELECTOR, {"require-windows-pod-os": "disabled"}))
    assert len(exact["pss-allow-privilege-escalation"]) == 2 and len(exact["pss-seccomp-restricted"]) == 1
    # Declared, the pod is exempt, and nothing is left to fold.
    declared = WINDOWS_BY_SELECTOR.replace("nodeSelector:", "os: {name: windows}\n      nodeSelector:")
    assert not {"require-windows-pod-os", "pss-allow-privilege-escalation", "pss-seccomp-restricted"} & set(
        by_rule(lint(declared))
    )


def test_host_ports_on_the_host_network_fold_into_it() -> None:
    # corpus9 (apisix' ingress controller): with hostNetwork, every container port is a
    # host port; removing hostPort changes nothing, so the one cause is hostNetwork.
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ingress, namespace: edge}
        spec:
          selector: {matchLabels: {app: ingress}}
          template:
            metadata: {labels: {app: ingress}}
            spec:
              hostNetwork: true
              hostPID: true
              containers:
                - name: proxy
                  image: registry.example/proxy:2.0.0
                  ports:
                    - {containerPort: 80, hostPort: 80}
                    - {containerPort: 443, hostPort: 443}
        """
    )
    found = by_rule(lint(text))
    # One finding for the pod's host namespaces (as PSA reports the control), with
    # hostPID and the host ports (which follow from hostNetwork) listed under it.
    (namespaces,) = found["pss-host-namespaces"]
    assert namespaces.path[-1] == "hostNetwork"
    assert [(f.rule, f.path[-1]) for f in namespaces.folded] == [
        ("pss-host-ports", "hostPort"),
        ("pss-host-namespaces", "hostPID"),
    ]
    assert "pss-host-ports" not in found
    assert "(and 1 more like it in this object) (also: pss-host-ports)" in namespaces.message
    # Off the host network, a host port is its own cause.
    alone = by_rule(lint(text.replace("hostNetwork: true", "hostNetwork: false")))
    (ports,) = alone["pss-host-ports"]
    assert "hostPorts 80, 443" in ports.message


HOST_NETWORK_PROBE = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: csi-controller, namespace: kube-system}
    spec:
      selector: {matchLabels: {app: csi-controller}}
      template:
        metadata: {labels: {app: csi-controller}}
        spec:
          hostNetwork: true
          containers:
            - name: driver
              image: registry.example/driver:1.4.0
              livenessProbe:
                httpGet: {host: localhost, path: /healthz, port: 29652}
            - name: liveness-probe
              image: registry.k8s.io/sig-storage/livenessprobe:v2.12.0
              args: ["--http-endpoint=localhost:29652"]
    """
)


def test_probe_hosts_on_the_host_network_fold_into_it() -> None:
    # corpus5, corpus8, corpus9 (CSI controllers): `host: localhost` on a host-network
    # pod is the pod itself, and its namespace must admit Privileged pods anyway.
    found = by_rule(lint(HOST_NETWORK_PROBE))
    (network,) = [f for f in found["pss-host-namespaces"] if f.path[-1] == "hostNetwork"]
    assert [f.rule for f in network.folded] == ["pss-host-probes-and-lifecycle"]
    assert "pss-host-probes-and-lifecycle" not in found
    # Off the host network, the probe host reaches another host: its own finding.
    alone = by_rule(lint(HOST_NETWORK_PROBE.replace("hostNetwork: true", "hostNetwork: false")))
    (probe,) = alone["pss-host-probes-and-lifecycle"]
    assert not probe.folded and probe.path[-1] == "host"
    # Pulumi: the policy still reports, naming the finding it follows from.
    import yaml

    token = kubernetes_token("apps/v1", "Deployment")
    diagnostics = analyze(
        make_servicer(REGISTRY), token, yaml.safe_load(HOST_NETWORK_PROBE), f"urn:pulumi:test::fold::{token}::csi"
    )
    (note,) = [d for d in diagnostics if d.policy == "pss-host-probes-and-lifecycle"]
    assert "follows from pss-host-namespaces" in note.message


def test_host_network_of_a_host_process_pod_folds_into_it() -> None:
    # corpus12 (sig-windows-tools' HostProcess calico, flannel, kube-proxy): the API
    # requires hostNetwork with hostProcess; the one decision is HostProcess.
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: kube-proxy-windows, namespace: kube-system}
        spec:
          selector: {matchLabels: {app: kube-proxy}}
          template:
            metadata: {labels: {app: kube-proxy}}
            spec:
              os: {name: windows}
              hostNetwork: true
              securityContext:
                windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\system"}
              containers:
                - name: kube-proxy
                  image: registry.example.com/kube-proxy:v1.31.0
              volumes:
                - name: cni
                  hostPath: {path: "C:/etc/cni/net.d"}
        """
    )
    found = by_rule(lint(text))
    (host_process,) = found["pss-windows-host-process"]
    assert {f.rule for f in host_process.folded} >= {"pss-host-namespaces", "pss-host-path-volumes"}
    assert "pss-host-namespaces" not in found and "pss-host-path-volumes" not in found
    # Without HostProcess, the host network is the node agent's host access (its hostPath).
    plain = by_rule(lint(text.replace("{hostProcess: true,", "{hostProcess: false,")))
    assert "pss-windows-host-process" not in plain
    (volume,) = plain["pss-host-path-volumes"]
    assert "pss-host-namespaces" in {f.rule for f in volume.folded}


INSTALLER_ROLE = textwrap.dedent(
    """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: installer}
    rules:
      - {apiGroups: [apps], resources: ["*"], verbs: ["*"]}
      - {apiGroups: [batch], resources: ["*"], verbs: ["*"]}
      - {apiGroups: [monitoring.example.com], resources: ["*"], verbs: ["*"]}
      - {apiGroups: [""], resources: [configmaps], verbs: [get]}
    """
)


def test_a_role_built_of_wildcards_is_one_finding() -> None:
    # corpus16 (KubeSphere's installer): 35 rules of `*` on `*`, one per API group,
    # are one decision to rewrite the role; the first leads, the others are listed
    # under it, each at its own line (and in JSON).
    found = by_rule(lint(INSTALLER_ROLE, {"all": "disabled", "no-rbac-wildcards": "mandatory"}))
    (wildcards,) = found["no-rbac-wildcards"]
    assert wildcards.path[:2] == ("rules", 0)
    assert [f.path[:2] for f in wildcards.folded] == [("rules", 1), ("rules", 2)]
    assert [f.location.line for f in wildcards.folded] == [6, 7]
    assert "(and 2 more like it in this object)" in wildcards.message
    report = json_report(lint(INSTALLER_ROLE, {"all": "disabled", "no-rbac-wildcards": "mandatory"}), Gate())
    (entry,) = report["findings"]
    assert [f["line"] for f in entry["folded"]] == [6, 7]


def test_wildcards_of_two_roles_are_two_findings() -> None:
    # Near miss: one finding per object, not per run.
    other = INSTALLER_ROLE.replace("name: installer", "name: other")
    found = by_rule(lint(INSTALLER_ROLE + "---\n" + other, {"all": "disabled", "no-rbac-wildcards": "mandatory"}))
    assert len(found["no-rbac-wildcards"]) == 2


def test_repeats_are_reported_one_by_one_in_pulumi() -> None:
    # Each Pulumi policy reports every violation: the fold is the offline report's.
    import yaml

    token = kubernetes_token("rbac.authorization.k8s.io/v1", "ClusterRole")
    diagnostics = analyze(
        make_servicer(REGISTRY), token, yaml.safe_load(INSTALLER_ROLE), f"urn:pulumi:test::fold::{token}::installer"
    )
    assert len([d for d in diagnostics if d.policy == "no-rbac-wildcards"]) == 3


def test_a_pods_runtime_socket_volumes_are_one_finding() -> None:
    # corpus16 (Sysdig's agent): /run and /var/run, each holding the sockets.
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: ops}
        spec:
          selector: {matchLabels: {app: agent}}
          template:
            metadata: {labels: {app: agent}}
            spec:
              containers:
                - name: agent
                  image: registry.example/agent:1.0
                  volumeMounts:
                    - {name: run, mountPath: /host/run}
                    - {name: varrun, mountPath: /host/var/run}
              volumes:
                - {name: run, hostPath: {path: /run}}
                - {name: varrun, hostPath: {path: /var/run}}
        """
    )
    found = by_rule(lint(text))
    (socket,) = found["no-container-runtime-socket"]
    assert [f.path[-3] for f in socket.folded if f.rule == "no-container-runtime-socket"] == [1]
    assert "(and 1 more like it in this object)" in socket.message


def test_a_roles_grants_of_one_power_are_one_finding() -> None:
    # corpus16 (KubeSphere's installer): the escalation verbs granted by rule #0 (core
    # `*`) and rule #4 (`rbac.authorization.k8s.io` `*`) of one role are one finding.
    text = textwrap.dedent(
        """\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: reader, namespace: shop}
        rules:
          - {apiGroups: [""], resources: [secrets], verbs: [get]}
          - {apiGroups: [""], resources: [configmaps], verbs: [get]}
          - {apiGroups: [""], resources: [secrets], verbs: [list], resourceNames: []}
        """
    )
    found = by_rule(lint(text, {"all": "disabled", "rbac-no-secret-read": "advisory"}))
    (secrets,) = found["rbac-no-secret-read"]
    assert secrets.path[:2] == ("rules", 0)
    assert [f.path[:2] for f in secrets.folded] == [("rules", 2)]


DEFAULT_ADMIN = textwrap.dedent(
    """\
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: mmf-sa}
    subjects:
      - {kind: ServiceAccount, name: default, namespace: default}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    """
)


def test_cluster_admin_bound_to_the_default_account_is_one_finding() -> None:
    # corpus18 (open-match, Enterprise Gateway): one binding to remove, reported once,
    # led by the cluster-admin finding that names the default-account one.
    found = by_rule(lint(DEFAULT_ADMIN))
    (admin,) = found["no-cluster-admin-binding"]
    assert "rbac-no-default-sa-binding" not in found
    assert [f.rule for f in admin.folded] == ["rbac-no-default-sa-binding"]
    # Bound to another role, the default account keeps its own finding.
    edit = by_rule(lint(DEFAULT_ADMIN.replace("name: cluster-admin", "name: view")))
    assert "rbac-no-default-sa-binding" in edit and "no-cluster-admin-binding" not in edit


def test_a_pods_unsafe_sysctls_are_one_finding() -> None:
    # corpus19 (Hive's CI rsync pod): four unsafe sysctls, one control and one decision.
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: rsync, namespace: ci}
        spec:
          securityContext:
            sysctls:
              - {name: net.core.somaxconn, value: "1024"}
              - {name: net.ipv4.tcp_tw_reuse, value: "1"}
          containers:
            - name: rsync
              image: registry.example/rsync@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        """
    )
    (finding,) = by_rule(lint(text))["pss-sysctls"]
    assert finding.message.endswith("(and 1 more like it in this object)")
    assert [f.rule for f in finding.folded] == ["pss-sysctls"]
    assert "net.ipv4.tcp_tw_reuse" in finding.folded[0].message


def test_a_privileged_containers_root_user_folds_into_it() -> None:
    # corpus19 (Tekton's sysctl DaemonSet): the privileged container runs as root to
    # act on the node; its user is part of that decision.
    alone = "\n".join(line for line in PRIVILEGED.splitlines() if "sidecar" not in line) + "\n"
    found = by_rule(lint(alone))
    (privileged,) = found["pss-privileged"]
    assert "require-run-as-non-root" in {f.rule for f in privileged.folded}
    assert "require-run-as-non-root" not in found
    # Beside another container, the pod-wide finding (both unset) stays its own.
    assert "require-run-as-non-root" in by_rule(lint(PRIVILEGED))


def test_a_pods_literal_credentials_are_one_finding() -> None:
    # corpus19 (Alpes Partners' tracking API and worker): one DATABASE_URL literal in
    # two containers of one pod, one Secret to create.
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: tracking, namespace: shop}
        spec:
          containers:
            - name: api
              image: registry.example/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
              env: [{name: DATABASE_URL, value: "postgresql://app:Tr0ub4dor@db:5432/app"}]
            - name: worker
              image: registry.example/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
              env: [{name: DATABASE_URL, value: "postgresql://app:Tr0ub4dor@db:5432/app"}]
        """
    )
    (finding,) = by_rule(lint(text))["no-secrets-in-env"]
    assert finding.message.endswith("(and 1 more like it in this object)")


# --- findings of several objects that name one cause (StackViolation.cause) ---------

NO_POLICY_NAMESPACE = "".join(
    textwrap.dedent(
        f"""\
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: notes
          annotations: {annotations}
        spec:
          selector: {{matchLabels: {{app: {name}}}}}
          template:
            metadata: {{labels: {{app: {name}}}}}
            spec:
              containers: [{{name: {name}, image: registry.example/{name}:1.0.0, ports: [{{containerPort: 8080}}]}}]
        """
    )
    for name, annotations in (("web", "{}"), ("api", "{}"), ("search", "{}"))
)
COVERAGE = {"network-policy-coverage": {"enforcementLevel": "mandatory"}}


def coverage_findings(text: str) -> list:
    return [f for f in lint(text, COVERAGE).findings if f.rule == "network-policy-coverage"]


def test_one_cause_is_one_finding_led_by_the_first_object_by_name() -> None:
    (finding,) = coverage_findings(NO_POLICY_NAMESPACE)
    assert finding.object.name == "api"  # by kind and name, not by order in the file
    assert finding.message.endswith(
        "(namespace notes has no NetworkPolicy at all: one default deny covers them; also on Deployment search, "
        "Deployment web)"
    )
    assert sorted(f.object.name for f in finding.folded) == ["search", "web"]
    assert all(f.location and f.location.line for f in finding.folded)  # each at its own line
    report = json_report(lint(NO_POLICY_NAMESPACE, COVERAGE), Gate())
    (shown,) = [f for f in report["findings"] if f["rule"] == "network-policy-coverage"]
    assert [f["line"] for f in shown["folded"]] == [f.location.line for f in finding.folded]
    assert [f["object"]["name"] for f in shown["folded"]] == ["search", "web"]


def test_one_cause_has_the_same_primary_whatever_the_order_of_the_documents() -> None:
    documents = NO_POLICY_NAMESPACE.split("---\n")[1:]
    reversed_text = "".join("---\n" + d for d in reversed(documents))
    assert [f.object.name for f in coverage_findings(reversed_text)] == ["api"]


def test_a_suppressed_finding_stays_out_of_its_cause() -> None:
    text = NO_POLICY_NAMESPACE.replace(
        "name: api\n  namespace: notes\n  annotations: {}",
        'name: api\n  namespace: notes\n  annotations: {ignore.policypack.io/network-policy-coverage: "mesh"}',
    )
    found = coverage_findings(text)
    suppressed = [f for f in found if f.suppression is not None]
    assert [f.object.name for f in suppressed] == ["api"] and not suppressed[0].folded
    (primary,) = [f for f in found if f.suppression is None]
    assert primary.object.name == "search" and [f.object.name for f in primary.folded] == ["web"]


def test_pulumi_reports_each_finding_of_one_cause_on_its_own_resource() -> None:
    servicer = make_servicer(REGISTRY, COVERAGE)
    objects = pulumi_objects_of(NO_POLICY_NAMESPACE)
    found = [d for d in analyze_stack(servicer, objects) if d.policy == "network-policy-coverage"]
    assert sorted(d.urn.rpartition("::")[2] for d in found) == sorted(o.urn.rpartition("::")[2] for o in objects)
    assert all("namespace notes has no NetworkPolicy at all" in d.message for d in found)
    web = next(d for d in found if "pods of Deployment web" in d.message)
    assert "also on Deployment api, Deployment search) (Deployment notes/web" in web.message


MISPLACED_VOLUMES = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: app, namespace: shop}
    spec:
      selector: {matchLabels: {app: app}}
      template:
        metadata: {labels: {app: app}}
        spec:
          containers:
            - name: app
              image: registry.example/app:1.0.0
              volumeMounts:
                - {name: data, mountPath: /data}
                - {name: cache, mountPath: /cache}
              volumes:
                - {name: data, emptyDir: {}}
                - {name: cache, emptyDir: {}}
            - name: sidecar
              image: registry.example/sidecar:1.0.0
              volumeMounts:
                - {name: logs, mountPath: /logs}
    """
)


def test_volumes_indented_into_a_container_are_one_finding() -> None:
    # corpus40's rottingresearch: the unknown `volumes` key is the cause of its own
    # container's undeclared mounts; the sidecar's undeclared mount is its own.
    found = by_rule(lint(MISPLACED_VOLUMES))
    (misplaced,) = found["unknown-fields"]
    assert misplaced.path[-1] == "volumes"
    assert sorted(f.path[-2] for f in misplaced.folded) == [0, 1]
    assert "(also: volume-mount-undeclared)" in misplaced.message
    (sidecar,) = found["volume-mount-undeclared"]
    assert sidecar.container == "sidecar"


MISNAMED_KEY = textwrap.dedent(
    """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: ddns}
    spec:
      selector: {matchLabels: {app: ddns}}
      template:
        metadata: {labels: {app: ddns}}
        spec:
          containers:
            - name: ddns
              image: favonia/cloudflare-ddns:1.15.1
              env:
                - name: TOKEN
                  valueFrom:
                    secretKeyRef: {name: cf, value: token}
                - name: OTHER
                  valueFrom:
                    secretKeyRef: {name: cf, key: other, vaule: x}
    """
)


def test_a_required_field_written_under_another_name_is_one_finding() -> None:
    # corpus41's personal-cluster: `value:` for a secretKeyRef's `key:` is one mistake,
    # not an unknown field and, separately, a missing one. An unknown field beside a
    # complete object stays its own finding.
    found = by_rule(lint(MISNAMED_KEY))
    (missing,) = found["required-fields-missing"]
    assert "requires key (SecretKeySelector.key) and has value instead" in missing.message
    assert [f.path[-1] for f in missing.folded] == ["value"]
    assert [f.path[-1] for f in found["unknown-fields"]] == ["vaule"]


def test_an_unmasked_proc_of_a_privileged_container_folds_into_it() -> None:
    # corpus42's node exporter: `procMount: Unmasked` on a privileged container is
    # part of the one privileged decision.
    text = PRIVILEGED.replace(
        "            privileged: true\n", "            privileged: true\n            procMount: Unmasked\n"
    )
    found = by_rule(lint(text))
    assert "pss-proc-mount" not in found
    (privileged,) = found["pss-privileged"]
    assert "pss-proc-mount" in [f.rule for f in privileged.folded]


CONTROL_PLANE_TASK = textwrap.dedent(
    """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: etcd-backup, namespace: kube-system}
    spec:
      schedule: "0 2 * * *"
      jobTemplate:
        spec:
          template:
            spec:
              hostNetwork: true
              restartPolicy: OnFailure
              nodeSelector: {node-role.kubernetes.io/control-plane: ""}
              tolerations: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
              containers:
                - name: backup
                  image: registry.example/etcd-backup:3.5.19
                  volumeMounts: [{name: certs, mountPath: /etc/etcd/pki, readOnly: true}]
              volumes:
                - {name: certs, hostPath: {path: /etc/etcd/pki}}
    """
)


def test_a_control_plane_task_s_host_access_is_one_finding() -> None:
    # corpus45's fury etcd backup: a CronJob pinned to control-plane nodes reads etcd's
    # certificates from the node and reaches etcd on the node's network: one decision,
    # as a node agent's, reported once (reviewers held the two findings one cause).
    found = by_rule(lint(CONTROL_PLANE_TASK))
    assert "pss-host-namespaces" not in found
    (volumes,) = found["pss-host-path-volumes"]
    assert "pss-host-namespaces" in [f.rule for f in volumes.folded]
    # Near miss: the same pod on any node is two changes to make.
    unpinned = CONTROL_PLANE_TASK.replace('nodeSelector: {node-role.kubernetes.io/control-plane: ""}', "")
    anywhere = by_rule(lint(unpinned))
    assert len(anywhere["pss-host-namespaces"]) == 1 and len(anywhere["pss-host-path-volumes"]) == 1
