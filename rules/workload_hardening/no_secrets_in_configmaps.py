"""ConfigMaps do not hold credentials.

Checks each entry of a ConfigMap's `data`. An entry fires when its value has the
shape of a credential (a private key, an AWS access key id, GitHub, GitLab, Slack,
Stripe, npm or Google API tokens, an Azure storage key, a Google Cloud service
account key, a JSON Web Token, a BIP32 extended private key (a wallet's `xprv...`),
a SQL statement that gives a role its password in
the clear (`CREATE USER ... PASSWORD 'molgenis'` in an init script: not a psql
variable, a hashed password or an empty one) or a connector's password or secret key
in a SQL `WITH` clause (`'password' = 'rootpw'` in a Flink SQL job), a configuration
file's password line (`connection-password=rootpw` in a Trino catalog's properties;
not a sample such as `CHANGE_ME` there), or a URL with a password in it: not a
reference such as `${DB_PASSWORD}` or Frigate's `{FRIGATE_RTSP_PASSWORD}`, a mask or a
`CHANGEME_...` instruction), or when its key names a credential and its value is
only a variable of the key's own name (`POSTGRES_PASSWORD: "${POSTGRES_PASSWORD}"`,
which a deploy step fills in: the credential lands in the ConfigMap), or when its key
looks like an environment variable (no dot, so not a file name such as
`application.yaml`) whose name says it is a credential, such as `DB_PASSWORD` or
`apiToken`, and its value is not empty, a boolean, a number (but digits given to a
password, `DB_PASSWORD: "123456"`), a path, a password hash or a password file of
hashes (`passwd: user:$6$...`, an htpasswd: what the server checks against) (a sample
value such as `password` is reported: the key is where the real one will be
written); an ACCESS_KEY beside a SECRET_KEY of the same prefix is the key's id, not
a credential. One finding
per ConfigMap, at its first such key (keys sorted, as Pulumi sorts them), naming the
others: moving them into a Secret is one change. Messages never repeat a value.
`binaryData` is not read.

Why it matters:
    ConfigMaps are not treated as sensitive anywhere: they are readable by far more
    principals than Secrets, are not encrypted at rest by the API server's
    encryption configuration, and are printed by `kubectl describe`. A credential
    in one is as exposed as one in a public repository inside the cluster.

How to fix:
    Move the entry into a Secret and reference it where it is used
    (`secretKeyRef`, `envFrom.secretRef`, or a Secret volume).

Notes:
    Advisory by default: configuration files may embed sample keys or public test
    tokens on purpose. Suppress the rule on such a ConfigMap with the reason.
    A key whose last word is SECRET and whose value is an object name of several
    words (`KUBE_SECRET: my-registry-token`) names a Kubernetes Secret, not a
    credential, and is not reported by its name alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_mapping

from ._credentials import (
    AWS_KEY_ID,
    credential_shape,
    holds_no_credential,
    is_credential_name,
    is_placeholder,
    names_key_id,
    numeric_password,
)

# A value that is only a variable of the key's own name (`POSTGRES_PASSWORD:
# "${POSTGRES_PASSWORD}"`): Kubernetes does not expand it, and a program reading its
# environment would read the variable's own name, so a deploy step (envsubst, a CI
# job) writes the credential there (corpus30's aloochat, reported missed twice). A
# variable of another name (`password: ${DB_PASSWORD}` in a Spring file) may be the
# program's to resolve, and passes.
_SELF_VARIABLE = lazy_compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


def _fills_itself(key: str, value: str) -> bool:
    match = _SELF_VARIABLE.fullmatch(value.strip())
    return match is not None and (match.group("braced") or match.group("bare")) == key


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    data = as_mapping(obj.get("data"))
    found: list[tuple[str, str, str]] = []  # (key, what it holds, the reason's kind)
    keys = sorted(k for k in data if isinstance(k, str))  # (Pulumi sorts keys)
    for key in keys:
        value = data[key]
        if isinstance(value, str) and "." not in key and is_credential_name(key) and _fills_itself(key, value):
            said = f"holds {value.strip()}, which only a deploy step fills in, and its key names a credential"
            found.append((key, said, "filled in"))
            continue
        if not isinstance(value, str) or (is_placeholder(value) and not numeric_password(key, value)):
            continue
        shape = credential_shape(value)
        if names_key_id(key, keys) and shape in (None, AWS_KEY_ID):
            continue  # MINIO_ACCESS_KEY beside MINIO_SECRET_KEY, an AWS key id beside its secret: a user name
        if shape is not None:
            said = f"holds a value that looks like {shape}"
            found.append((key, said, said))
        elif "." not in key and is_credential_name(key) and not holds_no_credential(key, value):
            said = "holds a value, and its key says it is a credential"
            found.append((key, said, said))
    if not found:
        return
    # One finding per ConfigMap: moving its credentials into a Secret is one change.
    key, what, why = found[0]
    if len(found) == 1:
        yield Violation(("data", key), f'ConfigMap key "{key}" {what}; keep it in a Secret')
        return
    others = ", ".join(f'"{other}"' for other, _, _ in found[1:])
    if all(reason == why for _, _, reason in found[1:]):
        yield Violation(("data", key), f'ConfigMap key "{key}" {what}; so do {others}: keep them in a Secret')
    else:  # for other reasons: say so without repeating this one's
        verb = "holds a credential" if len(found) == 2 else "hold credentials"
        said = f'ConfigMap key "{key}" {what}; {others} {verb} too: keep them in a Secret'
        yield Violation(("data", key), said)


RULE = Rule(
    name="no-secrets-in-configmaps",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds={"ConfigMap"},
    check=check,
    options={},
    tags=("secrets",),
)
