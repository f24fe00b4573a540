"""Findings on real repositories are worth reading (issue 13).

Over ../shared/corpus/real-world: the findings of a labelled sample
(tests/corpus_labels.json, judged by a reviewer as a platform engineer would) that
are false stay gone, the true ones stay reported, and the corpus locations named in
the issue stay fixed. `scripts/precision.py` prints the same figures with findings
per workload per rule. Skipped without the corpus, as tests/test_corpus.py is."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

from policypack.engine import Engine, Finding
from policypack.lint import LintResult, lint_paths
from policypack.registry import load_registry

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real-world"
LABELS = json.loads((Path(__file__).parent / "corpus_labels.json").read_text())

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


@lru_cache(maxsize=1)
def corpus() -> LintResult:
    return lint_paths([str(CORPUS)], Engine(load_registry()))


def place(finding: Finding) -> tuple[str, str, int]:
    assert finding.location is not None
    return finding.rule, str(Path(finding.location.file).relative_to(CORPUS)), finding.location.line or 0


def _with_folded(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    # A finding folded under its root cause (policypack/folding.py) is still reported.
    every: list[Finding] = []
    for finding in findings:
        every.append(finding)
        every.extend(_with_folded(finding.folded))
    return every


def reported() -> set[tuple[str, str, int]]:
    return {place(f) for f in _with_folded(corpus().findings) if not f.error}


def test_labels_are_well_formed() -> None:
    rules = {rule.name for rule in load_registry()}
    for label in LABELS:
        assert label["rule"] in rules and label["verdict"] in ("true", "debatable", "false", "duplicate"), label
        assert (CORPUS / label["file"]).is_file() and label["line"] > 0 and label["why"], label
    assert len({(x["rule"], x["file"], x["line"]) for x in LABELS}) == len(LABELS)
    assert Counter(x["verdict"] for x in LABELS)["false"] >= 15


def test_findings_labelled_false_or_duplicate_are_gone() -> None:
    # A duplicate repeats a root cause another finding reports; folded under that
    # finding it would still be "reported" here, so a duplicate must not come back at all.
    found = reported()
    still = [x for x in LABELS if x["verdict"] in ("false", "duplicate") and (x["rule"], x["file"], x["line"]) in found]
    assert still == []


def test_findings_labelled_true_are_still_reported() -> None:
    # The fixes must not buy precision by dropping true findings.
    found = reported()
    lost = [x for x in LABELS if x["verdict"] == "true" and (x["rule"], x["file"], x["line"]) not in found]
    assert lost == []


def test_precision_of_the_labelled_sample() -> None:
    found = reported()
    verdicts = Counter(x["verdict"] for x in LABELS if (x["rule"], x["file"], x["line"]) in found)
    assert verdicts["false"] == 0
    assert verdicts["true"] / sum(verdicts.values()) >= 0.9


def test_no_finding_names_an_object_twice() -> None:
    # ingress-nginx's variants once made one finding list the same Deployment 8 times.
    item = re.compile(
        r"\b((?:Deployment|StatefulSet|DaemonSet|ReplicaSet|ReplicationController|Job|Pod) [a-z0-9][a-z0-9.-]*)\b"
    )
    for finding in corpus().findings:
        named = item.findall(finding.message)
        assert len(named) == len(set(named)), finding.message


def test_named_locations_of_the_issue() -> None:
    found = reported()
    by_file = Counter((rule, file) for rule, file, _ in found)
    # Class 1: the StatefulSet's per-pod Services, Services of operator-made pods.
    assert ("service-selects-no-pods", "argo-cd/manifests_ha_install.yaml") not in by_file
    assert ("service-selects-no-pods", "kube-prometheus/manifests_alertmanager-service.yaml") not in by_file
    # Class 2: guestbook-go judged against its own app; the ingress-nginx variants
    # each against their own file.
    for name in ("guestbook-service", "redis-master-service", "redis-replica-service"):
        assert ("service-target-port-undeclared", f"k8s-examples/web_guestbook-go_{name}.yaml") not in by_file
    assert not [f for f in found if f[0] == "service-target-port-undeclared" and f[1].startswith("ingress-nginx/")]
    # ... while the per-variant findings that are true stay, once per variant file.
    variants = {f[1] for f in found if f[0] == "require-multiple-replicas" and f[1].startswith("ingress-nginx/")}
    assert len(variants) >= 8  # one per variant that leaves replicas unset
    # Class 3.
    assert ("require-rolling-update", "k8s-examples/_archived_storage_minio_minio-standalone-deployment.yaml") not in (
        by_file
    )
    assert ("no-default-namespace", "kube-prometheus/manifests_prometheus-roleSpecificNamespaces.yaml") not in by_file
    assert ("require-multiple-replicas", "k8s-examples/AI_vllm-deployment_vllm-deployment.yaml") not in by_file
    assert ("hpa-replicas-conflict", "k8s-examples/AI_vllm-deployment_vllm-deployment.yaml") in by_file
    etcd = [f for f in corpus().findings if f.rule == "no-secrets-in-env" and "etcd-controller" in str(f.location)]
    assert [f.message for f in etcd if "ETCD_INITIAL_CLUSTER_TOKEN" in f.message] == []
    # Class 4: the vitess pod template ({{uid}} in its name) is skipped with a note.
    assert not [f for f in found if f[1].endswith("vttablet-pod-template.yaml")]
    assert [n for n in corpus().notes if n.file.endswith("vttablet-pod-template.yaml") and "unrendered" in n.message]
