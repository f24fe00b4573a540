"""Secrets do not carry literal credentials in the manifest or the program.

Checks each entry of a Secret's `data` (base64-decoded) and `stringData`. An entry
fires when its value has the shape of a credential (a private key, cloud and SaaS
tokens, a JSON Web Token, a URL with a password: the shapes `no-secrets-in-configmaps`
knows), when it is a registry `.dockerconfigjson` / `.dockercfg` holding an `auth` or
`password`, or when its key names a credential (`password`, `apiToken`,
`ssh-privatekey`, `tls.key`, `key` in a Ceph or GlusterFS Secret,
`azurestorageaccountkey`, `node.session.auth.password`) and its value is a real one.
One finding per Secret, at its first such entry (`data` before `stringData`, keys
sorted as Pulumi sorts them): the object committed with its values is the one root
cause (the message lists every key, each a credential to rotate).
Messages name the keys and what the first looks like, never a value.

Not reported: empty values and placeholders (`changeme`, `<password>`, `${DB_PASS}`,
`{{ .Values.password }}`, `xxx`, `REPLACE_ME`, `password`, `secret`, ...), values
that tell the reader to fill them in (`CHANGEME_SECURE_S3_PASSWORD`, a key file
holding `CHANGEME_GENERATE_USING_...`: corpus18's Synapse reference deployment), values
that name themselves (`SUPER_SECRET_KEY`, `an_unsecure_secret`, a URL's
`user:super_secret_password@`: documentation examples and test suites); an
`accesskey` beside a `secretkey` (the key's id);
certificates, user names, hosts, URLs without a password and configuration files
without a credential in them; `kubernetes.io/service-account-token` Secrets, whose
token the control plane writes; and, in Pulumi, values the engine marks as secrets
(`pulumi.secret`, `config.requireSecret`, a secret output), which Pulumi keeps
encrypted in config and state.

Why it matters:
    A Secret committed with its values is a credential in the repository: in every
    clone, fork, CI cache and backup, readable by everyone who can read the code, for
    as long as the history exists. Base64 in `data` is an encoding, not encryption.
    Rotating the credential is the only fix once it is pushed.

How to fix:
    Keep the value out of the repository and let the cluster or the pipeline supply
    it: an external secret store (External Secrets Operator, the Secrets Store CSI
    driver), Sealed Secrets or SOPS-encrypted files, or in Pulumi a secret from
    config (`pulumi config set --secret dbPassword ...`):

        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata: {name: db}
        spec:
          secretStoreRef: {name: vault, kind: ClusterSecretStore}
          target: {name: db}
          data:
            - secretKey: password
              remoteRef: {key: prod/db, property: password}

Notes:
    Advisory by default, like `no-secrets-in-configmaps`: examples and test fixtures
    commit sample credentials on purpose; suppress the rule on such a Secret with the
    reason, or set it to mandatory where only production manifests are linted.
    A connection string for a development emulator (`UseDevelopmentEmulator=true`,
    whose key is published with it) or whose secret parts are placeholders
    (`SharedAccessKey=SAS_KEY_VALUE`) holds nothing to keep out of the repository.
    Values SOPS encrypted in place (`ENC[AES256_GCM,data:...]`, corpus16's Flux home
    labs) are ciphertext, the way this page advises to commit them, and are not judged
    (nor are they by `no-secrets-in-env` and `no-secrets-in-configmaps`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import UNKNOWN, as_mapping

from ._credentials import (
    URL_WITH_PASSWORD,
    credential_shape,
    is_credential_name,
    is_encrypted,
    is_placeholder,
    names_itself,
    names_key_id,
    sample_url,
    url_passwords_are_samples,
    words,
)

# A one-word key that names a credential without word boundaries (`azurestorageaccountkey`,
# `privatekey`), or is one by itself (`key`, `pass`); keys of several words are judged
# word by word (`is_credential_name`), so `token_type` or `cacheKey` are not credentials.
_CREDENTIAL_KEY = lazy_compile(
    r"^(?:key|pass|\w*(?:password|passwd|passphrase|secret|token|apikey|privatekey|accountkey|accesskey|secretkey))$"
)
_NOT_CREDENTIAL_KEY = lazy_compile(
    r"public|\.(?:crt|cert|cer|pub)$|^ca\b|username|user$|host|url$|uri$|address|endpoint"
)
# Keys of files (configuration, certificates): judged by what they contain, not by name.
_FILE_KEY = lazy_compile(r"\.(?:ya?ml|json|ini|conf|cfg|toml|xml|properties|env|txt|crt|cert|cer|pem|pub|csr)$")
# Values that stand for a credential rather than being one.
_PLACEHOLDER = lazy_compile(
    r"""^(?:
        <[^>]*> | \$\{[^}]*\} | \$\([^)]*\) | \{\{.*\}\} | %[A-Za-z_][A-Za-z0-9_]*% | @[A-Za-z_]+@
        | (?:change|replace|update|fill|set)[-_ ]?(?:me|it|this)(?:[-_ ]?please)?
        | (?:your|my)[-_ ]?[\w-]+ | (?:some|the)[-_ ]\w+
        | to[-_ ]?do | tbd | n/?a | none | null | nil | empty | unset | undefined | default
        | x+ | \*+ | \.{3,} | -+ | _+ | 0+
        | example\w* | sample\w* | dummy\w* | placeholder\w* | fake\w* | test | testing
        | password | passwd | secret | token | key | pass | foo | bar | baz | demo
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_placeholder(text: str) -> bool:
    return is_placeholder(text) or _PLACEHOLDER.fullmatch(text.strip()) is not None


