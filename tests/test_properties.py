"""Property-based tests: generated and mutated objects through every registered rule,
in both modes.

The rules are taken from the registry when the tests run (rules are added all the
time), and so are the kinds and type tokens to generate and the seed objects to
mutate (every object of every fixture under tests/rules/). For each example:

- offline, on a `Resource`: no rule fails (an error finding is a bug in the rule),
  and every finding's path is a path in the object (keys into mappings, indexes into
  lists; it may go past the fields that exist) that survives `format_path`/`parse_path`;
- offline, through the linter on the object written as YAML: no rule fails, no input
  error, and every finding is placed on a line of its own document;
- in Pulumi, through the pack's servicer and the SDK's: no policy fails or is skipped,
  both servicers answer the same, and the verdicts (rule and field) are the offline
  ones: same rule, same verdict, both modes.

Rule options are drawn from each rule's option schema. Deterministic (derandomized,
no example database) so CI sees the same examples every run; see EXPLORE to search
wider.
"""

from __future__ import annotations

import copy
import json
import os
import string
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pulumi.runtime import proto
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from policypack.config import ConfigError, PackConfig
from policypack.engine import Engine
from policypack.lint import LintResult, lint_document
from policypack.loader import Document, parse_documents
from policypack.model import is_kubernetes_manifest, kubernetes_token
from policypack.pulumi_adapter import SharedPropsServicer, build_policies
from policypack.pulumi_state import is_stack_export, plain_properties, pulumi_objects
from policypack.registry import build_registry
from policypack.values import format_path, parse_path
from tests.support.harness import REGISTRY, analyze

