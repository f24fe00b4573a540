"""pss-host-path-volumes' advice follows the node's path: a node agent's remedy for
the node's own directories, none for an application's data or the files it borrows
from the node. The fixtures (tests/rules/pss-host-path-volumes/) check the words
that are there; these check the words that must not be."""

from __future__ import annotations

from pathlib import Path

import pytest

from policypack.engine import Engine
from policypack.lint import lint_paths
from tests.support.harness import single_rule

AGENT = "a node agent that needs it"


def _message(tmp_path: Path, path: str) -> str:
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        "  containers: [{name: c, image: registry.example.com/c:1.0.0}]\n"
        f"  volumes: [{{name: v, hostPath: {{path: {path}}}}}]\n"
    )
    (finding,) = lint_paths([str(tmp_path)], Engine(*single_rule("pss-host-path-volumes"))).findings
    return finding.message


@pytest.mark.parametrize("path", ["/var/log", "/proc", "/sys/fs/cgroup", "/var/lib/kubelet/pods", "/etc/cni", "/"])
def test_the_nodes_own_directories_get_a_node_agents_remedy(tmp_path: Path, path: str) -> None:
    message = _message(tmp_path, path)
    assert f"(the node's {path})" in message and AGENT in message


@pytest.mark.parametrize("path", ["/etc/localtime", "/etc/ssl/certs", "/data/ldap", "/var/lib/mysql", "/logs"])
def test_an_applications_paths_do_not(tmp_path: Path, path: str) -> None:
    message = _message(tmp_path, path)
    assert f"(the node's {path})" in message and AGENT not in message


def test_an_empty_path_gets_no_remedy(tmp_path: Path) -> None:
    message = _message(tmp_path, '""')
    assert "the node's" not in message and AGENT not in message
