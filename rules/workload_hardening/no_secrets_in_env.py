"""Containers do not receive credentials as literal environment values.

Checks each `env` entry of every container, init container and ephemeral container
of every pod-bearing object that has a literal `value` (entries with `valueFrom`
are references and pass). An entry fires when its name says it holds a credential
(a word such as PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY,
CREDENTIALS, CONNECTION_STRING, in any case style) or when its value has the
shape of one: a private key, an AWS access key id, GitHub, GitLab, Slack, Stripe,
npm or Google API tokens, an Azure storage key, a Google Cloud service account
key, a JSON Web Token, a BIP32 extended private key (`xprv...`), or a URL with a password in it.

Names whose last word says they hold something else are not credentials:
`TOKEN_URL`, `PASSWORD_FILE`, `SECRET_NAME`, `AWS_ACCESS_KEY_ID`, `*_PATH`,
`*_ENDPOINT`, `*_LENGTH`, `*_TTL`, `*_USER`, ... Values that cannot be one are
ignored: empty, booleans, numbers (but digits given to a password, such as
`POSTGRES_PASSWORD: "123456"`), paths, a bare reference to another variable such
as `$(DB_PASSWORD)`, and a CONNECTION_STRING of addresses only (`zookeeper:2181`: no
password in a URL, no `Password=` or `...Key=` pair). A sample value (`password`, `changeme`) is
reported: the variable is where the real credential will be typed. An ACCESS_KEY
beside a SECRET_KEY of the same prefix (`MINIO_ACCESS_KEY`, `MINIO_SECRET_KEY`) is
the key's id, a user name: only the secret is reported; so is an AWS access key id
(`AKIA...`) in `AWS_ACCESS_KEY_ID` beside `AWS_SECRET_ACCESS_KEY`. One finding per container, at its first such
entry, naming the others: they move into a Secret together. Messages never repeat a
value.

Why it matters:
    A literal in the pod spec is stored in plain text wherever the manifest is:
    the Git repository, CI logs, Helm release history, Pulumi state, and in the
    cluster for anyone who may read Deployments (a far wider group than those who
    may read Secrets). It cannot be rotated without a redeploy and leaks into crash
    dumps and `/proc/<pid>/environ`.

How to fix:
    Keep the value in a Secret (or an external secret store) and reference it:

        env:
          - name: DB_PASSWORD
            valueFrom:
              secretKeyRef: {name: db, key: password}

    Better still, mount the Secret as a file (CIS 5.4.1 prefers files to
    environment variables).

Notes:
    A variable that holds a program's options (`JAVA_OPTS`, `HADOOP_CLIENT_OPTS`,
    `*_ARGS`, `*_FLAGS`) is read as a command line, as `no-secrets-in-args` reads
    one: `-Djavax.jdo.option.ConnectionPassword=admin` gives a credential flag a
    literal value.
    Reading a name that looks like a credential but is not (say `TOKEN_ISSUER_HINT`)?
    Suppress the rule on that object with the reason, or rename the variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Resource
from policypack.patterns import lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

from ._credentials import (
    AWS_KEY_ID,
    credential_shape,
    holds_no_credential,
    is_credential_name,
    is_placeholder,
    names_key_id,
    numeric_password,
)
from .no_secrets_in_args import first_credential_in

#: Variables that hold a program's command-line options.
_OPTIONS_NAME = lazy_compile(r"(?:^|_)(?:OPTS|OPTIONS|ARGS|FLAGS)$", re.IGNORECASE)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in obj.containers():
        found: list[tuple[int, str, str]] = []
        env = as_list(container.get("env"))
        names = [entry.get("name") if isinstance(entry, Mapping) else entry for entry in env]
        # An entry or a name not known yet (preview) may be the secret beside a key's id.
        undecided = any(is_unknown(name) for name in names)
        names = [name for name in names if isinstance(name, str)]
        for index, entry in enumerate(env):
            if not isinstance(entry, Mapping):
                continue
            name, value = entry.get("name"), entry.get("value")
            if not isinstance(value, str) or (is_placeholder(value) and not numeric_password(name, value)):
                continue  # missing, a reference (valueFrom), or unknown during preview
            shape = credential_shape(value)
            if shape == AWS_KEY_ID and undecided:
                continue
            if isinstance(name, str) and names_key_id(name, names) and shape in (None, AWS_KEY_ID):
                # MINIO_ACCESS_KEY beside MINIO_SECRET_KEY: a user name. An AWS key id
                # beside its secret is the same: the secret, literal or a reference,
                # is the credential (corpus35's acme.sh CronJob, held debatable).
                continue
            if shape is not None:
                what = f"holds a literal value that looks like {shape}"
            elif isinstance(name, str) and is_credential_name(name) and not holds_no_credential(name, value):
                what = "holds a literal value, and its name says it is a credential"
            elif isinstance(name, str) and _OPTIONS_NAME.search(name) and (flag := first_credential_in(value.split())):
                # A program's options in one variable (JAVA_OPTS, HADOOP_CLIENT_OPTS): its
                # flags are read as on the command line (corpus37's Hive metastore:
                # `-Djavax.jdo.option.ConnectionPassword=admin`).
                what = f"holds options, one of which {flag}"
            else:
                continue
            found.append((index, f"env {name}" if isinstance(name, str) else f"env entry #{index}", what))
        if not found:
            continue
        # One finding per container: its credentials move into one Secret together.
        index, label, what = found[0]
        others = f"; so do {', '.join(other for _, other, _ in found[1:])}" if len(found) > 1 else ""
        yield Violation(
            container.path + ("env", index, "value"),
            f"{container.label}: {label} {what}{others}; reference a Secret with valueFrom.secretKeyRef",
        )


RULE = Rule(
    name="no-secrets-in-env",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={},
    tags=("cis-5.4.1", "secrets"),
    # Literal credentials across a pod's containers go into one Secret: one finding
    # (corpus19: the same DATABASE_URL in an API container and its worker).
    one_per_object=True,
)