# Stack rules judge a set of objects at once; these properties are about one object.
RULES = build_registry([rule for rule in REGISTRY if not rule.stack])
KINDS = sorted({kind for rule in RULES for kind in rule.kinds})
TYPES = sorted({token for rule in RULES for token in rule.types})
EXTRA_KINDS = ["ConfigMap", "Secret", "Namespace", "NetworkPolicy", "Widget"]  # judged by nobody (yet)
API_VERSIONS = {
    "Pod": "v1",
    "Service": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "ReplicationController": "v1",
    "PodTemplate": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "Role": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1",
    "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
}
# CI runs the same 200 examples every time. To hunt for new failures locally, set
# POLICYPACK_PROPERTY_EXAMPLES=5000 (random, not derandomized, examples).
EXPLORE = os.environ.get("POLICYPACK_PROPERTY_EXAMPLES")
SETTINGS = settings(
    max_examples=int(EXPLORE) if EXPLORE else 200,
    derandomize=not EXPLORE,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- seeds: every object of every fixture ---------------------------------------


def fixture_objects() -> list[tuple[str, dict]]:
    """(Pulumi type token, props) of every object in tests/rules/*/*.yaml."""
    out = []
    for path in sorted((Path(__file__).parent / "rules").glob("*/*.yaml")):
        for document in parse_documents(str(path), path.read_text(encoding="utf-8")):
            if not isinstance(document, Document):
                continue
            data = document.data
            if is_stack_export(data):
                for entry in data["deployment"]["resources"]:
                    token = entry.get("type") if isinstance(entry, Mapping) else None
                    if (
                        isinstance(token, str)
                        and not token.startswith("pulumi:")
                        and isinstance(entry.get("inputs"), Mapping)
                    ):
                        out.append((token, dict(entry["inputs"])))
            elif is_kubernetes_manifest(data):
                out.append((kubernetes_token(data["apiVersion"], data["kind"]), dict(data)))
    return out


SEEDS = fixture_objects()

# --- values ---------------------------------------------------------------------

# Text that YAML and protobuf can both carry (no surrogates or control characters).
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
WORD = st.sampled_from(["*", "", "latest", "nginx", "true", "0", "null", "cluster-admin", "LoadBalancer", "a.b/c"])
# Numbers both modes read the same: exact in a double, and whole numbers as ints
# (Pulumi sends every number as a float; the adapter turns whole ones back into ints).
NUMBER = st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda x: not x.is_integer()
)
SCALAR = st.none() | st.booleans() | NUMBER | TEXT | WORD
ANY = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT | WORD, inner, max_size=3), max_leaves=8
)
IMAGE = (
    st.sampled_from(
        ["nginx", "nginx:latest", "nginx:1.25", "registry.example.com/a/b:1@sha256:" + "a" * 64, "ghcr.io/x/y:v1", ":"]
    )
    | TEXT
)
QUANTITY = st.sampled_from(["100m", "1", "1Gi", "0", "", "-1"]) | NUMBER | ANY


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A value from `strategy`, or now and then any value at all."""
    return st.one_of(strategy, strategy, strategy, ANY)


def fields(*required: str, **values: st.SearchStrategy) -> st.SearchStrategy:
    """A mapping with the `required` fields and any subset of the others. Required ones
    are the way to the fields rules read (so most examples reach them); mutation still
    removes or replaces them now and then."""
    return st.fixed_dictionaries(
        {key: value for key, value in values.items() if key in required},
        optional={key: maybe(value) for key, value in values.items() if key not in required},
    )


SECURITY_CONTEXT = fields(
    privileged=st.booleans(),
    allowPrivilegeEscalation=st.booleans(),
    runAsNonRoot=st.booleans(),
    runAsUser=st.integers(-1, 70000),
    readOnlyRootFilesystem=st.booleans(),
    capabilities=fields(add=st.lists(WORD | TEXT, max_size=3), drop=st.lists(WORD | TEXT, max_size=3)),
    seccompProfile=fields(type=st.sampled_from(["RuntimeDefault", "Unconfined", "Localhost"])),
)
CONTAINER = fields(
    "name",
    "image",
    name=maybe(TEXT | WORD),
    image=maybe(IMAGE),
    resources=fields(requests=fields(cpu=QUANTITY, memory=QUANTITY), limits=fields(cpu=QUANTITY, memory=QUANTITY)),
    securityContext=SECURITY_CONTEXT,
    ports=st.lists(fields(containerPort=st.integers(0, 70000), hostPort=st.integers(0, 70000)), max_size=2),
    env=st.lists(fields(name=TEXT, value=TEXT), max_size=2),
)
POD_SPEC = fields(
    "containers",
    containers=st.lists(maybe(CONTAINER), min_size=1, max_size=3),
    initContainers=st.lists(maybe(CONTAINER), max_size=2),
    ephemeralContainers=st.lists(maybe(CONTAINER), max_size=1),
    hostNetwork=st.booleans(),
    hostPID=st.booleans(),
    hostIPC=st.booleans(),
    securityContext=SECURITY_CONTEXT,
    volumes=st.lists(fields(name=TEXT, hostPath=fields(path=TEXT), emptyDir=st.just({})), max_size=2),
    serviceAccountName=TEXT,
    automountServiceAccountToken=st.booleans(),
)
METADATA = fields(
    name=TEXT | WORD,
    namespace=TEXT | WORD,
    labels=st.dictionaries(TEXT, TEXT, max_size=2),
    annotations=st.dictionaries(
        TEXT
        | st.sampled_from(
            ["policypack.dev/public-load-balancer", "service.beta.kubernetes.io/aws-load-balancer-internal"]
        ),
        TEXT | WORD,
        max_size=2,
    ),
)
RBAC_RULE = fields(
    "verbs",
    apiGroups=st.lists(WORD | TEXT, max_size=3),
    resources=st.lists(WORD | TEXT, max_size=3),
    verbs=st.lists(WORD | st.sampled_from(["get", "list", "create", "escalate", "bind"]), max_size=3),
    nonResourceURLs=st.lists(WORD, max_size=2),
)
BODIES: dict[str, st.SearchStrategy] = {
    "Pod": fields("spec", spec=POD_SPEC),
    "PodTemplate": fields("template", template=fields("spec", spec=POD_SPEC)),
    "CronJob": fields(
        "spec",
        spec=fields(
            "jobTemplate",
            jobTemplate=fields("spec", spec=fields("template", template=fields("spec", spec=POD_SPEC))),
        ),
    ),
    "Service": fields(
        "spec",
        spec=fields(
            "type",
            type=st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]),
            loadBalancerSourceRanges=st.lists(TEXT, max_size=2),
            ports=st.lists(fields(port=st.integers(0, 70000)), max_size=2),
        ),
    ),
    "Role": fields("rules", rules=st.lists(maybe(RBAC_RULE), min_size=1, max_size=3)),
    "ClusterRole": fields("rules", rules=st.lists(maybe(RBAC_RULE), min_size=1, max_size=3)),
    "RoleBinding": fields(
        "roleRef",
        "subjects",
        roleRef=fields("kind", "name", kind=st.sampled_from(["Role", "ClusterRole"]), name=WORD | TEXT),
        subjects=st.lists(fields(kind=WORD | TEXT, name=WORD | TEXT), max_size=2),
    ),
}
for _kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"):
    BODIES[_kind] = fields(
        "spec", spec=fields("template", template=fields("spec", spec=POD_SPEC), replicas=st.integers(0, 5))
    )
BODIES["ClusterRoleBinding"] = BODIES["RoleBinding"]
IAM_DOCUMENT = fields(
    "Statement",
    Version=st.just("2012-10-17"),
    Statement=st.lists(
        maybe(
            fields(
                "Effect",
                "Action",
                "Resource",
                Effect=st.sampled_from(["Allow", "Deny"]),
                Action=maybe(st.lists(st.sampled_from(["*", "s3:*", "iam:*", "s3:GetObject", "*:*"]), max_size=3)),
                NotAction=st.sampled_from(["*", "s3:GetObject"]),
                Resource=st.sampled_from(["*", "arn:aws:s3:::b/*"]) | st.lists(WORD, max_size=2),
                Condition=ANY,
            )
        ),
        max_size=3,
    ),
)


@st.composite
def kubernetes_object(draw: st.DrawFn, kinds: list[str]) -> tuple[str, dict]:
    kind = draw(st.sampled_from(kinds))
    api_version = API_VERSIONS.get(kind, "example.com/v1")
    body = draw(BODIES.get(kind, fields(spec=ANY, data=ANY)))
    obj = {"apiVersion": api_version, "kind": kind, "metadata": draw(maybe(METADATA)), **body}
    return kubernetes_token(api_version, kind), obj


@st.composite
def cloud_resource(draw: st.DrawFn) -> tuple[str, dict]:
    token = draw(st.sampled_from(TYPES))
    document = draw(maybe(IAM_DOCUMENT))
    as_text = draw(st.booleans())  # Pulumi programs pass policies as JSON strings or as objects
    key = draw(st.sampled_from(["policy", "assumeRolePolicy", "inlinePolicies"]))
    value = json.dumps(document) if as_text else document
    if key == "inlinePolicies":
        value = [{"name": "p", "policy": value}]
    return token, {key: value, **draw(fields(name=TEXT, path=TEXT))}


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(prefix + (key,))
            out.extend(paths(item, prefix + (key,)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.append(prefix + (index,))
            out.extend(paths(item, prefix + (index,)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy) -> tuple[str, dict]:
    """An object from `base` with up to three fields replaced by any value or removed."""
    token, obj = draw(base)
    obj = copy.deepcopy(obj)
    for _ in range(draw(st.integers(0, 3))):
        candidates = [p for p in paths(obj) if p[:1] not in (("apiVersion",), ("kind",))]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent = obj
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(ANY)
    return token, obj


SEED_OBJECTS = st.sampled_from(SEEDS) if SEEDS else st.nothing()
# Kinds whose shape the generators know (workloads, Services, RBAC), in the proportion
# of the rules that judge them; every other kind rules target gets a generic body.
SHAPED_KINDS = [kind for rule in RULES for kind in rule.kinds if kind in BODIES]
OBJECTS = mutated(
    st.one_of(
        kubernetes_object(SHAPED_KINDS or KINDS + EXTRA_KINDS),
        kubernetes_object(SHAPED_KINDS or KINDS + EXTRA_KINDS),
        kubernetes_object(KINDS + EXTRA_KINDS),
        SEED_OBJECTS,
        SEED_OBJECTS,
        cloud_resource() if TYPES else st.nothing(),
    )
)


# --- options --------------------------------------------------------------------


def option_value(schema: Mapping[str, Any]) -> st.SearchStrategy:
    kind = schema.get("type")
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", 0), schema.get("maximum", 1000))
    if kind == "string" and "pattern" not in schema:
        return st.text(string.ascii_lowercase + "./-:", min_size=schema.get("minLength", 0), max_size=20)
    if kind == "array" and schema.get("items", {}).get("type") == "string":
        return st.lists(option_value(schema["items"]), max_size=3)
    return st.just(schema.get("default"))


@st.composite
def rule_options(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """Options for some rules, drawn from their schemas (each rule's own options only)."""
    chosen: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        if rule.options and draw(st.booleans()):
            chosen[rule.name] = {key: draw(option_value(schema)) for key, schema in rule.options.items()}
    return chosen


def offline_config(options: dict[str, dict[str, Any]]) -> PackConfig:
    """Every rule on (rules off by default too), with these options."""
    data = {rule.name: {"enforcementLevel": "advisory", **options.get(rule.name, {})} for rule in RULES}
    return PackConfig.from_mapping(data, RULES, "<properties>")


# --- checks ---------------------------------------------------------------------


def in_object(data: Any, path: tuple) -> bool:
    """Whether `path` is a path in `data`: its keys are strings and list indexes, and
    every index into a list that exists is within it (a finding about the fourth
    container of three is a rule bug). The path may go on past a field that does not
    exist or has the wrong shape (`resources: []`, then `resources.requests.cpu`): the
    finding is about that field, and the linter places it on its nearest ancestor."""
    if not all(isinstance(key, (str, int)) and not isinstance(key, bool) for key in path):
        return False
    node = data
    for key in path:
        if isinstance(node, list) and isinstance(key, int):
            if not 0 <= key < len(node):
                return False
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, int):
            return False  # a rule indexing a mapping by number
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return True  # missing, or past a value of the wrong shape
    return True


