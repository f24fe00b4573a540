"""Images that a build in the run sets at deploy time: kustomize `images`, skaffold, Tilt, CI.

A repository's manifests often name an image without the tag that will run:

- a kustomize base says `image: registry.k8s.io/sig-storage/csi-provisioner`, and
  each overlay that deploys it sets the tag (`images: [{name: ..., newTag: v5.1.0}]`);
- skaffold builds the images its `build.artifacts` name and deploys the manifests
  with each one replaced by `name:tag@sha256:...`.

Linting the repository (rather than `kustomize build` or `skaffold render` output),
`require-pinned-images` would call those images unpinned, which the deployed objects
are not. `Builds` reads the kustomizations and skaffold configs among the run's
files and tells, for a file and an image written in it, which references are
deployed (`deployed`):

- **kustomize**: a kustomization applies to the files of its directory that it
  names (a file beside it that it does not name is no part of its build: corpus33's
  leftover `prod/cronjob.yaml`), the files
  its `resources` name in other folders (`cms/deployment.yml`), and the directories
  its `resources`, `bases` and `components` name (following the kustomizations found
  there). Only the outermost kustomizations of the run (those
  no other one names) deploy; each one's image entries, with those of the
  kustomizations it includes, rewrite the image (`newName`, `newTag`, `digest`;
  the outer entry wins). A file that several overlays deploy has one deployed
  reference per overlay; a file no kustomization reaches is deployed as written.
- **skaffold**: an artifact's image in a file under the config's directory is
  built and deployed by digest.
- **Tilt**: an image a `Tiltfile` builds (`docker_build('worker', ...)`,
  `custom_build`, `docker_build_with_restart`) in a file under the Tiltfile's
  directory is built and deployed by Tilt with a tag of its own (corpus28's Chroma
  dev manifests, `image: worker`). A Tiltfile is found in the directories of the
  run's files, and above them up to the path the run was given.

- **CI that sets the image at deploy time**: a repository's deploy pipeline (GitHub
  Actions workflows, GitLab CI) that runs `kustomize edit set image NAME=REF` with a
  variable in REF (`hashpost-backend=$REGISTRY/hashpost-backend:${{ ...image_tag }}`,
  corpus37's hashpost) deploys NAME by a reference of that run: what the files
  write for it (`newTag: latest`) is not what runs. The pipeline files are read at
  the root of the repository that holds each path of the run (the nearest folder
  above it with `.git`, else the path itself).

The kustomizations also say where the objects land and how they are labelled: a
kustomization's `namespace` replaces the namespace written in the files it deploys
(`namespace`, read as `Resource.namespace`: Cortex's files say `default`, its
kustomization `cortex`), its `commonLabels` are written into labels, selectors and
pod templates as kustomize writes them (`added_labels`, policypack/common_labels.py),
and the labels its strategic-merge patches set on an object are kept for it
(`patched_labels`: a Namespace an overlay labels for a mesh's sidecar
injection, as Kuma's demo does), with the paths its patches write
(`patched_paths`, strategic-merge and JSON 6902 patches, list positions as `*`):
the pack does not merge patches, so a rule that judges such a field
(`Resource.patched`: an Ingress's `spec.tls`, a count, a container's `resources`)
leaves it unknown; so does the count its `replicas` field sets. An object that a
`$patch: delete` patch of every kustomization deploying it removes is not judged
(`deleted`; a note says so). A patch with a `target` applies to the objects the
target names, whatever name the patch itself writes (`metadata: {name: not-important}`).

Pulumi hands the pack the objects as deployed, so this is offline only.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from policypack.fragments import KUSTOMIZATION_FILES
from policypack.images import split_image
from policypack.loader import Document, parse_documents
from policypack.values import UNKNOWN

SKAFFOLD_FILES: tuple[str, ...] = ("skaffold.yaml", "skaffold.yml")
TILTFILE = "Tiltfile"
# The image a Tiltfile builds: the first argument (or `ref=`) of its build functions.
_TILT_BUILD = re.compile(
    r"\b(?:docker_build|docker_build_with_restart|custom_build)\(\s*(?:ref\s*=\s*)?['\"]([^'\"\s]+)['\"]"
)
#: The names of the files `Builds` reads among a run's files.
BUILD_FILES = frozenset(KUSTOMIZATION_FILES + SKAFFOLD_FILES)
#: Deploy pipelines of a repository, relative to its root (the `.github` folder is
#: hidden, so never among the run's files).
CI_FILES = (".github/workflows/*.yml", ".github/workflows/*.yaml", ".gitlab-ci.yml", ".gitlab-ci.yaml")
# `kustomize edit set image` and its arguments, up to the end of the shell command.
_ACTIONS_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_SET_IMAGE = re.compile(r"\bkustomize\s+edit\s+set\s+image\s+((?:[^;&|#\n\\]|\\\n)+)")
_INCLUDE_KEYS = ("resources", "bases", "components")
_MAX_DEPTH = 32  # kustomizations that include each other in a loop stop here


def _read(path: str) -> Any:
    """The first document of a YAML file, or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    documents = [item for item in parse_documents(path, text) if isinstance(item, Document)]
    return documents[0].data if documents else None


