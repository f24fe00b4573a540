"""Pods do not read credentials from ConfigMaps the set does not show.

Fires on a container's `env` entry whose name says it holds a credential
(`POSTGRES_PASSWORD`, `GW2ME_CLIENT_SECRET`) and whose value comes from a ConfigMap
(`valueFrom.configMapKeyRef`) that is not among the objects linted together: the
manifest itself says the credential is kept in a ConfigMap, created elsewhere
(`kubectl create configmap --from-literal`, another repository, a generator the run
does not see). One finding per container, at its first such entry, naming the others.

Why it matters:
    ConfigMaps are not treated as sensitive anywhere: more principals may read them
    than Secrets, the API server's encryption at rest does not cover them, and
    `kubectl describe` prints them. A password kept in one is exposed to everyone who
    can read the namespace's configuration.

How to fix:
    Keep the value in a Secret and read it with `secretKeyRef`:

        env:
          - name: POSTGRES_PASSWORD
            valueFrom:
              secretKeyRef: {name: db, key: password}

Notes:
    A ConfigMap the set does show is judged by `no-secrets-in-configmaps`, on its own
    data: one finding for the one place the credential is kept, not a second on every
    pod that reads it. Names that only look like credentials are not judged
    (`POSTGRES_PASSWORD_FILE`, `DB_USER`, `TOKEN_TTL`), nor `envFrom` (its keys are
    not known here), nor a credential's name read from a key that names where it is
    kept (`key: sheet-credential-path`: a path, the file itself mounted from a
    Secret). A ConfigMap a custom resource of the set may create (an operator's) is
    unknown, and unknown fires nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import CUSTOM_RESOURCES, POD_KINDS
from policypack.rule import Enforcement, Rule, Severity, StackViolation
from policypack.stack import NAMESPACE_OPTION, Stack
from policypack.values import as_list, get, is_unknown

from ._credentials import is_credential_name, names_a_location


def check(stack: Stack, options: Mapping[str, Any]) -> Iterator[StackViolation]:
    for workload in stack.of_kind(*POD_KINDS):
        namespace = stack.namespace_of(workload)
        if not isinstance(namespace, str):
            continue
        for container in workload.containers():
            found: list[tuple[tuple[Any, ...], str, str, Any]] = []
            for index, entry in enumerate(as_list(container.get("env"))):
                name = entry.get("name") if isinstance(entry, Mapping) else None
                reference = get(entry, "valueFrom", "configMapKeyRef")
                if not (isinstance(name, str) and isinstance(reference, Mapping) and is_credential_name(name)):
                    continue
                config_map = reference.get("name")
                if not isinstance(config_map, str):  # `optional` or not, the credential is kept there
                    continue
                key = reference.get("key")
                if is_unknown(key) or (isinstance(key, str) and names_a_location(key)):
                    # The ConfigMap keeps where the credential is, not the credential (or
                    # may): corpus37's `sheet-credential-path`, the key file from a Secret.
                    continue
                if stack.find("ConfigMap", config_map, namespace, near=workload) is None:
                    path = container.path + ("env", index, "valueFrom", "configMapKeyRef")
                    found.append((path, name, config_map, key))
            if not found:
                continue
            path, name, config_map, key = found[0]
            message = (
                f'{container.label}: env {name} is read from ConfigMap "{config_map}"'
                + (f" (key {key})" if isinstance(key, str) else "")
                + ", which the set does not show, and its name says it is a credential"
            )
            if len(found) > 1:
                message += "; so are " + ", ".join(f"env {other}" for _, other, _, _ in found[1:])
            yield StackViolation(workload, path, message + ": keep it in a Secret and read it with secretKeyRef")


RULE = Rule(
    name="no-credentials-from-configmaps",
    doc=__doc__,
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds={"ConfigMap", CUSTOM_RESOURCES, *POD_KINDS},
    check=check,
    stack=True,
    options=NAMESPACE_OPTION,
    tags=("cross-object", "secrets"),
)