def configured(cls: type, config: dict[str, dict[str, Any]]) -> Any:
    """A servicer of `cls` with every rule's policy, configured as `pulumi preview` would."""
    servicer = cls("kubernetes-playbook", "0.0.1", build_policies(RULES), EnforcementLevel.ADVISORY)
    request = proto.ConfigureAnalyzerRequest()
    for name, entries in config.items():
        entry = proto.PolicyConfig(enforcementLevel=proto.ADVISORY)
        options = {key: value for key, value in entries.items() if key != "enforcementLevel"}
        if options:
            entry.properties.update(options)
        request.policyConfig[name].CopyFrom(entry)
    servicer.Configure(request, None)
    return servicer


def judged(token: str, props: dict) -> list[tuple[Any, tuple]]:
    """The resources both modes judge in these props, with their path in the props.
    Seeds from stack exports may hold Pulumi's unknown sentinels: offline reads them
    as unknown, as the stack-export reader does."""
    return list(pulumi_objects(token, plain_properties(props), f"urn:pulumi:prop::test::{token}::x"))


def through_struct(props: dict) -> dict:
    """The props as the Pulumi engine delivers them: JSON numbers are doubles."""
    return json.loads(json.dumps(props), parse_int=float)


@SETTINGS
@given(item=OBJECTS, options=rule_options())
def test_engine_on_a_resource(item: tuple[str, dict], options: dict) -> None:
    token, props = item
    try:
        engine = Engine(RULES, offline_config(options))
    except ConfigError:
        engine = Engine(RULES, offline_config({}))
    for resource, _ in judged(token, props):
        for finding in engine.run(resource):
            assert not finding.error, finding.message
            assert in_object(dict(resource.props), finding.path), (finding.rule, finding.path)
            if finding.path:
                assert parse_path(format_path(finding.path)) == finding.path


