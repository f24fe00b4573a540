"""Pulumi resources from files, read offline: a stack export (`pulumi stack export`)
or a preview (`pulumi preview --json`).

This lets the offline linter judge Pulumi resources (IAM policies, cloud resources,
and Kubernetes objects) by their inputs, reporting by URN: the resources of a
deployed stack, or the resources an update is about to create or change. The
conversion of a resource's type token and inputs to a `Resource` is the same one the
Pulumi adapter uses, so both modes judge the same data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource, canonical_type, manifest_objects, parse_kubernetes_token, resource_from_manifest
from policypack.values import UNKNOWN, Path

# Pulumi's marker for special values in serialized properties.
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_SENTINELS = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_stack_export(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("deployment"), Mapping)
        and isinstance(data["deployment"].get("resources"), list)
    )


def stack_resources(data: Mapping[str, Any]) -> Iterator[tuple[Resource, Path]]:
    """Each judged resource of a stack export with the path of its inputs.

    Inputs are what the program declared, which is what a policy sees during
    `pulumi preview`. Secrets are judged when the export holds their plaintext
    (`pulumi stack export --show-secrets`); encrypted ones are unknown, so rules
    skip them (Pulumi's own `policy analyze --file` would see the string "[secret]")."""
    for index, entry in enumerate(data["deployment"]["resources"]):
        if not isinstance(entry, Mapping):
            continue
        token, urn = entry.get("type"), entry.get("urn")
        inputs = entry.get("inputs")
        if not isinstance(token, str) or not isinstance(inputs, Mapping) or token.startswith("pulumi:"):
            continue  # the stack, providers, and broken entries
        if entry.get("delete") is True or entry.get("external") is True:
            continue  # an old copy waiting to be deleted, or a resource read but not managed here
        base: Path = ("deployment", "resources", index, "inputs")
        secrets = secret_paths(inputs)
        for resource, path in pulumi_objects(token, plain_properties(inputs), urn if isinstance(urn, str) else None):
            if resource.is_kubernetes:
                resource.cluster = provider_urn(entry.get("provider"))
            if secrets:
                mark_secrets(resource, path, secrets)
            yield resource, base + path


def provider_urn(reference: Any) -> str | None:
    """The provider's URN from a provider reference (`<urn>::<id>`)."""
    if not isinstance(reference, str) or "::" not in reference:
        return None
    return reference.rsplit("::", 1)[0]


# Steps of a preview whose new state will not exist (or is not managed by the stack)
# after the update. Other steps (create, update, same, replace, create-replacement,
# import, import-replacement, refresh, and future ones) are judged by their new state.
_NOT_JUDGED_OPS = frozenset(
    {
        "delete",
        "delete-replaced",
        "discard",
        "discard-replaced",
        "remove-pending-replace",
        "read",
        "read-replacement",
        "read-discard",
    }
)

# `pulumi preview --json` masks every secret value with this string.
MASKED_SECRET = "[secret]"


def _is_step(step: Any) -> bool:
    return (
        isinstance(step, Mapping)
        and isinstance(step.get("op"), str)
        and (isinstance(step.get("newState"), Mapping) or isinstance(step.get("oldState"), Mapping))
    )


def is_preview_digest(data: Any) -> bool:
    """The JSON `pulumi preview --json` prints (the engine's `PreviewDigest`): `steps`,
    each with an `op` and a `newState` and/or `oldState`; a preview without steps has
    `changeSummary` and `duration` only. Kubernetes objects (`kind`, `apiVersion`)
    never count, even when they have `steps`, as Tekton tasks do."""
    if not isinstance(data, Mapping) or "kind" in data or "apiVersion" in data:
        return False
    steps = data.get("steps")
    if isinstance(steps, list):
        return any(_is_step(step) for step in steps)
    return steps is None and isinstance(data.get("changeSummary"), Mapping) and "duration" in data


def preview_resources(data: Mapping[str, Any]) -> Iterator[tuple[Resource, Path]]:
    """Each judged resource of a preview with the path of its inputs: the new state of
    every step that is not a delete or a read, once per URN (a replacement shows up in
    several steps). Pulumi's own types (`pulumi:*`: the stack, providers) are skipped.

    Only resources with a step are there: unchanged ones appear with
    `pulumi preview --json --show-sames`. Secrets are masked as "[secret]" in this
    output and values computed during the update are unknown; rules judge neither."""
    seen: set[str] = set()
    steps = data.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else ()):
        if not _is_step(step) or step["op"] in _NOT_JUDGED_OPS:
            continue
        state = step.get("newState")
        if not isinstance(state, Mapping):
            continue
        token, inputs = state.get("type"), state.get("inputs")
        urn = state.get("urn") if isinstance(state.get("urn"), str) else step.get("urn")
        if not isinstance(token, str) or not isinstance(inputs, Mapping) or token.startswith("pulumi:"):
            continue
        if state.get("delete") is True or state.get("external") is True:
            continue
        if isinstance(urn, str):
            if urn in seen:
                continue
            seen.add(urn)
        base: Path = ("steps", index, "newState", "inputs")
        props = plain_properties(inputs, masked_secrets=True)
        for resource, path in pulumi_objects(token, props, urn if isinstance(urn, str) else None):
            if resource.is_kubernetes:
                resource.cluster = provider_urn(state.get("provider") or step.get("provider"))
            yield resource, base + path


