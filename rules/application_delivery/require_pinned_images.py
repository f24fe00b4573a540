"""Container images are pinned: an explicit release tag, or a digest.

Checks the image of every container, init container and ephemeral container (one
finding per image of a pod: containers that run the same reference are named in the
first one's finding, since one change pins them all). An image is pinned when it
names a tag other than `latest` (`nginx:1.27.2`) or a digest
(`nginx@sha256:...`). A tag that names a branch or a channel rather than a release
(`master`, `main`, `edge`, `nightly`, `dev`, `develop`, `ci`, `canary`, `head`,
`snapshot`, `stable`, `lts`, `current`), an environment (`prod`, `production`,
`staging`) or a variant stream (`dind`), alone or with variant words that carry no
version (`lts-alpine`, `snapshot-thick`, `latest-slim`, `latest-amd64`,
`maps-earth-latest`, `v2-prod`), or that ends a tag of words (`worker-cut-dev`,
`server-nightly`), moves like `latest` and is reported too; so is a reference whose tag
is an unfilled placeholder (`{LATEST_RELEASE}`, `<TAG>`, `???`, or the word
`version`, `tag`, `x.y.z`, `changeme`), which no registry serves. A reference a
rendering step fills in (`${IMAGE}:${TAG}`, `$(TAG)`, `app:main@${GITHUB_SHA}`: envsubst, a CI job) is not known
until then and is not judged, but for a literal tag beside a templated registry
(`${REGISTRY}/app:latest`). With `requireDigest`, only a digest counts. With
`allowedRegistries`, the image must also come from one of the listed prefixes.

Why it matters:
    An image without a tag means `latest`, and `latest` (like any tag) can be moved
    to a different image at any time. Two nodes can then run different code under
    the same spec, a rollback does not roll back, and a compromised registry account
    can replace what your cluster runs on its next pull. A digest names exactly one
    image. Pulling only from your own registries keeps images scanned, mirrored and
    available when a public registry is down or rate-limits you.

How to fix:
    Name a release tag, or better a digest (most CI systems can write it for you):

        image: registry.example.com/shop/web:1.14.2
        image: registry.example.com/shop/web@sha256:4b1a...e9

    Mirror third-party images into your registry and reference the mirror.

Notes:
    A build reference is not an image and is not judged: `ko://...`, or a Go import
    path on a source host (`github.com/knative/docs/code-samples/...`), which ko
    builds and replaces with a digest-pinned image at deploy time; and kubebuilder's
    bare `controller` (`image: controller:latest` in `config/manager`), which the
    project's build replaces (`kustomize edit set image controller=...`); nor is a
    placeholder that is no image reference at all (`image: IMAGE`, gpu-operator's
    `FILLED BY THE OPERATOR`: a space, or a repository path that is not lowercase),
    which the tooling that owns the manifest fills in, nor a bare, untagged name for
    the blank (`data-service-image`, `app_image`: a kustomize base's stand-in that its
    overlays' `images:` replace; corpus20), nor any bare, untagged name that is no
    Docker official image (`indexer`, `worker`: Docker Hub serves nothing under it,
    so kustomize, skaffold, Cloud Deploy, Tilt or compose replaces it; corpus27, 28,
    31). `nginx` or `busybox` without a tag is judged. A blank left for a person to fill in
    (`<YOUR-CONTAINER>`, `???`) is reported as a placeholder never filled in; one a
    rendering step fills (`${IMAGE}:${TAG}`, corpus22's Buildkite agent; `:$IMAGE_TAG`), or a build's
    resource filtering (`@docker.image@`, Maven's, in Apache Ozone's examples), is not.
    An image is judged as it is deployed when a build in the lint run sets it
    (offline; see policypack/builds.py): a kustomize overlay's `images` entry
    (`newTag`, `digest`, `newName`) rewrites a base's image, so a base that leaves
    the tag to its overlays passes when every overlay of the run that deploys it
    pins it, and is reported, naming the deployed reference, when one leaves it
    moving; an image that `skaffold.yaml` builds (`build.artifacts[].image`, in its
    folder) is deployed by digest and passes, and so does one a `Tiltfile` builds
    (`docker_build('worker', ...)`, `custom_build`; in its folder, when the run holds
    that folder), which Tilt deploys under a tag of its own; so does one the
    repository's deploy pipeline sets with `kustomize edit set image NAME=REF:$TAG`
    (a GitHub Actions workflow or `.gitlab-ci.yml` at the repository's root; corpus37's
    hashpost, whose overlay says `newTag: latest` and whose workflow sets the
    release's tag). Lint the repository (or `kustomize build` output), not a base
    folder alone, for this to apply.
    A container with `imagePullPolicy: Never` is not judged for pinning: the
    kubelet never pulls it, and runs the image loaded onto the node (`kind load`,
    `minikube image load`), a local build whose tag no registry can move; the
    registries it may come from are still judged.
    Registry prefixes match at a boundary: `registry.example.com` allows
    `registry.example.com/app:1` but not `registry.example.com.evil.io/app:1`.
    Images from Docker Hub are also matched in their full form, so `docker.io/library/`
    allows `nginx:1.27`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import full_name, split_image
from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import BUILD_TOKEN, is_template_text, is_unknown

from ._docker_official import OFFICIAL_IMAGES

_DIGEST = lazy_compile(r"^[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")


def _matches(candidate: str, prefix: str) -> bool:
    """Prefix match at a boundary. A bare host (`registry.example.com`) must be
    followed by `/`, so `registry.example.com:5000` and `registry.example.com.evil.io`
    do not match it; hosts compare without case."""
    candidate, prefix = candidate.lower(), prefix.lower()
    if not candidate.startswith(prefix):
        return False
    if prefix.endswith("/") or len(candidate) == len(prefix):
        return True
    boundary = "/:@" if "/" in prefix else "/"
    return candidate[len(prefix)] in boundary


def _allowed(image: str, name: str, prefixes: list[str]) -> bool:
    candidates = (image, full_name(name) + image[len(name) :])
    return any(_matches(candidate, prefix) for prefix in prefixes for candidate in candidates)


# Source-code hosts: an "image" whose first part is one of them is a Go import path
# that ko (`ko apply`, `ko resolve`) builds and replaces with a digest-pinned image at
# deploy time, as Knative's samples ship (`github.com/knative/docs/...`).
SOURCE_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "golang.org", "knative.dev", "sigs.k8s.io"})


#: Tags that name a branch or a release channel: they move as `latest` does.
MOVING_TAGS = frozenset(
    {
        "master",
        "main",
        "edge",
        "nightly",
        "dev",
        "develop",
        "devel",
        "ci",
        "canary",
        "head",
        "snapshot",
        "trunk",
        "stable",
        "lts",
        "current",  # corpus29's TreeOfLifeDCC CronJobs, beside their `latest` siblings
    }
)
_WORD = lazy_compile(r"[A-Za-z]+")
#: Platform words a moving tag may carry (`latest-amd64`, `master-arm64`): they name
#: the build's platform, not a release.
_PLATFORMS = frozenset(
    {"amd64", "arm64", "arm", "armhf", "armv6", "armv7", "arm32v7", "arm64v8", "ppc64le", "s390x", "386", "i386"}
)


#: Words of a tag that name an environment or a variant stream rather than a build,
#: wherever they stand: they move too (`hsldevcom/hsl-map-server:prod`,
#: `maps-earth-latest`, `docker:dind`: corpus31). The channel words above count first
#: only: `set-by-ci` is a blank a pipeline fills (corpus30's Dialogporten).
_MOVING_WORDS = frozenset({"latest", "prod", "production", "staging", "stage", "dind"})
_MAJOR_LINE = lazy_compile(r"v[0-9]{1,2}")
#: Channel words that also move at the end of a tag of words (`worker-cut-dev`,
#: `server-nightly`: one image repository's components, each on a channel; corpus47's
#: FinalRip); not `ci` (`set-by-ci` is a blank a pipeline fills).
_TRAILING_CHANNELS = frozenset({"dev", "develop", "devel", "nightly", "snapshot", "canary", "edge", "master", "main"})


def moving_tag(tag: str) -> bool:
    """A branch, channel or environment name, alone or with variant, platform or
    major-line words that carry no version (`lts-alpine`, `snapshot-thick`,
    `latest-amd64`, `maps-earth-latest`, `v2-prod`); `main-4f2a9c1`, `lts-2.440` or
    `24-dind` names one build or release line and is not moving. `latest` alone has
    a message of its own."""
    words = tag.lower().split("-")
    channel = words[0] in MOVING_TAGS or (len(words) > 1 and words[-1] in _TRAILING_CHANNELS)
    if words == ["latest"] or not (channel or any(word in _MOVING_WORDS for word in words)):
        return False
    return all(
        word in _MOVING_WORDS or _WORD.fullmatch(word) or word in _PLATFORMS or _MAJOR_LINE.fullmatch(word)
        for word in words
    )


# A template left unfilled: {NAME}, <NAME>, ${NAME}, ??? (a valid tag has none of these).
_PLACEHOLDER = lazy_compile(r"[{}<>$?]")
#: A registry or account that is the name of the blank (`your-registry/app`, corpus44's
#: Grapevine overlay, which CI rewrites): how the deployed image is pinned is not known
#: (the program it runs still is: `asr-nmt-serve`).
_PLACEHOLDER_ACCOUNT = lazy_compile(
    r"(?i)(?:your|my)[-_.]?(?:registry|repo|repository|account|org|organization|username|user|dockerhub|docker-?id)"
    r"(?:\.[a-z0-9.-]+)?"
)
#: Tags that are the name of the blank rather than a value (`nginx-ingress:version`).
PLACEHOLDER_TAGS = frozenset(
    {"version", "tag", "your-tag", "yourtag", "x.y.z", "vx.y.z", "changeme", "change-me", "replaceme", "replace-me"}
)


# kubebuilder's scaffold names the manager's image `controller:latest` (in
# config/manager/manager.yaml) and sets the real one with `kustomize edit set image
# controller=...` or an image patch at build time; no registry serves a bare
# `controller` (Docker Hub has no such official image).
KUBEBUILDER_PLACEHOLDERS = frozenset({"controller"})


# A repository path component of an image reference: lowercase letters and digits,
# joined by `.`, `_`, `__` or dashes (the distribution reference grammar).
_PATH_COMPONENT = lazy_compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")


def is_not_a_reference(image: str) -> bool:
    """Whether the image is no image reference at all, so a placeholder that some
    tooling fills in (`image: IMAGE`, gpu-operator's `FILLED BY THE OPERATOR`): a
    space, or a repository path that is not lowercase. No runtime pulls it as it is."""
    if _PLACEHOLDER.search(image):
        return False  # a template's blank (`<image_url>`, `${IMAGE}`, `???`): reported as one
    if any(character.isspace() for character in image.strip()) and image.isprintable():
        return True  # words (`FILLED BY THE OPERATOR`)
    repository = split_image(image)[0]
    head, _, rest = repository.partition("/")
    path = rest if rest and ("." in head or ":" in head or head == "localhost") else repository
    components = path.split("/")
    # Capitals where a reference has none (`IMAGE`); other odd characters are judged.
    return any(not _PATH_COMPONENT.fullmatch(c) for c in components) and all(
        _PATH_COMPONENT.fullmatch(c.lower()) for c in components
    )


# A bare name that names the blank (`data-service-image`, `app_image`, `image`): a
# kustomize base's stand-in that its overlays' `images:` replace (DARPA's Terarium in
# corpus20). Docker Hub's official images are never so named.
_NAMED_BLANK = lazy_compile(r"(?:[a-z0-9]+(?:[-_][a-z0-9]+)*[-_])?image")


def names_the_blank(image: str) -> bool:
    """Whether the image is a bare, untagged name for the blank (`data-service-image`)."""
    repository, tag, digest = split_image(image.strip())
    return tag is None and digest is None and "/" not in repository and _NAMED_BLANK.fullmatch(repository) is not None


def names_no_image(image: str) -> bool:
    """Whether the reference says nothing of the program it runs: no image reference
    at all (`IMAGE_PLACEHOLDER`, `FILLED BY THE OPERATOR`), a template's blank in
    its repository (`${IMAGE}`, `<your-image>`), a build tool's token
    (`@docker.image@`), or a bare name for the blank (`data-service-image`). Which
    program runs is unknown."""
    return (
        is_not_a_reference(image)
        or _PLACEHOLDER.search(split_image(image)[0]) is not None
        or BUILD_TOKEN.search(image) is not None
        or names_the_blank(image)
    )


def is_build_reference(image: str) -> bool:
    """Whether the image is a build reference resolved at deploy time (`ko://...`, a
    Go import path on a source host, kubebuilder's bare `controller`, or another
    build's bare stand-in), or a placeholder that is no image reference, not an
    image a runtime pulls."""
    return (
        image.startswith("ko://")
        or image.partition("/")[0] in SOURCE_HOSTS
        or split_image(image)[0] in KUBEBUILDER_PLACEHOLDERS
        or is_not_a_reference(image)
        or names_the_blank(image)
        or stands_in_for_a_build(image)
    )


def stands_in_for_a_build(image: str) -> bool:
    """Whether the image is a bare, untagged name that is no Docker official image
    (`indexer`, `worker`, `periscope-linux`): Docker Hub serves nothing under it, so it
    is a build's stand-in that kustomize, skaffold, Cloud Deploy, Tilt or compose
    replaces (corpus27's AKS Periscope, corpus28's Chroma, corpus31's OSV indexer)."""
    repository, tag, digest = split_image(image.strip())
    return (
        tag is None
        and digest is None
        and "/" not in repository
        and _PATH_COMPONENT.fullmatch(repository) is not None
        and repository not in OFFICIAL_IMAGES
    )


def _pinning_problem(image: str, require_digest: bool) -> str | None:
    """What is wrong with how `image` is pinned (said after `uses image "..."`), or None."""
    if BUILD_TOKEN.search(image):
        return None  # `@docker.image@`: Maven's or Gradle's filtering writes the reference at build time
    repository, tag, digest = split_image(image)
    # `${IMAGE}:${TAG}`, `$(TAG)`: chosen when the manifest is rendered (envsubst, a CI
    # step), so not known here; a literal tag beside a templated registry is judged.
    templated = is_template_text(repository)
    if (tag is not None and is_template_text(tag)) or (templated and tag is None and digest is None):
        return None
    if digest is not None and is_template_text(digest):
        return None  # `app:main@${GITHUB_SHA}`: the CI step rewrites the reference (corpus39's howitt)
    if _PLACEHOLDER_ACCOUNT.fullmatch(repository.split("/")[0]):
        return None  # `your-registry/app:production`: a stand-in a CI step rewrites (corpus44's Grapevine)
    if _PLACEHOLDER.search(repository) and not templated:
        return "which is a placeholder never filled in"
    if digest is not None and not _DIGEST.match(digest):
        return "whose digest is malformed"
    if digest is None and require_digest:
        return "which is not pinned by digest (@sha256:...)"
    if digest is None and tag is None:
        return 'with no tag, which means "latest" at every pull'
    if digest is None and tag == "latest":
        return ': the "latest" tag moves'
    if digest is None and tag is not None and moving_tag(tag):
        return f': "{tag}" names a branch or channel, and moves'
    if digest is None and tag is not None and (_PLACEHOLDER.search(tag) or tag.lower() in PLACEHOLDER_TAGS):
        return "whose tag is a placeholder never filled in"
    return None


def _uses(label: str, written: str, deployed: str, problem: str) -> str:
    image = f'"{written}"' if deployed == written else f'"{written}" (a kustomization deploys it as "{deployed}")'
    return f"{label} uses image {image}{'' if problem.startswith(':') else ' '}{problem}"


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    # One finding per image of a pod: containers that run the same reference (dgraph's
    # ratel, zero and alpha) are pinned by one change, named in the first's finding.
    found: dict[tuple[str, str], tuple[tuple, str, list[str]]] = {}
    for container, written, reference, problem in _problems(obj, options):
        key = (written, problem)
        if key in found:
            found[key][2].append(container.label)
        else:
            found[key] = (container.path + ("image",), _uses(container.label, written, reference, problem), [])
    for path, message, others in found.values():
        if others:
            message += f"; so do {', '.join(others)}"
        yield Violation(path, message)


def _problems(obj: Resource, options: Mapping[str, Any]) -> Iterator[tuple[Any, str, str, str]]:
    """(container, image as written, reference as deployed, problem) for each problem."""
    require_digest = options["requireDigest"]
    registries = list(options["allowedRegistries"])
    for container in obj.containers():
        image = container.get("image")
        if not isinstance(image, str) or not image.strip():
            continue  # unknown during preview, or missing (not this rule's concern)
        written = image.strip()
        # As deployed: a kustomize overlay in the run may set the tag (one reference per
        # overlay), and skaffold deploys what it builds by digest (none left to judge).
        deployed = obj.deployed_images.get(written)
        if deployed is None:
            if is_build_reference(written):
                continue  # built at deploy time (ko), or a scaffold's placeholder
            deployed = (written,)
        # `imagePullPolicy: Never`: the kubelet never pulls it, and runs the image loaded
        # onto the node (`kind load`, `minikube image load`): a local build, whose tag
        # no registry moves (corpus21's lakehouse, reviewers' "debatable").
        policy = container.get("imagePullPolicy")
        local = policy == "Never" or is_unknown(policy)  # not known yet: it may be Never
        for reference in () if local else deployed:
            problem = _pinning_problem(reference, require_digest)
            if problem is not None:
                yield container, written, reference, problem
                break
        for reference in deployed:
            if registries and not _allowed(reference, split_image(reference)[0], registries):
                allowed = f"from a registry that is not allowed (allowed: {', '.join(registries)})"
                yield container, written, reference, allowed
                break


RULE = Rule(
    name="require-pinned-images",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    area="application-delivery",
    kinds=POD_KINDS,
    check=check,
    options={
        "requireDigest": {
            "type": "boolean",
            "default": False,
            "description": "Accept only images pinned by digest (`@sha256:...`); a tag alone is not enough.",
        },
        "allowedRegistries": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": (
                "Registry or repository prefixes images must come from, e.g. `registry.example.com/`. "
                "Empty allows any registry."
            ),
        },
    },
    tags=("supply-chain",),
)