@SETTINGS
@given(items=st.lists(OBJECTS.filter(lambda item: item[0].startswith("kubernetes:")), min_size=1, max_size=3))
def test_linter_places_every_finding_in_its_document(items: list[tuple[str, dict]]) -> None:
    engine = Engine(RULES, offline_config({}))
    text = yaml.safe_dump_all([obj for _, obj in items], sort_keys=False, allow_unicode=True)
    result = LintResult()
    documents = 0
    for document in parse_documents("props.yaml", text):
        assert isinstance(document, Document), document
        documents += 1
        first, last = document.line, document.end_line
        before = len(result.findings)
        lint_document(document, engine, result)
        for finding in result.findings[before:]:
            assert not finding.error, finding.message
            assert finding.location is not None and finding.location.line is not None
            assert first <= finding.location.line <= last, (finding.rule, finding.location, first, last)
            assert finding.location.column is None or finding.location.column >= 1
    assert documents == len(items)
    # The one input error a well-formed document may give: metadata that is not a
    # mapping (the API server refuses such an object; judging it would pass it on nothing).
    assert all("metadata must be a mapping" in error.message and error.line for error in result.errors)
    if all(isinstance(obj.get("metadata"), (dict, type(None))) for _, obj in items) and not any(
        obj.get("kind", "").endswith("List") for _, obj in items
    ):
        assert not result.errors, result.errors