def pulumi_objects(token: str, props: Mapping[str, Any], urn: str | None = None) -> Iterator[tuple[Resource, Path]]:
    """The objects to judge in one Pulumi resource (both modes use this), each with
    its path inside the props.

    Kubernetes types, custom resources included, become Kubernetes objects: the props
    are the manifest, and the kind and apiVersion come from the type token; a `*List`
    type yields its items. Other types are judged by type token (`canonical_type`:
    versioned azure-native tokens become the default one; the URN keeps the real one).
    Helm releases, YAML/Kustomize components and patches yield nothing: they are not
    manifests (the objects a Chart or ConfigGroup creates are resources of their own).
    """
    parsed = parse_kubernetes_token(token)
    if parsed is None:
        if not token.startswith("kubernetes:"):
            name = urn.rsplit("::", 1)[-1] if urn else None
            yield Resource(type=canonical_type(token), props=props, urn=urn, logical_name=name), ()
        return
    api_version, kind = parsed
    manifest = {**props, "apiVersion": api_version, "kind": kind}
    for item, path in manifest_objects(manifest):
        yield resource_from_manifest(item, urn=urn, token=token if item is manifest else None), path


def secret_paths(value: Any, path: Path = ()) -> list[Path]:
    """The paths of the values serialized Pulumi properties mark as secret."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return [path]
        return [found for key, item in value.items() for found in secret_paths(item, path + (key,))]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in secret_paths(item, path + (index,))]
    return []


def mark_secrets(resource: Resource, prefix: Path, paths: list[Path]) -> None:
    """Give a resource found at `prefix` in the props the secret paths inside it."""
    resource.secret_paths = tuple(p[len(prefix) :] for p in paths if p[: len(prefix)] == prefix)


def plain_properties(value: Any, masked_secrets: bool = False) -> Any:
    """Serialized Pulumi properties -> plain data: unknown sentinels become UNKNOWN,
    secrets are unwrapped when their plaintext is there (and unknown otherwise), and
    whole-number floats become ints (the engine sends every number as a float). With
    `masked_secrets` (preview output), the mask "[secret]" becomes UNKNOWN too."""
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            if "value" in value:
                return plain_properties(value["value"], masked_secrets)
            if isinstance(value.get("plaintext"), str):
                try:
                    return plain_properties(json.loads(value["plaintext"]), masked_secrets)
                except ValueError:
                    return UNKNOWN
            return UNKNOWN  # encrypted: cannot be judged
        return {key: plain_properties(item, masked_secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_properties(item, masked_secrets) for item in value]
    if isinstance(value, str) and (value in UNKNOWN_SENTINELS or (masked_secrets and value == MASKED_SECRET)):
        return UNKNOWN
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
