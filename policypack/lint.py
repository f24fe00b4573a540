"""Offline linting: inputs -> documents -> objects -> findings with file:line:column.

Files are processed one at a time: a file's node trees are dropped once its findings
are placed, so memory does not grow with the number of files.

Documents are recognised by content, not by file name: a Pulumi stack export
(`pulumi stack export`: `deployment.resources`), a Pulumi preview
(`pulumi preview --json`: `steps` with `op` and `newState`/`oldState`, see
`pulumi_state.is_preview_digest`), or Kubernetes objects (`apiVersion` and `kind`).

Stack rules judge each *set* on its own (docs/sets.md): by default every file of the
run is one set and standard input another (`--sets directory|file` isolate each
directory or file). Fragments (kustomize patches, partial objects) are skipped with a
note (policypack/fragments.py).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policypack.builds import BUILD_FILES, Builds
from policypack.checks import LintWarning, annotation_warnings
from policypack.common_labels import overwritten, with_added_labels
from policypack.engine import ANNOTATION_PREFIX, Engine, Finding, Location, ObjectRef
from policypack.fragments import KUSTOMIZATION_FILES, Fragments, imageless_workload
from policypack.generators import generated
from policypack.images import ARCH_SUFFIX, repository_name
from policypack.loader import (
    STDIN,
    STDIN_NAME,
    Document,
    InputError,
    Note,
    expand_paths,
    parse_documents,
    read_text,
)
from policypack.model import (
    CLUSTER_SCOPED_KINDS,
    POD_KINDS,
    Resource,
    is_custom_api_version,
    is_kubernetes_manifest,
    manifest_objects,
    misplaced_kind,
    resource_from_manifest,
    served_api_version,
)
from policypack.pulumi_state import is_preview_digest, is_stack_export, preview_resources, stack_resources
from policypack.sets import SET_MODES, set_key, unreadable_placeholders
from policypack.spill import FindingStore, ObjectStore
from policypack.values import as_mapping, format_path, get


@dataclass
class LintResult:
    # In the order they were made; past a threshold kept in a temporary file (spill.py).
    findings: FindingStore = field(default_factory=FindingStore)
    errors: list[InputError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    warnings: list[LintWarning] = field(default_factory=list)  # what the user wrote that had no effect
    sources: list[str] = field(default_factory=list)  # inputs in the order they were read
    files: int = 0
    documents: int = 0
    objects: int = 0
    # Every object judged, where it starts, and the rules that saw it (for JUnit reports).
    checks: list[tuple[ObjectRef, Location, tuple[str, ...]]] = field(default_factory=list)
    keep_checks: bool = True  # False when no report needs `checks` (only JUnit lists passed checks)
    # Objects the stack rules will see at the end of the run, with where their fields are
    # (past a threshold their data and positions wait in a temporary file: spill.py).
    pending: ObjectStore = field(default_factory=ObjectStore, repr=False)
    sets: str = "run"  # how objects are grouped for the stack rules (SET_MODES)
    fragments: Fragments = field(default_factory=Fragments, repr=False)
    builds: Builds = field(default_factory=Builds, repr=False)  # kustomize and skaffold (builds.py)
    # The programs (images' repository names) of each pod-bearing object, by (file,
    # kind, namespace, name): copies of one object run the same programs; two apps'
    # same-named objects need not (fold_copies).
    images: dict[tuple[Any, ...], tuple[str, ...]] = field(default_factory=dict, repr=False)
    # What each finding's field holds (a digest), by (file, kind, namespace, name, rule,
    # path): copies whose rule reports the same field holding the same value are one
    # root cause even when the messages differ (fold_copies).
    field_values: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False)
    # The first sign that the run holds a local development stack (file, line, what):
    # the text report then names the `correctness` profile (`local_stack_sign`).
    local_stack: tuple[str, int | None, str] | None = None

    @property
    def rule_errors(self) -> list[Finding]:
        if isinstance(self.findings, FindingStore):
            return list(self.findings.errors)  # without reading back spilled findings
        return [f for f in self.findings if f.error]


def lint_paths(
    paths: Iterable[str],
    engine: Engine,
    stdin: Any = None,
    allow_empty: bool = False,
    implicit_stdin: bool = False,
    sets: str = "run",
    checks: bool = True,
    exclude: Sequence[str] = (),
) -> LintResult:
    """Lint every input. Unless `allow_empty`, an input that gives nothing to lint (an
    empty pipe, a directory without YAML, a Helm chart's folder) is an error: in a CI
    gate it usually means the command before the pipe failed or the path is wrong.
    `implicit_stdin`: no path was given, so stdin is read (`policypack lint < x`).
    `sets` says how objects are grouped for the stack rules (see docs/sets.md).
    `checks`: keep every judged object in `LintResult.checks` (for JUnit reports).
    `exclude`: patterns of paths a directory walk skips (`loader.excluded`)."""
    if sets not in SET_MODES:
        raise ValueError(f"sets must be one of {', '.join(SET_MODES)}, not {sets!r}")
    result = LintResult(sets=sets, keep_checks=checks)
    try:
        charts = _lint_inputs(paths, engine, stdin, allow_empty, implicit_stdin, result, exclude)
        run_stack_rules(engine, result)
        fold_copies(result, engine.registry)
    finally:
        gc.unfreeze()
    for chart in charts:
        how = f"lint its output instead: helm template NAME {chart} | policypack lint -"
        if result.objects or allow_empty:
            result.warnings.append(LintWarning(chart, f"Helm chart: its templates were not linted; {how}"))
        else:
            result.errors.append(
                InputError(chart, f"is a Helm chart, whose templates are not YAML until rendered; {how}", empty=True)
            )
    return result


#: The note `expand_paths` gives for a Helm chart's templates folder.
_CHART_TEMPLATES = "skipped Helm chart templates"


def _directories_of(paths: Iterable[str], items: list[Any]) -> list[str]:
    """The directories of the run's files, and those above them up to the path the run
    was given (where a Tiltfile may sit: policypack/builds.py)."""
    roots = [
        os.path.abspath(p) if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in paths if p != STDIN
    ]
    found: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str) or item == STDIN:
            continue
        directory = os.path.dirname(os.path.abspath(item))
        root = max((r for r in roots if directory == r or directory.startswith(r + os.sep)), key=len, default=directory)
        while directory not in found:
            found[directory] = None
            if directory == root or os.path.dirname(directory) == directory:
                break
            directory = os.path.dirname(directory)
    return list(found)


def _lint_inputs(
    paths: Iterable[str],
    engine: Engine,
    stdin: Any,
    allow_empty: bool,
    implicit_stdin: bool,
    result: LintResult,
    exclude: Sequence[str] = (),
) -> list[str]:
    """Lint every input into `result`; return the Helm charts whose templates were skipped."""
    charts: list[str] = []
    paths = list(paths)
    items = list(expand_paths(paths, exclude))
    # How builds in the run deploy images is known before the first file is judged.
    result.builds = Builds(i for i in items if isinstance(i, str) and os.path.basename(i) in BUILD_FILES)
    result.builds.add_tiltfiles(_directories_of(paths, items))
    result.builds.add_ci_files(p for p in paths if p != STDIN)
    for item in items:
        if isinstance(item, InputError):
            if not (allow_empty and item.empty):
                result.sources.append(item.file)
                result.errors.append(item)
        elif isinstance(item, Note):
            result.notes.append(item)
            if item.message.startswith(_CHART_TEMPLATES):
                charts.append(os.path.dirname(item.file) or ".")
        else:
            name = STDIN_NAME if item == STDIN else item
            text = read_text(item, stdin)
            result.sources.append(name)
            result.files += 1
            if isinstance(text, InputError):
                result.errors.append(text)
                continue
            documents = result.documents
            lint_text(name, text, engine, result)
            if item == STDIN and result.documents == documents and not allow_empty:
                what = (
                    "no path was given, so standard input was read, and it is empty (is a path variable empty?)"
                    if implicit_stdin
                    else "no YAML documents on standard input (did the command before the pipe fail?)"
                )
                result.errors.append(InputError(name, f"{what}; use --allow-empty if that is expected", empty=True))
        # What is alive between files is kept to the end of the run (findings, the
        # objects for the stack rules): freezing it spares the cyclic garbage
        # collector from walking all of it again on every full collection, which
        # made time grow faster than the documents. lint_paths unfreezes when done.
        result.findings.flush()  # past a threshold, the file's findings go to disk
        gc.freeze()
    return charts


def run_stack_rules(engine: Engine, result: LintResult) -> None:
    """The stack rules over every object of the run that they target (after all
    inputs are read: the objects of one set may be split across files)."""
    pending, result.pending = result.pending, ObjectStore()
    if not pending:
        return
    origin = {id(resource): positions for resource, positions in pending if positions is not None}
    # A document that could not be read may hold an object a stack rule looks for (not
    # one that was read and is refused, such as a Service of apps/v1: it holds none).
    unreadable = {error.file for error in result.errors if _unreadable(error)}
    resources = [resource for resource, _ in pending]

    def place(finding: Finding, resource: Resource) -> Finding:
        location = None
        if id(resource) in origin:
            positions = origin[id(resource)]
            location = Location(positions.file, *positions.locate(finding.path))
        finding = _as_built(finding, resource)
        if location is not None:
            _note_field(result, location.file, finding, resource)
        return dataclasses.replace(finding, location=location)

    for count, (finding, _) in enumerate(engine.run_stack(resources, unreadable, place), 1):
        result.findings.append(finding)
        if count % 5000 == 0:
            result.findings.flush()  # the stack rules' findings spill as they come, too
    result.findings.flush()
    pending.close()


def _unreadable(error: InputError) -> bool:
    """Whether an input error left a document of the file unread: a parse error, text
    that is not text, a file that cannot be read (not an object that was read and is
    invalid, nor a duplicate key, which the reader resolves)."""
    message = error.message
    if error.empty or "duplicate key" in message:
        return False
    return "parse error" in message or message.startswith(("cannot read", "binary file", "invalid UTF"))


def _shown_path(file: str, finding: Finding) -> str:
    """How a copy's file is named in the finding's message: its base name, or its path
    relative to the finding's directory when the base names are the same (voyager's
    `demo-0.yaml` and `rbac/demo-0.yaml`, which read as the file itself)."""
    own = finding.location.file if finding.location else None
    if own is None or os.path.basename(own) != os.path.basename(file):
        return os.path.basename(file)
    return os.path.relpath(file, os.path.dirname(own))


def _as_built(finding: Finding, resource: Any) -> Finding:
    """The finding, saying so when it is about labels a kustomization overwrites: the
    file shows other values than the ones judged (corpus20's FalkorDB budget)."""
    rewritten = getattr(resource, "overwritten_labels", None)
    if not rewritten or finding.error:
        return finding
    for path, written in rewritten.items():
        shorter = min(len(path), len(finding.path))
        if path[:shorter] == tuple(finding.path[:shorter]):
            note = f" (as built: the kustomization's commonLabels write {written} into {format_path(path)})"
            return dataclasses.replace(finding, message=finding.message + note)
    return finding


def _same_cause(entries: list[tuple[int, str, str, int | None]]) -> list[list[tuple[int, str]]]:
    """The findings of one rule at one field of copies of an object, in groups of one
    root cause: the same words, or the same value in that field (one copy's env lists
    a third credential after the same first one: corpus25's osixia examples; a
    different credential at the same place is another cause). When a file has two
    findings in one group, only the same words make one."""
    groups: list[list[tuple[int, str, str, int | None]]] = []
    for entry in entries:
        joined = [g for g in groups if any(_joins(entry, other) for other in g)]
        merged = [entry, *(e for g in joined for e in g)]
        groups = [g for g in groups if not any(g is j for j in joined)] + [sorted(merged)]
    out: list[list[tuple[int, str]]] = []
    for group in sorted(groups):
        files = [file for _, file, _, _ in group]
        if len(files) == len(set(files)):
            out.append([(index, file) for index, file, _, _ in group])
            continue
        by_words: dict[str, list[tuple[int, str]]] = {}
        for index, file, message, _ in group:
            by_words.setdefault(message, []).append((index, file))
        out.extend(by_words.values())
    return out


def _without_names(message: str, name: Any) -> str:
    """The message with the object's own name left out, so that per-architecture copies
    (`DaemonSet kube-flannel-ds-arm64`) say the same words."""
    if not isinstance(name, str) or not name:
        return message
    family = ARCH_SUFFIX.sub("", name)
    return message.replace(name, family) if family != name else message


def _joins(entry: tuple[int, str, str, int | None], other: tuple[int, str, str, int | None]) -> bool:
    return entry[1] != other[1] and (entry[2] == other[2] or (entry[3] is not None and entry[3] == other[3]))


#: Words that name an environment in a namespace (`tool-preprod`, `tool-production`).
_ENVIRONMENT_WORDS = frozenset(
    {"prod", "production", "preprod", "staging", "stage", "dev", "development", "test", "qa", "uat", "live"}
)
_NAME_WORDS = re.compile(r"[-_.]")


def _environment_family(namespace: Any) -> Any:
    """The namespace without its environment words: one app's copies for preprod and
    production, each in its own namespace, are copies of one object (corpus34's
    Ministry of Justice Services, `...-preprod` and `...-production`)."""
    if not isinstance(namespace, str):
        return namespace
    words = [w for w in _NAME_WORDS.split(namespace.lower()) if w not in _ENVIRONMENT_WORDS]
    return "-".join(words) if words else namespace


def _copy_key(finding: Finding, result: LintResult) -> tuple[Any, ...] | None:
    """What two findings on copies of an object must share to be one: the rule, the
    object's identity, its images (for a pod-bearing object), the field and the
    container, within one set (then the same words or the same value in the field:
    `_same_cause`); None for a finding that is never folded (a rule failure, a
    suppressed one, one without a file or an object name)."""
    location, ref = finding.location, finding.object
    if finding.error or finding.suppression is not None or location is None or not isinstance(ref.name, str):
        return None
    where = set_key(location.file, result.sets)
    return (
        where,
        result.images.get((location.file, ref.kind, ref.namespace, ref.name)),
        finding.rule,
        _api_family(ref.api_version),
        ref.kind,
        # (a cluster-scoped object's written namespace is ignored: corpus47's
        # PersistentVolume written with one in a base and without in the overlay's copy)
        None if ref.kind in CLUSTER_SCOPED_KINDS else _environment_family(ref.namespace),
        ARCH_SUFFIX.sub("", ref.name),
        finding.path,
        finding.container,
    )


def _api_family(api_version: Any) -> Any:
    """What two copies' apiVersions must share: Kubernetes' own groups are one family,
    so an `extensions/v1beta1` Deployment and its `apps/v1` export are one object's
    copies (corpus41's NFS provisioner); a custom resource's group, whatever version."""
    if not isinstance(api_version, str) or not is_custom_api_version(api_version):
        return "kubernetes" if isinstance(api_version, str) else api_version
    return api_version.rpartition("/")[0]


def _note_field(result: LintResult, file: str, finding: Finding, resource: Any) -> None:
    """Record what the finding's field holds, for fold_copies (nothing for a failure)."""
    ref = finding.object
    if finding.error or not isinstance(ref.name, str):
        return
    value = get(resource.props, *finding.path)
    text = json.dumps(value, sort_keys=True, default=str)
    result.field_values[(file, ref.kind, ref.namespace, ref.name, finding.rule, finding.path)] = hash(text)


def fold_copies(result: LintResult, registry: Any = None) -> None:
    """One finding per root cause across copies of one object (docs/sets.md rule 4):
    when two files of a set define the same object and a rule says the same of both
    (`_same_cause`: a per-provider `deploy.yaml`, one Deployment written in two files), the
    finding of the first file stays and the others are folded under it, each at its
    own file and line, its message naming how many other files repeat it. Pod-bearing
    objects are copies only if they run the same programs (images' repository names,
    whatever registry or tag: a release manifest of pinned images and the dev manifest
    beside it are copies); an app's `redis` beside another that runs a second program
    is reported on its own."""
    grouped: dict[tuple[Any, ...], list[tuple[int, str, str, int | None]]] = {}
    for index, finding in enumerate(result.findings):
        key = _copy_key(finding, result)
        if key is not None:
            file = finding.location.file  # type: ignore[union-attr]
            ref = finding.object
            value = result.field_values.get((file, ref.kind, ref.namespace, ref.name, finding.rule, finding.path))
            # Where the copy is: its file, and its name (per-architecture copies share a file).
            place = f"{file}\0{ref.name}"
            grouped.setdefault(key, []).append((index, place, _without_names(finding.message, ref.name), value))
    keys: dict[tuple[Any, ...], list[tuple[int, str]]] = {}
    for key, entries in grouped.items():
        rule = key[2]
        by_field = registry is not None and rule in registry and registry.get(rule).copies_fold_by_field
        clusters = [[(index, file) for index, file, _, _ in entries]] if by_field else _same_cause(entries)
        for number, cluster in enumerate(clusters):
            keys[(*key, number)] = cluster
    primary_of: dict[int, int] = {}
    for entries in keys.values():
        if len({place for _, place in entries}) < 2:
            continue  # one object: not copies (a rule that names a field twice is its own business)
        first = entries[0][0]
        for index, _ in entries[1:]:
            primary_of[index] = first
    if not primary_of:
        return
    folded: dict[int, list[Finding]] = {}
    for index, finding in enumerate(result.findings):
        if index in primary_of:
            folded.setdefault(primary_of[index], []).append(finding)
    store = FindingStore(result.findings.spill_after)
    for index, finding in enumerate(result.findings):
        if index in primary_of:
            continue
        copies = folded.get(index)
        if copies:
            own = finding.location.file if finding.location else None
            files = list(dict.fromkeys(_shown_path(f.location.file, finding) for f in copies if f.location))
            here = [f for f in copies if f.location and f.location.file == own]
            if here and len(files) == 1 and files[0] == _shown_path(own, finding):
                # Copies in the same file: per-architecture objects (one object's copies).
                names = list(dict.fromkeys(f"{f.object.kind} {f.object.name}" for f in here))
                shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
                also = f"also on {len(names)} other cop{'ies' if len(names) > 1 else 'y'} in this file: {shown}"
            else:
                shown = ", ".join(files[:3]) + (", ..." if len(files) > 3 else "")
                also = f"also in {len(files)} other file{'s' if len(files) > 1 else ''}: {shown}"
            message = f"{finding.message} ({also})"
            finding = dataclasses.replace(finding, folded=(*finding.folded, *copies), message=message)
        store.append(finding)
        if index % 5000 == 4999:
            store.flush()
    store.flush()
    result.findings.close()
    result.findings = store


def with_copies(findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings, each followed by the findings of its own rule folded under it:
    those of copies of its object (`fold_copies`) and the repeats of a rule that
    reports once per object (folding.py). What a baseline records and matches, so that
    an edit to one copy (which ends the fold) finds the other's finding recorded too,
    and a repeat added later is new (`BaselineMatch.baselined`)."""
    for finding in findings:
        yield finding
        for other in finding.folded:
            if other.rule == finding.rule:
                yield other


def lint_text(name: str, text: str, engine: Engine, result: LintResult) -> None:
    unreadable = False
    # A file of Kubernetes objects with a document that is no object (a stray line of
    # text: corpus46's OpenShift CronJob file opening with a bare URL) is refused whole
    # by kubectl; a file of something else is only skipped. Documents are read one at
    # a time (a rendered chart may hold thousands), so such documents wait, with the
    # place their note would take, until the file is read.
    holds_objects = False
    strays: list[tuple[Document, int]] = []
    for item in parse_documents(name, text):
        if isinstance(item, InputError):
            result.errors.append(item)
            unreadable = unreadable or "duplicate key" not in item.message
            continue
        if item.data is not None:
            result.documents += 1
        if item.data is not None and not isinstance(item.data, Mapping):
            strays.append((item, len(result.notes)))
            continue
        holds_objects = holds_objects or (
            isinstance(item.data, Mapping) and "kind" in item.data and "apiVersion" in item.data
        )
        lint_document(item, engine, result)
    if holds_objects:
        for item, _ in strays:
            shape = _shape(item.data)
            message = f"invalid document: a {shape} among Kubernetes objects, not an object (kubectl refuses the file)"
            result.errors.append(InputError(item.file, message, item.line, 1))
    else:
        for item, place in reversed(strays):  # (from the last, so the earlier places hold)
            note = f"skipped: document is a {_shape(item.data)}, not an object"
            result.notes.insert(place, Note(item.file, note, item.line))
    if unreadable:
        # What the unreadable part holds is unknown: the set's "nothing provides X"
        # verdicts must not rest on its absence (a Go template that defines the pods).
        for placeholder in unreadable_placeholders(name, text, result.sets):
            if engine.stack_rules_for(placeholder):
                result.pending.append((placeholder, None))


def lint_document(document: Document, engine: Engine, result: LintResult) -> None:
    data = document.data
    if data is None:
        return  # empty or comment-only document
    if is_stack_export(data) or is_preview_digest(data):
        resources = stack_resources(data) if is_stack_export(data) else preview_resources(data)
        for resource, base in resources:
            _judge(document, resource, base, engine, result)
        return
    if isinstance(data, Mapping) and os.path.basename(document.file) in KUSTOMIZATION_FILES:
        for made in generated(document):  # its secretGenerator's and configMapGenerator's objects
            lint_document(made, engine, result)
    if not isinstance(data, Mapping):
        result.notes.append(Note(document.file, f"skipped: document is a {_shape(data)}, not an object", document.line))
        return
    has_kind, has_version = "kind" in data, "apiVersion" in data
    if (
        has_kind
        and not has_version
        and data.get("kind") in CORE_KINDS
        and isinstance(data.get("metadata"), Mapping)
        and result.fragments.why_fragment(document.file, data) is None
    ):
        # A Kubernetes object that lost its apiVersion (kong-dist-kubernetes' admin
        # Service): kubectl and the API server refuse it, so it is an error, not a
        # YAML file of another tool to skip quietly.
        line, column = document.locate(())
        result.errors.append(
            InputError(
                document.file,
                f"invalid Kubernetes object: {data['kind']} {_name_of(data)}has no apiVersion "
                "(kubectl and the API server refuse it)",
                line,
                column,
            )
        )
        return
    if not (has_kind and has_version):
        missing = "kind" if has_version else "apiVersion" if has_kind else "apiVersion and kind"
        result.notes.append(Note(document.file, f"skipped: not a Kubernetes object (no {missing})", document.line))
        return
    if not is_kubernetes_manifest(data):
        bad = "kind" if not isinstance(data["kind"], str) else "apiVersion"
        line, column = document.locate((bad,))
        result.errors.append(
            InputError(document.file, f"invalid Kubernetes object: {bad} must be a string", line, column)
        )
        return
    where = misplaced_kind(data["apiVersion"], data["kind"])
    if where is not None:
        # joshperry/mail's Services say `apiVersion: apps/v1`: kubectl finds no such kind
        # there and the API server refuses it, so it is judged as nothing.
        line, column = document.locate(("apiVersion",))
        message = f"invalid Kubernetes object: {data['apiVersion']} serves no kind {data['kind']} (it is in {where})"
        result.errors.append(InputError(document.file, message, line, column))
        _stand_in(document, data, engine, result)
        return
    skipped: list[tuple] = []
    for manifest, base in manifest_objects(data, skipped=skipped):
        metadata = manifest.get("metadata")
        if metadata is not None and not isinstance(metadata, Mapping):
            # The API server refuses it; judging it would pass it on nothing.
            line, column = document.locate((*base, "metadata"))
            message = f"malformed {manifest.get('kind')}: metadata must be a mapping, got a {_shape(metadata)}"
            result.errors.append(InputError(document.file, message, line, column))
            continue
        why = result.fragments.why_fragment(document.file, manifest)
        if why is not None:
            line, _ = document.locate(base)
            result.notes.append(Note(document.file, f"skipped {manifest['kind']}: {why}", line))
            if result.fragments.patch_of(document.file) is None and imageless_workload(manifest):
                _stand_in_as(document, manifest, engine, result)  # its pods are real, its images filled in later
            continue
        name = get(manifest, "metadata", "name")
        deleter = result.builds.deleted(document.file, manifest.get("kind"), name) if result.builds else None
        if deleter is not None:
            line, _ = document.locate(base)
            what, where = f"{manifest['kind']} {name}", os.path.relpath(deleter)
            message = f"skipped {what}: a `$patch: delete` in the kustomization of {where} removes it"
            result.notes.append(Note(document.file, message, line))
            continue
        resource = _as_deployed(document.file, manifest, result)
        if result.local_stack is None:
            sign = local_stack_sign(resource)
            if sign is not None:
                result.local_stack = (document.file, document.locate((*base, *sign[0]))[0], sign[1])
        _judge(document, resource, base, engine, result)
    for path in skipped:
        line, _ = document.locate(path)
        result.notes.append(Note(document.file, f"skipped {format_path(path)}: not a Kubernetes object", line))


#: Storage provisioners only a local cluster has: minikube's and Docker Desktop's.
_LOCAL_PROVISIONERS = frozenset({"k8s.io/minikube-hostpath", "docker.io/hostpath"})


def local_stack_sign(resource: Any) -> tuple[tuple[Any, ...], str] | None:
    """(path, what) of what says the object belongs to a local development stack: a
    container whose image is never pulled (`imagePullPolicy: Never`: it exists only
    where it was loaded by hand, in kind, minikube or Docker Desktop), or a StorageClass
    of minikube's or Docker Desktop's provisioner; None otherwise. A hint only: no rule
    reads it (a verdict that depended on it could not be the same in Pulumi, where a
    resource policy sees one resource)."""
    if resource.kind == "StorageClass" and resource.get("provisioner") in _LOCAL_PROVISIONERS:
        return ("provisioner",), f"a {resource.get('provisioner')} StorageClass"
    for container in resource.containers():
        if container.get("imagePullPolicy") == "Never":
            return (*container.path, "imagePullPolicy"), "imagePullPolicy: Never"
    return None


#: Kinds that only a Kubernetes object carries: a document of one of them with
#: metadata but no apiVersion is a manifest missing its apiVersion.
CORE_KINDS = (
    POD_KINDS
    | CLUSTER_SCOPED_KINDS
    | {
        "ConfigMap",
        "Secret",
        "Service",
        "ServiceAccount",
        "Ingress",
        "NetworkPolicy",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Role",
        "RoleBinding",
    }
)


def _as_deployed(file: str, manifest: Mapping[str, Any], result: LintResult) -> Resource:
    """The object as the kustomizations of the run that build this file deploy it:
    their labels added, images, namespace, names and the fields their patches write."""
    added_labels = result.builds.added_labels(file) if result.builds else ()
    resource = resource_from_manifest(with_added_labels(manifest, added_labels))
    if added_labels:
        resource.overwritten_labels = overwritten(manifest, added_labels)
    if result.builds:
        resource.deployed_images = result.builds.deployed_images(file, _images(resource))
        resource.added_labels = added_labels
        resource.deployed_namespace = result.builds.namespace(file)
        resource.deployed_names = result.builds.deployed_names(file, resource.name)
        resource.patched_labels = result.builds.patched_labels(file, resource.kind, resource.name)
        resource.patched_paths = result.builds.patched_paths(file, resource.kind, resource.name, resource.props)
        if resource.patched_paths:
            resource.patched_values = result.builds.patched_values(file, resource.kind, resource.name)
    return resource


def _stand_in(document: Document, data: Mapping[str, Any], engine: Engine, result: LintResult) -> None:
    """Keep a refused object's best reading for the stack rules: a Service meant for
    the pods of a Deployment written `apiVersion: v1` is not also told it selects none
    (corpus41's Rellikia). Its content is read as written, at the apiVersion its kind
    is served at, so a selector it cannot satisfy is still reported (a stand-in of
    unknown content left every selector of the namespace undecided and lost a true
    finding there). Its own findings are not reported (`Resource.stand_in`)."""
    served = served_api_version(data["kind"])
    if served is not None:
        _stand_in_as(document, {**data, "apiVersion": served}, engine, result)


def _stand_in_as(document: Document, data: Mapping[str, Any], engine: Engine, result: LintResult) -> None:
    """Put an object the run does not judge into the set, for the other objects'
    verdicts only (`Resource.stand_in`)."""
    resource = _as_deployed(document.file, data, result)
    resource.stand_in = True
    resource.source = document.file
    resource.cluster = set_key(document.file, result.sets)
    if engine.stack_rules_for(resource):
        result.pending.append((resource, None))


def _name_of(data: Mapping[str, Any]) -> str:
    name = get(data, "metadata", "name")
    return f"{name} " if isinstance(name, str) and name else ""


def _images(resource: Any) -> list[str]:
    """The images (stripped) written in an object's pod specs."""
    views = resource.pod_views() or [resource]
    images = (container.get("image") for view in views for container in view.containers())
    return [image.strip() for image in images if isinstance(image, str)]


def _judge(document: Document, resource: Any, base: tuple, engine: Engine, result: LintResult) -> None:
    result.objects += 1
    resource.source = document.file
    if resource.cluster is None:
        resource.cluster = set_key(document.file, result.sets)
    ref = ObjectRef.of(resource)
    if resource.pod_spec is not None or resource.pod_views():
        # The programs it runs, whatever registry or tag (a release manifest pins the
        # images a dev manifest leaves to skaffold: copies of one app all the same).
        programs = sorted({repository_name(image) for image in _images(resource)})
        result.images[(document.file, ref.kind, ref.namespace, ref.name)] = tuple(programs)
    if result.keep_checks:
        rules = [rule for _, judging in engine.judged(resource) for rule in judging] + engine.stack_rules_for(resource)
        names = tuple(dict.fromkeys(r.name for r in rules))
        names = _RULE_NAMES.setdefault(names, names)  # one tuple per set of rules, not per object
        result.checks.append((ref, Location(document.file, *document.locate(base)), names))
    for finding in engine.run(resource, ref):
        line, column = document.locate(base + finding.path)
        if finding.folded:  # findings of the same root cause, each at its own line
            folded = tuple(
                dataclasses.replace(f, location=Location(document.file, *document.locate(base + f.path)))
                for f in finding.folded
            )
            finding = dataclasses.replace(finding, folded=folded)
        finding = _as_built(finding, resource)
        _note_field(result, document.file, finding, resource)
        result.findings.append(dataclasses.replace(finding, location=Location(document.file, line, column)))
    if any(isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) for key in _all_annotations(resource)):
        result.warnings.extend(
            annotation_warnings(resource, engine.registry, document.file, lambda path: document.locate(base + path))
        )
    if engine.stack_rules_for(resource):
        # Kept to the end of the run with the positions of its fields, not the
        # document's node tree (several times larger): the file's nodes are dropped.
        result.pending.append((resource, document.positions(base)))


#: The tuples of rule names `LintResult.checks` holds, shared by the objects of a kind.
_RULE_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _all_annotations(resource: Any) -> list[Any]:
    keys = list(resource.annotations)
    pod_metadata = resource.pod_metadata_path
    if pod_metadata is not None and pod_metadata != ("metadata",):
        keys.extend(as_mapping(resource.get(*pod_metadata, "annotations")))
    return keys


def _shape(data: Any) -> str:
    if isinstance(data, list):
        return "list"
    if isinstance(data, str):
        return "string"
    return f"{type(data).__name__} value"