@SETTINGS
@given(item=OBJECTS, options=rule_options())
# A key with a parenthesis: the field must still be read back from Pulumi's message (CI, ff840ee).
@example(
    item=("kubernetes:core/v1:ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {")": 1}}), options={}
)
# A parenthesis in the object's name, before the field (found by hypothesis).
@example(
    item=(
        "kubernetes:batch/v1:CronJob",
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": ")"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [None]}}}}},
        },
    ),
    options={},
)
def test_pulumi_mode_agrees_with_offline(item: tuple[str, dict], options: dict) -> None:
    token, props = item
    try:
        config = offline_config(options)
    except ConfigError:
        options, config = {}, offline_config({})
    pulumi_config = {rule.name: {"enforcementLevel": "advisory", **options.get(rule.name, {})} for rule in RULES}
    sdk = configured(_PolicyAnalyzerServicer, pulumi_config)
    urn = f"urn:pulumi:prop::test::{token}::x"
    delivered = through_struct(props)
    diagnostics = analyze(sdk, token, delivered, urn)
    for diagnostic in diagnostics:
        assert "could not" not in diagnostic.message and "can't run policy" not in diagnostic.message, diagnostic
    # The pack's own servicer (props converted once per request) says exactly the same.
    shared = configured(SharedPropsServicer, pulumi_config)
    assert sorted((d.policy, d.message) for d in analyze(shared, token, delivered, urn)) == sorted(
        (d.policy, d.message) for d in diagnostics
    )
    # Same rule, same verdict: each finding offline is a diagnostic about the same field
    # (a finding folded into another offline is still its own policy's in Pulumi).
    engine = Engine(RULES, config)
    offline = Counter(
        (finding.rule, prefix + finding.path)
        for resource, prefix in judged(token, props)
        for found in engine.run(resource)
        for finding in (found, *found.folded)
    )
    online = Counter((d.policy, d.path or ()) for d in diagnostics)
    assert online == offline