def _placeholder(key: str, value: str) -> bool:
    text = value.strip()
    if _is_placeholder(text):
        return True
    # A value that names itself (`SUPER_SECRET_KEY`, `an_unsecure_secret`), or a URL
    # holding no real password: a Secret in the repository is then an example, with
    # nothing to keep out of it. (In a ConfigMap or an env value the place itself is
    # the problem: the real value will be typed there, so those rules still report.)
    if names_itself(text) or sample_url(text) or _sample_connection_string(text):
        return True
    # The value repeats its key (`password: password`, `apiToken: api-token`).
    return words(text) == words(key)


# `Name=Value;` pairs: Azure's and ADO.NET's connection strings.
_CONNECTION_PART = lazy_compile(r"\s*([A-Za-z][A-Za-z0-9 ]*)=([^;]*)")
# Settings that point a connection string at a local development emulator, whose
# well-known key is published with it (Azure Service Bus emulator, Azurite).
_EMULATOR = lazy_compile(r"(?:UseDevelopmentEmulator|UseDevelopmentStorage)=true", re.IGNORECASE)


def _sample_connection_string(text: str) -> bool:
    """A connection string holding no real secret: one for a development emulator, or
    one whose secret parts (`SharedAccessKey=`, `AccountKey=`, `Password=`) are all
    placeholders (`SharedAccessKey=SAS_KEY_VALUE`)."""
    parts = [part for part in text.rstrip(";").split(";") if part.strip()]
    pairs = [_CONNECTION_PART.fullmatch(part) for part in parts]
    if len(pairs) < 2 or not all(pairs):
        return False
    if _EMULATOR.search(text):
        return True
    secrets = [(m[1], m[2]) for m in pairs if m is not None and _credential_key(m[1].replace(" ", ""))]
    return bool(secrets) and all(_placeholder(name, value) for name, value in secrets)


def _decoded(value: Any) -> str | None:
    """A `data` value as text: None when it is not base64 of UTF-8 text (or not known)."""
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _registry_auth(value: str) -> bool:
    """Whether a docker config holds a real `auth` or `password` for some registry."""
    try:
        config = json.loads(value)
    except ValueError:
        return False
    auths = config.get("auths", config) if isinstance(config, dict) else None
    if not isinstance(auths, dict):
        return False
    for entry in auths.values():
        if not isinstance(entry, dict):
            continue
        for field in ("auth", "password", "identitytoken"):
            secret = entry.get(field)
            if isinstance(secret, str) and not _placeholder(field, secret):
                return True
    return False


def _credential_key(key: str) -> bool:
    lowered = key.lower()
    if _NOT_CREDENTIAL_KEY.search(lowered):
        return False
    if len(words(key)) > 1:
        return is_credential_name(key)
    return is_credential_name(key) or _CREDENTIAL_KEY.fullmatch(lowered) is not None


def _what(key: str, value: str) -> str | None:
    """What makes the entry a literal credential, or None."""
    if not value.strip():
        return None
    shape = credential_shape(value)
    # A URL's password that is one of this rule's placeholders (`postgres://app:CHANGEME@db`
    # in a `secret.example.yaml`: corpus39's varianthub) is no credential either.
    if shape is not None and not (shape == URL_WITH_PASSWORD and url_passwords_are_samples(value, _is_placeholder)):
        return f"a literal value that looks like {shape}"
    if key in (".dockerconfigjson", ".dockercfg"):
        return "literal registry credentials" if _registry_auth(value) else None
    if _FILE_KEY.search(key.lower()) or not _credential_key(key) or _placeholder(key, value):
        return None
    return "a literal value, and its key names a credential"


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    kind = obj.get("type")
    if kind is UNKNOWN or kind == "kubernetes.io/service-account-token":
        return  # the control plane writes its token (or the type is not known yet)
    found: list[tuple[tuple[str, str], str]] = []
    keys = [k for field in ("data", "stringData") for k in as_mapping(obj.get(field)) if isinstance(k, str)]
    for field, decode in (("data", True), ("stringData", False)):
        entries = as_mapping(obj.get(field))
        for key in sorted(k for k in entries if isinstance(k, str)):  # (Pulumi sorts keys)
            path = (field, key)
            if obj.is_secret(path):
                continue  # a Pulumi secret: encrypted in config and state
            raw = entries[key]
            if isinstance(raw, str) and is_encrypted(raw):
                continue  # SOPS ciphertext, in `data` as in `stringData`
            value = _decoded(raw) if decode else raw
            if not isinstance(value, str):
                continue
            what = _what(key, value)
            if what is not None and names_key_id(key, keys) and credential_shape(value) is None:
                continue  # `accesskey` beside `secretkey`: the key's id, a user name
            if what is not None:
                found.append((path, what))
    if not found:
        return
    # One finding per Secret: the object committed with its values is the root cause,
    # and taking it out of the repository is the one fix (the keys are listed, each
    # credential to rotate).
    (field, key), what = found[0]
    message = f'Secret key "{key}" in {field} holds {what}'
    if len(found) > 1:
        others = ", ".join(f'"{k}" in {f}' for (f, k), _ in found[1:])
        message += f"; so do {others}"
    yield Violation(
        found[0][0],
        f"{message}: keep the values out of the repository "
        "(an external secret store, Sealed Secrets or SOPS, or a Pulumi config secret) and rotate them",
    )


RULE = Rule(
    name="no-plaintext-secret-values",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="workload-hardening",
    kinds={"Secret"},
    check=check,
    tags=("secrets",),
)
