"""The set of objects a stack rule sees: a Pulumi stack, or every document of a lint run.

Some practices are only visible across objects (a Service that selects no pods, a
Deployment without a PodDisruptionBudget). A stack rule's check receives a `Stack`
holding the resources it targets, all from one cluster: in Pulumi mode resources of
different Kubernetes providers are never mixed; offline, one run is one cluster.

Label selectors answer in three values: True, False, or None when the selector or
the labels are not known yet (preview-time unknowns). An unknown selector matches
nothing and must fire nothing: rules treat None as "cannot tell".

What the set does not spell out is unknown too (docs/sets.md):
- labels controllers add to the pods they create (`pod-template-hash`,
  `statefulset.kubernetes.io/pod-name`, `job-name`, ...) are on no pod template;
- a custom resource (a Prometheus, a database cluster) makes its operator create
  pods, Services and more that no manifest shows: for a rule that sees custom
  resources, "nothing in this namespace matches" becomes undecided;
- offline, one run may hold many apps, or several variants of one (per provider,
  per environment): a lookup keeps the candidates nearest the asking object in the
  file tree (its own file, then its directory, then up), and two copies of one
  object (same kind, namespace and name) left at the same distance are
  alternatives, which leaves the verdict undecided.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policypack.model import CLUSTER_SCOPED_KINDS, Resource
from policypack.values import UNKNOWN, as_list, is_template_text

DEFAULT_NAMESPACE = "default"

#: The option of namespace-sensitive stack rules: where objects that name no
#: namespace will be applied (the engine reads it when it builds the Stack).
NAMESPACE_OPTION: dict[str, dict[str, Any]] = {
    "defaultNamespace": {
        "type": "string",
        "default": DEFAULT_NAMESPACE,
        "description": "The namespace of objects that name none (where they will be applied).",
    }
}


#: Labels controllers add to the pods they create, never written in a pod template
#: (Deployment/ReplicaSet, StatefulSet, DaemonSet and Job controllers).
CONTROLLER_POD_LABELS: frozenset[str] = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "job-name",
        "controller-uid",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-completion-index",
    }
)

#: Custom resources that only configure something else and create no pods, Services
#: or other objects a rule looks up: the Prometheus operator's scrape and rule kinds,
#: GKE's load-balancer settings and certificates, autoscaler settings.
INERT_CUSTOM_KINDS: frozenset[tuple[str, str]] = frozenset(
    [
        *(
            ("monitoring.coreos.com", kind)
            for kind in (
                "ServiceMonitor",
                "PodMonitor",
                "PrometheusRule",
                "Probe",
                "AlertmanagerConfig",
                "ScrapeConfig",
            )
        ),
        ("networking.gke.io", "ManagedCertificate"),
        ("networking.gke.io", "FrontendConfig"),
        ("cloud.google.com", "BackendConfig"),
        ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    ]
)


#: Namespaces where the cluster provider runs its own add-ons (DNS, metrics agents,
#: GKE's managed components): their pods and Services appear in no manifest.
PLATFORM_NAMESPACES: frozenset[str] = frozenset(
    {"kube-system", "kube-public", "kube-node-lease", "gmp-system", "gmp-public", "gke-gmp-system"}
)
_PLATFORM_PREFIXES: tuple[str, ...] = ("gke-managed-",)


def is_platform_namespace(namespace: Any) -> bool:
    return isinstance(namespace, str) and (namespace in PLATFORM_NAMESPACES or namespace.startswith(_PLATFORM_PREFIXES))


class Stack:
    """The resources a stack rule judges together (one cluster), indexed by kind and
    namespace so rules over large sets stay linear in practice."""

    def __init__(
        self,
        resources: Iterable[Resource],
        default_namespace: str = DEFAULT_NAMESPACE,
        unreadable: Iterable[str] = (),
    ) -> None:
        self.resources: list[Resource] = list(resources)
        # Offline: the directories of files of the run with a document that could not
        # be read (invalid YAML): any object may be in it (see `unreadable_near`).
        self._unreadable = frozenset(_directory(file) for file in unreadable)
        self.default_namespace = default_namespace
        self._by_kind: dict[Any, list[Resource]] = {}
        self._by_place: dict[tuple[Any, Any], list[Resource]] = {}  # (kind, namespace or _UNKNOWN_KEY)
        self._order = {id(resource): index for index, resource in enumerate(self.resources)}
        self._label_indexes: dict[tuple[str, str], _LabelIndex] = {}  # built when select_map needs one
        self._labels: dict[int, Any] = {}  # pod labels of the indexed objects
        self._copies: dict[tuple[Any, ...], list[Resource]] = {}  # identity -> every copy of it
        self._makers: dict[Any, list[Resource]] = {}  # namespace -> custom resources that may create objects
        self._floating_ids: set[int] = set()  # objects that name no namespace (see `floating`)
        self._named_namespaces: set[str] = set()  # namespaces objects name explicitly
        self._floating_at: dict[Any, dict[str | None, list[Resource]]] = {}  # kind -> directory -> objects
        for resource in self.resources:
            if self.floating(resource):
                self._floating_ids.add(id(resource))
                directory = _directory(resource.source) if resource.source is not None else None
                self._floating_at.setdefault(resource.kind, {}).setdefault(directory, []).append(resource)
            elif isinstance(resource.namespace, str) and resource.kind not in CLUSTER_SCOPED_KINDS:
                self._named_namespaces.add(resource.namespace)
            self._by_kind.setdefault(resource.kind, []).append(resource)
            where = self.namespace_of(resource)
            place = _UNKNOWN_KEY if where is UNKNOWN else where
            self._by_place.setdefault((resource.kind, place), []).append(resource)
            identity = self._identity(resource)
            if identity is not None:
                self._copies.setdefault(identity, []).append(resource)
            if resource.is_custom_resource and (_group(resource), resource.kind) not in INERT_CUSTOM_KINDS:
                self._makers.setdefault(place, []).append(resource)
        self._contested = {
            id(copy) for copies in self._copies.values() if len(copies) > 1 for copy in copies
        }  # objects defined more than once: alternatives, not one deployment

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def _identity(self, resource: Resource) -> tuple[Any, ...] | None:
        """(group, kind, namespace, name) of a Kubernetes object, None when not known."""
        where = self.namespace_of(resource)
        if not resource.is_kubernetes or where is UNKNOWN or not isinstance(resource.name, str):
            return None
        return (_group(resource), resource.kind, where, resource.name)

    def folder_of(self, resource: Resource) -> str | None:
        """The directory of the file that defines the object (offline); None where
        objects come from no file (a Pulumi stack, which is one deployment)."""
        return _directory(resource.source) if isinstance(resource.source, str) else None

    def has_copies(self, resource: Resource) -> bool:
        """Whether another file of the set defines the same object (docs/sets.md rule 4:
        alternatives, such as an example's simple and production variants side by side)."""
        return id(resource) in self._contested

    def nearer_copy(self, resource: Resource, near: Resource) -> bool:
        """Whether another copy of `resource` (an alternative: the same object defined
        in another file) lies nearer `near` in the file tree: then `near` goes with that
        copy (a Service beside its own variant of the Deployment), not with this one."""
        if id(resource) not in self._contested or near.source is None or resource.source is None:
            return False
        copies = self._copies.get(self._identity(resource), [])
        mine = _distance(near.source, resource.source)
        return any(copy is not resource and _distance(near.source, copy.source) < mine for copy in copies)

    def pod_labels(self, resource: Resource) -> Any:
        """The labels of the object's pods as far as the set knows them: the template's,
        plus the labels its controller adds, whose values are unknown here."""
        labels = patched_pod_labels(resource, resource.pod_labels)
        if resource.kind == "Pod" or resource.builtin_pod_path is None or not isinstance(labels, Mapping):
            return labels
        return {**{key: UNKNOWN for key in CONTROLLER_POD_LABELS}, **labels}

    def may_create(self, namespace: Any, near: Resource | None = None) -> bool:
        """Whether custom resources in the set (that the rule sees) may create objects
        in `namespace` that the set does not spell out (an operator's pods, Services).
        Offline, only those in `near`'s directory, or one above or below it, count."""
        if is_platform_namespace(namespace):
            return True  # the cluster's own add-ons run there, written in no manifest
        if self.unreadable_near(near):
            return True  # a document beside it could not be read: it may hold the object
        makers = [*self._makers.get(_UNKNOWN_KEY, ())]
        if isinstance(namespace, str):
            makers.extend(self._makers.get(namespace, ()))
        return any(_related(near, maker) for maker in makers)

    def unreadable_near(self, near: Resource | None) -> bool:
        """Whether a document of the asking object's directory could not be read
        (offline), so that an object the rule looks for may be in it (corpus26: a
        ConfigMap the OpenTelemetry collector reads its token setting from)."""
        if not self._unreadable or near is None or near.source is None:
            return False
        return _directory(near.source) in self._unreadable

    def resolve(self, selection: Selection, near: Resource | None = None) -> Selection:
        """Keep the matches nearest `near` (the asking object) in the file tree; copies
        of one object left at the same distance from it, in different files, are
        alternatives: they drop out and leave the selection undecided. Each object is
        listed once."""
        matched = selection.matched
        if near is not None and near.source is not None and len(matched) > 1:
            distances = [_distance(near.source, resource.source) for resource in matched]
            nearest = min(distances)
            matched = [resource for resource, d in zip(matched, distances, strict=True) if d == nearest]
        kept: list[Resource] = []
        by_identity: dict[Any, list[Resource]] = {}
        for resource in matched:
            identity = self._identity(resource) if id(resource) in self._contested else None
            if identity is None:
                kept.append(resource)
            else:
                by_identity.setdefault(identity, []).append(resource)
        for copies in by_identity.values():
            if len({copy.source for copy in copies}) > 1:
                selection.undecided = True  # alternatives: which one is deployed is not known
            else:
                kept.append(copies[0])  # the same object written twice in one file
        selection.matched = sorted(kept, key=lambda resource: self._order[id(resource)])
        return selection

    def of_kind(self, *kinds: str) -> list[Resource]:
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        return [r for r in self.resources if r.kind in kinds]

    def floating(self, resource: Resource) -> bool:
        """Whether the object names no namespace though its kind lives in one: where it
        lands is chosen when it is deployed (`kubectl apply -n`, kustomize's
        `namespace:`, Helm's `--namespace`, the Pulumi provider's namespace). It is
        placed in `defaultNamespace` with the other such objects (deployed together,
        they land together), and may as well land in a namespace the set names: a
        verdict that depends on whether it does is undecided (`elsewhere`)."""
        if not resource.is_kubernetes or resource.kind in CLUSTER_SCOPED_KINDS:
            return False
        namespace = resource.namespace
        return namespace is not UNKNOWN and not (isinstance(namespace, str) and namespace)

    def elsewhere(self, namespace: Any, kinds: tuple[str, ...], near: Resource | None) -> list[Resource]:
        """Objects of these kinds placed outside `namespace` that may share it once
        deployed: floating objects (placed in the default namespace) when `namespace`
        is another one, or, when the asking object `near` floats, objects in the other
        namespaces the set names. Only those near the asking object in the file tree
        (its directory, above or below it) count: objects deployed together."""
        if not isinstance(namespace, str) or not self._floating_ids:
            return []
        if namespace != self.default_namespace:
            # Floating objects are indexed by kind and directory: the relatedness test
            # runs once per directory, not once per object (large repositories of
            # namespace-less examples).
            found = [
                r
                for kind in dict.fromkeys(kinds)
                for directory, objects in self._floating_at.get(kind, {}).items()
                if _near_directory(near, directory)
                for r in objects
            ]
            return sorted(found, key=lambda resource: self._order[id(resource)])
        elif near is not None and self.floating(near):
            found = [
                r
                for where in self._named_namespaces
                if where != self.default_namespace
                for r in self._placed(where, kinds)
            ]
        else:
            return []
        return [r for r in found if _related(near, r)]

    def namespace_of(self, resource: Resource) -> Any:
        """The namespace the object lands in: its own, else the run's default; None for
        cluster-scoped kinds and non-Kubernetes resources; UNKNOWN when not known yet."""
        if not resource.is_kubernetes or resource.kind in CLUSTER_SCOPED_KINDS:
            return None
        namespace = resource.namespace
        if namespace is UNKNOWN:
            return UNKNOWN
        return namespace if isinstance(namespace, str) and namespace else self.default_namespace

    def in_namespace(self, namespace: Any, *kinds: str) -> list[Resource]:
        """Objects of these kinds known to be in `namespace` (nothing when it is unknown),
        in the order of the set."""
        if not isinstance(namespace, str):
            return []
        return self._placed(namespace, kinds)

    def _unplaced(self, *kinds: str) -> list[Resource]:
        """Objects of these kinds whose namespace is not known yet."""
        return self._placed(_UNKNOWN_KEY, kinds)

    def _placed(self, where: Any, kinds: tuple[str, ...]) -> list[Resource]:
        if len(kinds) == 1:
            return list(self._by_place.get((kinds[0], where), ()))
        # The kinds often come from a frozenset, whose order changes from run to run:
        # findings and messages must not, so the objects keep the set's order.
        found = [r for kind in dict.fromkeys(kinds) for r in self._by_place.get((kind, where), ())]
        return sorted(found, key=lambda resource: self._order[id(resource)])

    def namespaces(self, *kinds: str) -> list[str]:
        """The known namespaces of the objects of these kinds, sorted."""
        found = {self.namespace_of(r) for r in self.of_kind(*kinds)}
        return sorted(n for n in found if isinstance(n, str))

    def select(
        self, namespace: Any, matches: Callable[[Any], bool | None], *kinds: str, near: Resource | None = None
    ) -> Selection:
        """The objects of these kinds in `namespace` whose pod labels `matches` accepts.
        Undecided when a label set, a namespace or the match is unknown, when a custom
        resource may create the pods the set does not show, or when the matches are
        copies of an object defined more than once (see `resolve`; `near` is the object
        that asks)."""
        selection = Selection()
        if not isinstance(namespace, str):
            selection.undecided = True
            return selection
        for resource in self._unplaced(*kinds):
            if matches(self.pod_labels(resource)) is not False:
                selection.undecided = True  # it may be in this namespace and match
        for resource in self.in_namespace(namespace, *kinds):
            verdict = matches(self.pod_labels(resource))
            if verdict is None:
                selection.undecided = True
            elif verdict:
                selection.matched.append(resource)
        if any(matches(self.pod_labels(r)) is not False for r in self.elsewhere(namespace, kinds, near)):
            selection.undecided = True  # it may land in this namespace and match
        return self._finish(selection, namespace, near)

    def _finish(self, selection: Selection, namespace: Any, near: Resource | None) -> Selection:
        if not selection.matched and self.may_create(namespace, near):
            selection.undecided = True
        return self.resolve(selection, near)

    def select_map(self, namespace: Any, selector: Any, *kinds: str, near: Resource | None = None) -> Selection:
        """`select` with `map_selector_matches(selector, ...)` (a Service's selector),
        looked up in an index of pod labels: a Service's cost does not grow with the
        workloads of its namespace."""
        pairs = _known_pairs(selector)
        if pairs is None or not isinstance(namespace, str) or any(key in CONTROLLER_POD_LABELS for key, _ in pairs):
            matcher = functools.partial(map_selector_matches, selector)
            return self.select(namespace, matcher, *kinds, near=near)
        selection = Selection()
        for resource in self._unplaced(*kinds):
            if map_selector_matches(selector, resource.pod_labels) is not False:
                selection.undecided = True  # it may be in this namespace and match
        found: list[Resource] = []
        for kind in dict.fromkeys(kinds):
            index = self._label_index(kind, namespace)
            postings = [index.by_pair.get(pair, ()) for pair in pairs]
            found.extend(min(postings, key=len))  # those with the rarest pair, then all pairs checked
            found.extend(index.odd)
        for resource in sorted(found, key=lambda r: self._order[id(r)]):
            verdict = map_selector_matches(selector, self._labels[id(resource)])
            if verdict is None:
                selection.undecided = True
            elif verdict:
                selection.matched.append(resource)
        for resource in self.elsewhere(namespace, kinds, near):
            if map_selector_matches(selector, self.pod_labels(resource)) is not False:
                selection.undecided = True  # it may land in this namespace and match
        return self._finish(selection, namespace, near)

    def _label_index(self, kind: str, namespace: str) -> _LabelIndex:
        index = self._label_indexes.get((kind, namespace))
        if index is None:
            index = self._label_indexes[(kind, namespace)] = _LabelIndex()
            for resource in self._by_place.get((kind, namespace), ()):
                labels = self._labels[id(resource)] = resource.pod_labels
                pairs = _known_pairs(labels) if isinstance(labels, Mapping) else None
                if pairs is None:
                    index.odd.append(resource)  # labels not known, or odd: matched one by one
                    continue
                for pair in pairs:
                    index.by_pair.setdefault(pair, []).append(resource)
        return index

    def covered(self, workload: Resource, kind: str, *selector: str) -> bool | None:
        """Whether an object of `kind` in the workload's namespace selects its pods with
        the LabelSelector at path `selector` (a PodDisruptionBudget's `spec.selector`, a
        NetworkPolicy's `spec.podSelector`): True, False, or None when unknowns leave it
        open (the namespace, a selector, or an object of `kind` not placed yet)."""
        namespace = self.namespace_of(workload)
        if not isinstance(namespace, str) or self._unplaced(kind):
            return None
        labels = self.pod_labels(workload)
        verdicts = [
            label_selector_matches(other.get(*selector), labels) for other in self.in_namespace(namespace, kind)
        ]
        if True in verdicts:
            return True
        if any(
            label_selector_matches(other.get(*selector), labels) is not False
            for other in self.elsewhere(namespace, (kind,), workload)
        ):
            return None  # one of them may land beside the workload and select it
        return None if None in verdicts else False

    def find(self, kind: str, name: Any, namespace: Any = None, near: Resource | None = None) -> Any:
        """The object of this kind and name (in `namespace` for namespaced kinds); of
        several copies, the one nearest `near` (see `resolve`).

        None when it is known to be absent; UNKNOWN when unknowns (a name or
        namespace not known yet, an operator that may create it, alternative copies)
        leave it undecided, so a rule must not fire."""
        if not isinstance(name, str) or (namespace is not None and not isinstance(namespace, str)):
            return UNKNOWN
        candidates = self.of_kind(kind) if namespace is None else self.in_namespace(namespace, kind)
        undecided = False
        found = Selection()
        for resource in candidates:
            if resource.name == name or name in resource.deployed_names:
                found.matched.append(resource)
            # A name not known yet, or a template's blank YAML read as structure
            # (`name: {name}`, corpus26's deploy scripts), may be this one.
            undecided = undecided or resource.name is UNKNOWN or isinstance(resource.name, (Mapping, list))
        if found.matched:
            found = self.resolve(found, near)
            return found.matched[0] if found.matched and not found.undecided else UNKNOWN
        if namespace is not None:
            # (A name that is not a string is not known yet, or a template's blank.)
            undecided = undecided or any(not isinstance(r.name, str) or r.name == name for r in self._unplaced(kind))
            undecided = undecided or any(
                not isinstance(r.name, str) or r.name == name for r in self.elsewhere(namespace, (kind,), near)
            )
            undecided = undecided or self.may_create(namespace, near)  # an operator may create it
        return UNKNOWN if undecided else None


def _distance(source: str, other: str | None) -> int:
    """How far `other` is from `source` in the file tree: 0 the same file, 1 the
    same directory, 2 a directory one level up (or beside it), and so on."""
    if other is None:
        return 1 << 20
    if other == source:
        return 0
    here = os.path.dirname(os.path.abspath(source)).split(os.sep)
    there = os.path.dirname(os.path.abspath(other)).split(os.sep)
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    return 1 + len(here) - common


def _related(near: Resource | None, other: Resource) -> bool:
    """Whether `other` is in `near`'s directory, or one above or below it (always, in
    Pulumi, where objects have no file)."""
    if near is None or near.source is None or other.source is None:
        return True
    if near.source == other.source:
        return True
    return _related_directories(near.source, _directory(other.source))


def _near_directory(near: Resource | None, directory: str | None) -> bool:
    """`_related` for every object of one directory (None: objects without a file)."""
    if directory is None or near is None or near.source is None:
        return True
    return _related_directories(near.source, directory)


def _related_directories(source: str, there: str) -> bool:
    """Whether the directory `there` is `source`'s, or above or below it."""
    here = _directory(source)
    return here == there or here.startswith(there + os.sep) or there.startswith(here + os.sep)


@functools.lru_cache(maxsize=4096)
def _directory(source: str) -> str:
    """The directory of a file, absolute (asked for the same few files again and again)."""
    return os.path.dirname(os.path.abspath(source))


def _group(resource: Resource) -> str:
    api_version = resource.api_version
    return api_version.rpartition("/")[0] if isinstance(api_version, str) else ""


#: The index key of objects whose namespace is not known yet.
_UNKNOWN_KEY = object()


@dataclass
class _LabelIndex:
    """The objects of one kind in one namespace by (label, value) of their pods."""

    by_pair: dict[tuple[Any, Any], list[Resource]] = field(default_factory=dict)
    odd: list[Resource] = field(default_factory=list)  # labels unknown, not a mapping, or unhashable


def _known_pairs(mapping: Any) -> list[tuple[Any, Any]] | None:
    """The (key, value) pairs of a non-empty mapping of known, hashable values (not a
    deploy-time placeholder: `${COLOR}`); else None."""
    if not isinstance(mapping, Mapping) or not mapping:
        return None
    pairs = list(mapping.items())
    try:
        hash(tuple(pairs))
    except TypeError:
        return None
    if any(value is UNKNOWN or is_template_text(value) for _, value in pairs):
        return None
    return pairs


@dataclass
class Selection:
    """What a selector picked: the matches, and whether unknowns left it undecided."""

    matched: list[Resource] = field(default_factory=list)
    undecided: bool = False

    @property
    def none(self) -> bool:
        """Known to select nothing."""
        return not self.matched and not self.undecided


def clusters(resources: Iterable[Resource]) -> list[list[Resource]]:
    """Resources split by cluster (`Resource.cluster`), in first-seen order."""
    groups: dict[Any, list[Resource]] = {}
    for resource in resources:
        groups.setdefault(resource.cluster, []).append(resource)
    return list(groups.values())


def labels_of(value: Any) -> Mapping[str, Any] | None:
    """A labels mapping, or None when it is unknown or not a mapping of strings."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        return None
    return value


def patched_pod_labels(resource: Resource, labels: Any) -> Any:
    """The pod labels as the kustomize patches of the run write them (offline): an
    overlay that relabels the pod template (dbca-wa's `app: prs-prod`, which its
    PodDisruptionBudget selects) gives them the patch's value when every overlay
    agrees on it, and an unknown one otherwise. A patch that replaces the whole labels
    map leaves them all unknown."""
    path = resource.pod_metadata_path
    if path is None or not isinstance(labels, Mapping) or not resource.patched(*path, "labels"):
        return labels
    where = (*path, "labels")
    keys = set()
    for patched in resource.patched_paths:
        if not all(a == b or b == "*" for a, b in zip(where, patched, strict=False)):
            continue  # a patch of another field
        if len(patched) <= len(where):
            return UNKNOWN  # the patch writes the labels map itself (or what holds it)
        keys.add(patched[len(where)])
    if "*" in keys:
        return UNKNOWN
    return {**labels, **{key: resource.patched_values.get((*where, key), UNKNOWN) for key in keys}}


def map_selector_matches(selector: Any, labels: Any) -> bool | None:
    """A Service's (or ReplicationController's) plain `selector` map against labels:
    every pair must be present. An empty or missing selector selects nothing."""
    if selector is UNKNOWN or labels is UNKNOWN:
        return None
    if not isinstance(selector, Mapping) or not selector:
        return False
    known = labels_of(labels)
    if known is None:
        return None
    undecided = False
    for key, value in selector.items():
        # A mapping or list where a label value goes is a template's blank that YAML
        # read as structure (`name: {name}`, ClimateWatch in corpus20 and, in the pod
        # labels, corpus26): not known.
        there = known.get(key)
        if (
            value is UNKNOWN
            or there is UNKNOWN
            or isinstance(value, (Mapping, list))
            or isinstance(there, (Mapping, list))
        ):
            undecided = True
        elif there != value:
            if any(is_template_text(v) for v in selector.values()):
                # A deploy-time placeholder (`color: ${LIVE_COLOR}`, corpus27's blue/green
                # Services): the selector is a template, and so is what it selects,
                # rendered from files a lint run may not read (akvo-lumen's
                # `deployment.yaml.template`). (Tested only on a mismatch: it is hot.)
                return None
            if is_template_text(there):
                undecided = True  # a pod label that is a placeholder may be this value
                continue
            return False
    return None if undecided else True


def label_selector_matches(selector: Any, labels: Any, *, empty_matches_all: bool = True) -> bool | None:
    """A `LabelSelector` (`matchLabels` and `matchExpressions`, ANDed) against labels.

    An empty selector `{}` matches everything (as in NetworkPolicy and PDB selectors)
    unless `empty_matches_all` is False; a missing (null) selector matches nothing."""
    if selector is UNKNOWN or labels is UNKNOWN:
        return None
    if not isinstance(selector, Mapping):
        return False
    known = labels_of(labels)
    if known is None:
        return None
    match_labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if match_labels is UNKNOWN or expressions is UNKNOWN:
        return None
    if (match_labels is not None and not isinstance(match_labels, Mapping)) or (
        expressions is not None and not isinstance(expressions, list)
    ):
        return None  # a malformed selector (the API server refuses it): cannot tell
    if not match_labels and not expressions:
        return empty_matches_all
    verdicts: list[bool | None] = []
    if isinstance(match_labels, Mapping) and match_labels:
        verdicts.append(map_selector_matches(match_labels, known))
    for expression in as_list(expressions):
        verdicts.append(_expression_matches(expression, known))
    if False in verdicts:
        return False
    return None if None in verdicts else True


def _expression_matches(expression: Any, labels: Mapping[str, Any]) -> bool | None:
    if not isinstance(expression, Mapping):
        return None
    key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
    if not isinstance(key, str) or not isinstance(operator, str):
        return None
    value = labels.get(key)
    if value is UNKNOWN:
        return None
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if not isinstance(values, list) or any(v is UNKNOWN for v in values):
        return None
    if operator == "In":
        return key in labels and value in values
    if operator == "NotIn":
        return key not in labels or value not in values
    return None  # an operator Kubernetes would refuse: cannot tell
