"""The set of objects a stack rule sees: a Pulumi stack, or every document of a lint run.

Some practices are only visible across objects (a Service that selects no pods, a
Deployment without a PodDisruptionBudget). A stack rule's check receives a `Stack`
holding the resources it targets, all from one cluster: in Pulumi mode resources of
different Kubernetes providers are never mixed; offline, one run is one cluster.

Label selectors answer in three values: True, False, or None when the selector or
the labels are not known yet (preview-time unknowns). An unknown selector matches
nothing and must fire nothing: rules treat None as "cannot tell".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policypack.model import CLUSTER_SCOPED_KINDS, Resource
from policypack.values import UNKNOWN, as_list

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


class Stack:
    """The resources a stack rule judges together (one cluster), indexed by kind and
    namespace so rules over large sets stay linear in practice."""

    def __init__(self, resources: Iterable[Resource], default_namespace: str = DEFAULT_NAMESPACE) -> None:
        self.resources: list[Resource] = list(resources)
        self.default_namespace = default_namespace
        self._by_kind: dict[Any, list[Resource]] = {}
        self._by_place: dict[tuple[Any, Any], list[Resource]] = {}  # (kind, namespace or _UNKNOWN_KEY)
        self._order = {id(resource): index for index, resource in enumerate(self.resources)}
        self._label_indexes: dict[tuple[str, str], _LabelIndex] = {}  # built when select_map needs one
        self._labels: dict[int, Any] = {}  # pod labels of the indexed objects
        for resource in self.resources:
            self._by_kind.setdefault(resource.kind, []).append(resource)
            where = self.namespace_of(resource)
            self._by_place.setdefault((resource.kind, _UNKNOWN_KEY if where is UNKNOWN else where), []).append(resource)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_kind(self, *kinds: str) -> list[Resource]:
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        return [r for r in self.resources if r.kind in kinds]

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

    def select(self, namespace: Any, matches: Callable[[Any], bool | None], *kinds: str) -> Selection:
        """The objects of these kinds in `namespace` whose pod labels `matches` accepts.
        Undecided when a label set, a namespace or the match is unknown."""
        selection = Selection()
        if not isinstance(namespace, str):
            selection.undecided = True
            return selection
        for resource in self._unplaced(*kinds):
            if matches(resource.pod_labels) is not False:
                selection.undecided = True  # it may be in this namespace and match
        for resource in self.in_namespace(namespace, *kinds):
            verdict = matches(resource.pod_labels)
            if verdict is None:
                selection.undecided = True
            elif verdict:
                selection.matched.append(resource)
        return selection

    def select_map(self, namespace: Any, selector: Any, *kinds: str) -> Selection:
        """`select` with `map_selector_matches(selector, ...)` (a Service's selector),
        looked up in an index of pod labels: a Service's cost does not grow with the
        workloads of its namespace."""
        pairs = _known_pairs(selector)
        if pairs is None or not isinstance(namespace, str):
            return self.select(namespace, functools.partial(map_selector_matches, selector), *kinds)
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
        return selection

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
        verdicts = [
            label_selector_matches(other.get(*selector), workload.pod_labels)
            for other in self.in_namespace(namespace, kind)
        ]
        if True in verdicts:
            return True
        return None if None in verdicts else False

    def find(self, kind: str, name: Any, namespace: Any = None) -> Any:
        """The object of this kind and name (in `namespace` for namespaced kinds).

        None when it is known to be absent; UNKNOWN when unknowns (a name or
        namespace not known yet) leave it undecided, so a rule must not fire."""
        if not isinstance(name, str) or (namespace is not None and not isinstance(namespace, str)):
            return UNKNOWN
        candidates = self.of_kind(kind) if namespace is None else self.in_namespace(namespace, kind)
        undecided = False
        for resource in candidates:
            if resource.name == name:
                return resource
            undecided = undecided or resource.name is UNKNOWN
        if namespace is not None:
            undecided = undecided or any(r.name in (UNKNOWN, name) for r in self._unplaced(kind))
        return UNKNOWN if undecided else None


#: The index key of objects whose namespace is not known yet.
_UNKNOWN_KEY = object()


@dataclass
class _LabelIndex:
    """The objects of one kind in one namespace by (label, value) of their pods."""

    by_pair: dict[tuple[Any, Any], list[Resource]] = field(default_factory=dict)
    odd: list[Resource] = field(default_factory=list)  # labels unknown, not a mapping, or unhashable


def _known_pairs(mapping: Any) -> list[tuple[Any, Any]] | None:
    """The (key, value) pairs of a non-empty mapping of known, hashable values; else None."""
    if not isinstance(mapping, Mapping) or not mapping:
        return None
    pairs = list(mapping.items())
    try:
        hash(tuple(pairs))
    except TypeError:
        return None
    if any(value is UNKNOWN for _, value in pairs):
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
        if value is UNKNOWN or known.get(key) is UNKNOWN:
            undecided = True
        elif known.get(key) != value:
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