def _image_entries(data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """A kustomization's `images` entries by the image name they match."""
    entries = data.get("images")
    found = {}
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            found[entry["name"]] = entry
    return found


def _rewrite(image: str, entry: Mapping[str, Any]) -> str:
    """The image after one kustomize `images` entry (matched by name) rewrites it."""

    name, tag, digest = split_image(image)
    new_name, new_tag, new_digest = entry.get("newName"), entry.get("newTag"), entry.get("digest")
    if isinstance(new_name, str) and new_name:
        name = new_name
    if isinstance(new_digest, str) and new_digest:
        return f"{name}@{new_digest}"
    if isinstance(new_tag, (str, int, float)) and not isinstance(new_tag, bool) and str(new_tag):
        tag = str(new_tag)
    reference = f"{name}:{tag}" if tag else name
    return f"{reference}@{digest}" if digest else reference


@dataclass
class _Kustomization:
    directory: str
    images: dict[str, Mapping[str, Any]]
    includes: list[str] = field(default_factory=list)  # directories it names
    # Files it names in other directories than its own (`resources: [cms/deployment.yml]`).
    files: set[str] = field(default_factory=set)
    # Labels it adds to every object's labels, selectors and pod templates.
    common_labels: dict[str, str] = field(default_factory=dict)
    # The namespace it sets on every namespaced object (`namespace:`), if any.
    namespace: str | None = None
    # What its patches set on objects (labels, and the paths they write).
    patches: list[Patched] = field(default_factory=list)
    # The files of its own directory it names (`resources`, patches, generators, ...):
    # kustomize deploys only what a kustomization names, not every file beside it.
    here: set[str] = field(default_factory=set)
    # What it puts before and after every object's name (`namePrefix`, `nameSuffix`).
    name_prefix: str = ""
    name_suffix: str = ""


#: A patched path's list positions: any entry (a strategic-merge patch merges a list
#: of containers by name, so the index it lands on is not known here).
ANY = "*"
#: A list entry a strategic-merge patch names (`name=app`): it merges into the entry of that name.
NAMED = "name="
#: What makes a patch target's kind or name a regular expression (kustomize matches them so).
_REGEX = re.compile(r"[*^$|()\[\]+?\\]")


def _patch_entries(directory: str, data: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """(the patch's data, the target it names or None) of each patch a kustomization
    applies: `patches` (a file or an inline `patch`, with an optional `target`),
    `patchesStrategicMerge` and `patchesJson6902`."""
    found: list[tuple[Any, Any]] = []
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        entries = data.get(key)
        for entry in entries if isinstance(entries, list) else []:
            target = entry.get("target") if isinstance(entry, Mapping) else None
            if isinstance(entry, Mapping) and isinstance(entry.get("patch"), str):
                texts = [entry["patch"]]
            else:
                path = entry.get("path") if isinstance(entry, Mapping) else entry
                if not isinstance(path, str) or "://" in path:
                    continue
                if "\n" in path:  # patchesStrategicMerge: an inline patch
                    texts = [path]
                else:
                    texts = [_read_text(os.path.normpath(os.path.join(directory, path)))]
            for text in texts:
                if text is None:
                    continue
                for item in parse_documents(os.path.join(directory, key), text):
                    if isinstance(item, Document) and item.data is not None:
                        found.append((item.data, target))
    return found


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The paths a strategic-merge patch sets: a list entry with a `name` (containers,
    volumes, env: merged by name) as `name=<it>`, any other as ANY."""
    for path, _ in _leaves(value, prefix):
        yield path


# The value of a patched field that is not a plain value: a `$patch: delete` or
# `replace` directive, a list entry placed by position. It equals nothing written.
_CHANGED = object()


def _leaves(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of what a strategic-merge patch sets (see `_leaf_paths`)."""
    if isinstance(value, Mapping) and value:
        if any(isinstance(key, str) and key.startswith("$") for key in value):
            yield prefix, _CHANGED  # a directive: the mapping is deleted, replaced or reordered
        for key, item in value.items():
            if isinstance(key, str) and not key.startswith("$"):
                yield from _leaves(item, (*prefix, key))
    elif isinstance(value, list) and value:
        for item in value:
            name = item.get("name") if isinstance(item, Mapping) else None
            yield from _leaves(item, (*prefix, f"{NAMED}{name}" if isinstance(name, str) else ANY))
    else:
        yield prefix, value


def _written(props: Any, path: tuple[Any, ...]) -> Any:
    """The value the object's file writes at a patch's path (`name=x` entries found by
    name); _CHANGED where a step is by position or the field is absent."""
    node = props
    for key in path:
        if isinstance(key, str) and key.startswith(NAMED) and isinstance(node, list):
            node = next((e for e in node if isinstance(e, Mapping) and e.get("name") == key[len(NAMED) :]), None)
        elif isinstance(key, str) and key != ANY and isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return _CHANGED
        if node is None:
            return _CHANGED
    return node


def _pointer(path: str) -> tuple[Any, ...]:
    """A JSON pointer (`/spec/tls/0`) as a path, list positions as ANY."""
    keys = [part.replace("~1", "/").replace("~0", "~") for part in path.strip("/").split("/") if part]
    return tuple(ANY if key.isdigit() or key == "-" else key for key in keys)


def _read_patches(directory: str, data: Mapping[str, Any]) -> list[Patched]:
    """What each patch of a kustomization sets, on which object."""
    found = []
    for patch, target in _patch_entries(directory, data):
        kind = target.get("kind") if isinstance(target, Mapping) else None
        name = target.get("name") if isinstance(target, Mapping) else None
        if isinstance(target, Mapping):
            # A target without a name (a kind, a label selector) may be any such object,
            # and so may a name that is a regular expression (`name: .*`, `app-.*`).
            kind = kind if isinstance(kind, str) and not _REGEX.search(kind) else ANY
            name = name if isinstance(name, str) and not _REGEX.search(name) else ANY
            if any(key in target for key in ("labelSelector", "annotationSelector")):
                name = ANY
        if isinstance(patch, list):  # JSON 6902 operations: the target names the object
            ops = [op for op in patch if isinstance(op, Mapping) and isinstance(op.get("path"), str)]
            paths = {_pointer(op["path"]) for op in ops}
            # What an `add` or `replace` writes at a path without list positions is known
            # (corpus33's production overlay: `replace /spec/replicas` with 5).
            values = {
                _pointer(op["path"]): op["value"]
                for op in ops
                if op.get("op") in ("add", "replace") and "value" in op and ANY not in _pointer(op["path"])
            }
            if isinstance(kind, str) and isinstance(name, str) and paths:
                found.append(Patched(kind, name, {}, frozenset(paths), values))
            continue
        if not isinstance(patch, Mapping):
            continue
        metadata = patch.get("metadata")
        if not isinstance(target, Mapping):  # a target, when given, picks the objects (not the patch's own name)
            kind = patch.get("kind", kind)
            name = metadata.get("name", name) if isinstance(metadata, Mapping) else name
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        if patch.get("$patch") == "delete":
            # The object is removed from the build (BCIT's base deletes the Secret its
            # postgres/ kustomization generates, for one Vault provides: corpus38).
            found.append(Patched(kind, name, {}, frozenset(), deletes=True))
            continue
        labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
        written = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {}
        body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
        leaves = [(path, value) for path, value in _leaves(body) if path]
        found.append(Patched(kind, name, written, frozenset(path for path, _ in leaves), dict(leaves)))
    return found


@dataclass(frozen=True)
class Patched:
    """What one patch sets on one object: labels, and the paths of what it sets."""

    kind: str
    name: str
    labels: dict[str, str]
    paths: frozenset[tuple[Any, ...]]
    # The values a patch writes at its paths: a strategic merge's, a JSON 6902 `add` or
    # `replace` without list positions (none known for other operations and `replicas:`).
    values: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    # A `$patch: delete` of the whole object: kustomize leaves it out of the build.
    deletes: bool = False


def _strings_in(data: Any, depth: int = 0) -> Iterator[str]:
    """Every string value in a kustomization (file names among them)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for value in data.values():
            yield from _strings_in(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            yield from _strings_in(value, depth + 1)


def _manifests_in(directory: str) -> list[str]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names if n.endswith((".yaml", ".yml", ".json"))]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _common_labels(data: Mapping[str, Any]) -> dict[str, str]:
    """`commonLabels`, and `labels` entries with `includeSelectors: true` (which kustomize
    also writes into selectors and pod templates)."""
    found = {}
    common = data.get("commonLabels")
    if isinstance(common, Mapping):
        found.update({str(k): str(v) for k, v in common.items()})
    for entry in data.get("labels") if isinstance(data.get("labels"), list) else []:
        pairs = entry.get("pairs") if isinstance(entry, Mapping) else None
        if isinstance(pairs, Mapping) and entry.get("includeSelectors") is True:
            found.update({str(k): str(v) for k, v in pairs.items()})
    return found


class Builds:
    """The run's kustomizations and skaffold configs (see the module's docstring)."""

    def __init__(self, files: Iterable[str] = ()) -> None:
        self._kustomizations: dict[str, _Kustomization] = {}
        self._skaffold: dict[str, frozenset[str]] = {}  # directory -> images skaffold or Tilt builds
        for file in files:
            name = os.path.basename(file)
            if name in KUSTOMIZATION_FILES:
                self._add_kustomization(os.path.dirname(os.path.abspath(file)))
            elif name in SKAFFOLD_FILES:
                self._add_skaffold(os.path.abspath(file))
        self._roots = self._outermost()
        self._deployers: dict[str, list[list[_Kustomization]]] = {}
        self._patched: set[tuple[str, str]] | None = None  # every (kind, name) a patch labels
        self._deleting: bool | None = None  # whether any patch of the run deletes an object
        self._by_file: dict[str, list[list[_Kustomization]]] = {}
        # file -> the directories of the kustomizations that name it from elsewhere
        self._naming: dict[str, list[str]] = {}
        for kustomization in self._kustomizations.values():
            for named in kustomization.files:
                self._naming.setdefault(named, []).append(kustomization.directory)

    def _outermost(self) -> list[_Kustomization]:
        """The kustomizations no other one includes; in a loop of inclusions (which
        kustomize refuses), each member of the loop the others do not reach first."""
        named = {included for k in self._kustomizations.values() for included in k.includes}
        roots = [k for d, k in self._kustomizations.items() if d not in named]
        reached = self._reach([k.directory for k in roots])
        for directory in self._kustomizations:
            if directory not in reached and directory in self._reach(self._kustomizations[directory].includes):
                roots.append(self._kustomizations[directory])  # it reaches itself: in a loop
                reached |= self._reach([directory])
        return roots

    def _reach(self, start: Iterable[str]) -> set[str]:
        """The kustomization directories reached from `start` through inclusions."""
        reached: set[str] = set()
        pending = list(start)
        while pending:
            current = pending.pop()
            if current not in reached and current in self._kustomizations:
                reached.add(current)
                pending.extend(self._kustomizations[current].includes)
        return reached

    def __bool__(self) -> bool:
        return bool(self._kustomizations or self._skaffold)

    def _add_kustomization(self, directory: str, depth: int = 0) -> None:
        if directory in self._kustomizations or depth > _MAX_DEPTH:
            return
        data = next((d for d in (_read(os.path.join(directory, n)) for n in KUSTOMIZATION_FILES) if d), None)
        if not isinstance(data, Mapping):
            return
        namespace = data.get("namespace")
        kustomization = _Kustomization(
            directory,
            _image_entries(data),
            common_labels=_common_labels(data),
            namespace=namespace if isinstance(namespace, str) and namespace else None,
            patches=_read_patches(directory, data),
            name_prefix=_text(data.get("namePrefix")),
            name_suffix=_text(data.get("nameSuffix")),
        )
        self._kustomizations[directory] = kustomization
        kustomization.here = {
            path
            for text in _strings_in(data)
            if "://" not in text
            and os.path.dirname(path := os.path.normpath(os.path.join(directory, text))) == directory
            and os.path.isfile(path)
        }
        for key in _INCLUDE_KEYS:
            entries = data.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, str) or "://" in entry or entry.startswith(("github.com/", "git@")):
                    continue  # a remote base: not in the run
                target = os.path.normpath(os.path.join(directory, entry))
                if os.path.isdir(target):
                    kustomization.includes.append(target)
                    self._add_kustomization(target, depth + 1)
                    if target not in self._kustomizations:
                        # A directory it names without a kustomization of its own (one left
                        # out of the checkout: corpus34's base, whose production overlay
                        # patches its replicas): its manifests are what the overlay deploys.
                        kustomization.files.update(_manifests_in(target))
                elif os.path.dirname(target) != directory:
                    kustomization.files.add(target)
        # The `replicas` field sets the count of the workloads it names (any kind).
        for entry in data.get("replicas") if isinstance(data.get("replicas"), list) else []:
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                kustomization.patches.append(Patched(ANY, entry["name"], {}, frozenset({("spec", "replicas")})))

    def add_tiltfiles(self, directories: Iterable[str]) -> None:
        """Read the Tiltfile of each directory that has one (see the module's docstring)."""
        for directory in directories:
            path = os.path.join(directory, TILTFILE)
            if not os.path.isfile(path):
                continue
            try:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError):
                continue
            lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
            images = {match[1] for line in lines for match in _TILT_BUILD.finditer(line)}
            if images:
                self._skaffold[directory] = self._skaffold.get(directory, frozenset()) | frozenset(images)

    def add_ci_files(self, paths: Iterable[str]) -> None:
        """Read the deploy pipelines of the repositories that hold the run's paths (see
        the module's docstring)."""
        for root in dict.fromkeys(_repository_root(path) for path in paths):
            names: set[str] = set()
            for pattern in CI_FILES:
                for file in sorted(glob.glob(os.path.join(glob.escape(root), pattern))):
                    names |= _images_set_at_deploy(file)
            if names:
                self._skaffold[root] = self._skaffold.get(root, frozenset()) | frozenset(names)

    def _add_skaffold(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            return
        images = set()
        for item in parse_documents(path, text):  # a skaffold.yaml may hold several configs
            data = item.data if isinstance(item, Document) else None
            if not isinstance(data, Mapping):
                continue
            builds = [data.get("build")]
            profiles = data.get("profiles")
            builds += [p.get("build") for p in profiles if isinstance(p, Mapping)] if isinstance(profiles, list) else []
            for build in builds:
                artifacts = build.get("artifacts") if isinstance(build, Mapping) else None
                for artifact in artifacts if isinstance(artifacts, list) else []:
                    if isinstance(artifact, Mapping) and isinstance(artifact.get("image"), str):
                        images.add(artifact["image"])
        if images:
            self._skaffold[os.path.dirname(path)] = frozenset(images)

    def _file_chains(self, file: str) -> list[list[_Kustomization]]:
        """The chains (see `_chains`) that deploy `file`: those of the kustomization of
        its directory, and of any kustomization that names it from another directory."""
        path = os.path.abspath(file)
        found = self._by_file.get(path)
        if found is not None:
            return found
        directory = os.path.dirname(path)
        own = self._kustomizations.get(directory)
        # A file beside a kustomization that names it not (a leftover, or one applied
        # on its own) is not deployed by it (corpus33's requeue: prod/cronjob.yaml).
        found = list(self._chains(directory)) if own is None or path in own.here else []
        for directory in self._naming.get(path, ()):
            found += [chain for chain in self._chains(directory) if all(chain is not c for c in found)]
        self._by_file[path] = found
        return found

    def _chains(self, directory: str) -> list[list[_Kustomization]]:
        """For each outermost kustomization that deploys files of `directory`, the
        kustomizations from it down to the one of that directory (outermost first)."""
        found = self._deployers.get(directory)
        if found is not None:
            return found
        found = []

        def walk(kustomization: _Kustomization, chain: list[_Kustomization]) -> None:
            chain = [*chain, kustomization]
            if kustomization.directory == directory:
                found.append(chain)
                return
            if len(chain) > _MAX_DEPTH:
                return
            for included in kustomization.includes:
                if included in self._kustomizations and all(k.directory != included for k in chain):
                    walk(self._kustomizations[included], chain)

        for root in self._roots:
            walk(root, [])
        self._deployers[directory] = found
        return found

    def deployed(self, file: str, image: str) -> tuple[str, ...]:
        """The references `image`, as written in `file`, is deployed as: one per
        kustomize overlay that deploys the file; none when skaffold or Tilt builds it
        (and deploys it by a tag or digest of its own); just `(image,)` when no build
        in the run touches it."""
        path = os.path.abspath(file)
        name = split_image(image)[0]
        for directory, images in self._skaffold.items():
            if name in images and path.startswith(directory + os.sep):
                return ()
        chains = self._file_chains(file)
        if not chains:
            return (image,)
        deployed: list[str] = []
        for chain in chains:
            reference = image
            for kustomization in reversed(chain):  # the innermost rewrites first
                # An entry names the image, or the image with its tag (kustomize matches
                # `name: app:dev` against `app:dev` alone: corpus47's FinalRip).
                entry = kustomization.images.get(reference.partition("@")[0]) or kustomization.images.get(
                    split_image(reference)[0]
                )
                if entry is not None:
                    reference = _rewrite(reference, entry)
            deployed.append(reference)
        return tuple(dict.fromkeys(deployed))

    def deployed_images(self, file: str, images: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """`deployed` for each image that a build changes (see `Resource.deployed_images`)."""
        if not self:
            return {}
        found = {}
        for image in images:
            references = self.deployed(file, image)
            if references != (image,):
                found[image] = references
        return found

    def namespace(self, file: str) -> Any:
        """The namespace the kustomizations that deploy `file` put its namespaced
        objects in (`namespace:`, the outermost that sets one wins): None when none
        deploys it or one of them leaves the namespace as written; UNKNOWN when
        overlays put it in different namespaces (it lands in each)."""
        if not self._kustomizations:
            return None
        chains = self._file_chains(file)
        found = set()
        for chain in chains:
            namespace = next((k.namespace for k in chain if k.namespace is not None), None)
            if namespace is None:
                return None
            found.add(namespace)
        if not found:
            return None
        return found.pop() if len(found) == 1 else UNKNOWN

    def added_labels(self, file: str) -> tuple[dict[str, str], ...]:
        """For each outermost kustomization that deploys `file`, the labels it and the
        kustomizations it includes add to the objects' labels, selectors and pod
        templates (`commonLabels`); none when no kustomization of the run deploys it."""
        if not self._kustomizations:
            return ()
        chains = self._file_chains(file)
        found = []
        for chain in chains:
            labels: dict[str, str] = {}
            for kustomization in reversed(chain):  # the outer one's value wins
                labels.update(kustomization.common_labels)
            found.append(labels)
        return tuple(found)

    def deployed_names(self, file: str, name: Any) -> frozenset[str]:
        """The names the outermost kustomizations that deploy `file` give an object
        written as `name`, when their `namePrefix` or `nameSuffix` change it (the inner
        kustomization's first): corpus33's `prod-` overlay, whose autoscaler names its
        Deployment `prod-classificateur-ia`. Kustomize rewrites references to the
        written name as well, so either name finds the object."""
        if not isinstance(name, str) or not self._kustomizations:
            return frozenset()
        found = set()
        for chain in self._file_chains(file):
            deployed = name
            for kustomization in reversed(chain):  # the innermost renames first
                deployed = f"{kustomization.name_prefix}{deployed}{kustomization.name_suffix}"
            if deployed != name:
                found.add(deployed)
        return frozenset(found)

    def deleted(self, file: str, kind: Any, name: Any) -> str | None:
        """The kustomization that deletes the object of this kind and name (a
        `$patch: delete` patch), when every outermost kustomization that deploys
        `file` deletes it; None otherwise. A target's name may be the written name or
        the one an inner kustomization's `namePrefix`/`nameSuffix` made of it."""
        if not isinstance(kind, str) or not isinstance(name, str) or not self._kustomizations:
            return None
        if self._deleting is None:
            self._deleting = any(p.deletes for k in self._kustomizations.values() for p in k.patches)
        if not self._deleting:
            return None
        chains = self._file_chains(file)
        if not chains and os.path.basename(file) in KUSTOMIZATION_FILES:  # what its generators make
            chains = self._chains(os.path.dirname(os.path.abspath(file)))
        deleter = None
        for chain in chains or [[]]:
            deployed, deleter = name, None
            for kustomization in reversed(chain):  # the innermost first
                if any(
                    p.deletes and p.kind in (kind, ANY) and p.name in (name, deployed) for p in kustomization.patches
                ):
                    deleter = kustomization.directory
                    break
                deployed = f"{kustomization.name_prefix}{deployed}{kustomization.name_suffix}"
            if deleter is None:
                return None
        return deleter

    def _patched_in(self, file: str, kind: Any, name: Any) -> list[list[Patched]]:
        """For each outermost kustomization that deploys `file`, the patches of its
        chain that target the object of this kind and name (innermost first)."""
        if not isinstance(kind, str) or not isinstance(name, str):
            return []
        if self._patched is None:
            self._patched = {(p.kind, p.name) for k in self._kustomizations.values() for p in k.patches}
        keys = {(kind, name), (kind, ANY), (ANY, name), (ANY, ANY)}
        if not keys & self._patched:
            return []
        return [
            [p for k in reversed(chain) for p in k.patches if (p.kind, p.name) in keys]
            for chain in self._file_chains(file)
        ]

    def patched_labels(self, file: str, kind: Any, name: Any) -> tuple[dict[str, str], ...]:
        """For each outermost kustomization that deploys `file`, the labels its patches
        (and those of the kustomizations it includes) set on the object of this kind
        and name; none when no patch of the run targets it."""
        found = []
        for patches in self._patched_in(file, kind, name):
            labels: dict[str, str] = {}
            for patch in patches:  # the outer patch applies last
                labels.update(patch.labels)
            found.append(labels)
        return tuple(found) if any(found) else ()

    def patched_values(self, file: str, kind: Any, name: Any) -> dict[tuple[Any, ...], Any]:
        """For each path a patch writes in the object of this kind and name, the value
        written there when every overlay that deploys `file` writes the same one (the
        outer patch applies last); UNKNOWN where overlays differ, one does not patch the
        field, or the value is not known (a JSON 6902 operation)."""
        chains = []
        for patches in self._patched_in(file, kind, name):
            values: dict[tuple[Any, ...], Any] = {}
            for patch in patches:
                for path in patch.paths:
                    values[path] = patch.values.get(path, UNKNOWN)
            chains.append(values)
        merged: dict[tuple[Any, ...], Any] = {}
        for path in {path for values in chains for path in values}:
            seen = [values.get(path, _CHANGED) for values in chains]
            same = all(value == seen[0] for value in seen)
            merged[path] = seen[0] if same and seen[0] is not _CHANGED else UNKNOWN
        return merged

    def patched_paths(
        self, file: str, kind: Any, name: Any, props: Mapping[str, Any] | None = None
    ) -> frozenset[tuple[Any, ...]]:
        """The paths a patch of a kustomization that deploys `file` writes in the
        object of this kind and name (list positions as ANY): as deployed, those
        fields are what some overlay makes them, not what the file says. A path where
        a strategic-merge patch restates the value the file (`props`) writes is left
        out: the field is as written (uswitch/kiam's overlay repeats the agent's
        hostNetwork, hostPath volumes and image)."""
        return frozenset(
            path
            for patches in self._patched_in(file, kind, name)
            for p in patches
            for path in p.paths
            if props is None
            or path not in p.values
            or _written(props, path) != p.values[path]
            or p.values[path] is _CHANGED
        )


def _repository_root(path: str) -> str:
    """The nearest folder at or above `path` that holds `.git`; else `path`'s folder."""
    start = os.path.abspath(path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    directory = start
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return start
        directory = parent


def _images_set_at_deploy(file: str) -> set[str]:
    """The image names a pipeline file sets with `kustomize edit set image` to a
    reference its run decides (one holding a variable: `$TAG`, `${{ ... }}`)."""
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return set()
    # A GitHub Actions expression is one value, spaces and all.
    text = _ACTIONS_EXPRESSION.sub("$EXPRESSION", text)
    names = set()
    for match in _SET_IMAGE.finditer(text):
        for argument in match[1].replace("\\\n", " ").split():
            argument = argument.strip("'\"")
            name, equals, reference = argument.partition("=")
            if not equals:
                name, reference = split_image(argument)[0], argument
            if "$" in reference and name and "$" not in name:
                names.add(name)
    return names
