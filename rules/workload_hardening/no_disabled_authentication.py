"""Servers do not turn their own authentication off.

Fires on a container whose environment or arguments switch off the authentication
of a well-known server image, as that image documents the switch:

- `POSTGRES_HOST_AUTH_METHOD: trust` (the official `postgres` image): every client
  that reaches the port logs in as any role, without a password (unless the command
  line names its own `hba_file`, which then decides);
- `MYSQL_ALLOW_EMPTY_PASSWORD` or `MARIADB_ALLOW_EMPTY_ROOT_PASSWORD` set to any
  non-empty value (the images read even `"false"` as set), while the container sets
  no root password (`*_ROOT_PASSWORD`, its `_FILE` or `_HASH` form, or a random
  one): root has an empty password;
- `ALLOW_EMPTY_PASSWORD: "yes"` (Bitnami's images: PostgreSQL, MySQL, Redis,
  MongoDB, ...) while the container sets no `*_PASSWORD` variable: the server
  starts without one;
- `ALLOW_ANONYMOUS_LOGIN: "yes"` without `ZOO_ENABLE_AUTH: "yes"` (Bitnami's
  ZooKeeper): every client reads and writes every znode (corpus33's Dubbo
  registry), and `ALLOW_NONE_AUTHENTICATION: "yes"` without a root password
  (Bitnami's etcd);
- `GF_AUTH_ANONYMOUS_ENABLED: "true"` with `GF_AUTH_ANONYMOUS_ORG_ROLE: Admin`
  (Grafana): every visitor is an administrator, who can add data sources and read
  their credentials;
- `xpack.security.enabled: "false"` (Elasticsearch): whoever reaches the HTTP port
  reads, writes and deletes every index;
- `--NotebookApp.token=''` or `--ServerApp.token=''` without a password flag
  (Jupyter): whoever reaches the port runs code in the pod;
- `cockroach start --insecure` (CockroachDB, also `start-single-node`, in an
  argument list or a shell line): no TLS and no passwords, every client is root.

Why it matters:
    Inside a cluster, "only reachable from the cluster" means reachable from every
    pod of every team, and from anything an attacker compromises first. A database
    or a notebook without authentication turns any foothold in the cluster into
    its data, and often into code execution (PostgreSQL's `COPY ... PROGRAM`,
    Jupyter's kernels, Grafana's data source credentials).

How to fix:
    Keep authentication on and give the password through a Secret:

        env:
          - name: POSTGRES_PASSWORD
            valueFrom:
              secretKeyRef: {name: db, key: password}

    (Remove `POSTGRES_HOST_AUTH_METHOD`, or set it to `scram-sha-256`.)

Notes:
    Only literal values are read. A switch or a password given with `valueFrom`, or
    a container that also takes variables from `envFrom` (which may set the
    password), is not judged: what it holds is not in the pod spec. Nor is a value
    not known yet (Pulumi preview). A container name or image is not required to
    match: the variables are specific to these images, and images are often
    computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.model import POD_KINDS, Container, Resource
from policypack.patterns import Pattern, lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, is_unknown

YES_WORDS = frozenset({"yes", "true", "1", "on"})

# Variables that give MySQL's or MariaDB's root a password (then an empty one is
# only allowed, not used).
_ROOT_PASSWORD = lazy_compile(r"(?:MYSQL|MARIADB)_(?:RANDOM_)?ROOT_PASSWORD(?:_FILE|_HASH)?")
_ETCD_ROOT_PASSWORD = lazy_compile(r"ETCD_ROOT_PASSWORD(?:_FILE)?")
# A password variable of Bitnami's images (`POSTGRESQL_PASSWORD`, `REDIS_PASSWORD_FILE`,
# `MONGODB_ROOT_PASSWORD`, ...).
_PASSWORD = lazy_compile(r"[A-Z0-9_]*PASSWORD(?:_FILE)?")
# Jupyter's token flag with an empty value (`--NotebookApp.token=''`), and its password flag.
_EMPTY_TOKEN = lazy_compile(r"--(?:NotebookApp|ServerApp)\.token=(?:''|\"\"|)(?=\s|$|;|&)")
_PASSWORD_FLAG = lazy_compile(r"--(?:NotebookApp|ServerApp)\.password=(?!''|\"\"|\s|$)")


# The value of an entry given by `valueFrom`: set, to something the spec does not show.
_REFERENCE = object()


class Environment:
    """A container's `env`: literal values by name, and whether anything is left open
    (an entry or value not known yet, `envFrom`)."""

    def __init__(self, container: Container) -> None:
        self.index: dict[str, int] = {}
        self.values: dict[str, Any] = {}
        env, env_from = container.get("env"), container.get("envFrom")
        self.open = is_unknown(env) or is_unknown(env_from) or bool(as_list(env_from))
        for position, entry in enumerate(as_list(env)):
            if not isinstance(entry, Mapping) or is_unknown(entry.get("name")):
                self.open = True
                continue
            name = entry.get("name")
            if isinstance(name, str):
                self.index[name] = position
                self.values[name] = entry.get("value") if entry.get("valueFrom") is None else _REFERENCE

    def literal(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def sets(self, pattern: Pattern, but: str = "") -> bool:
        """Whether a variable matching `pattern` (other than `but`) has a value."""
        return any(
            pattern.fullmatch(name) and name != but and value not in (None, "") for name, value in self.values.items()
        )


def _findings(env: Environment, own_hba_file: bool) -> Iterator[tuple[str, str]]:
    """(variable, what it does) for each switch the environment turns on.
    `own_hba_file`: PostgreSQL reads the pg_hba.conf its command line names
    (`-c hba_file=...`, danbooru's from a ConfigMap), which then decides who logs in,
    not the image's POSTGRES_HOST_AUTH_METHOD (or the command line is not known yet)."""
    method = env.literal("POSTGRES_HOST_AUTH_METHOD")
    if method is not None and method.strip().lower() == "trust" and not own_hba_file:
        yield "POSTGRES_HOST_AUTH_METHOD", "is trust: PostgreSQL lets every client in as any role without a password"
    if not env.open and not env.sets(_ROOT_PASSWORD):
        for name in ("MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD"):
            if env.literal(name):
                yield name, "is set and no root password is: the database's root user has an empty password"
    allow = env.literal("ALLOW_EMPTY_PASSWORD")
    quiet = env.open or env.sets(_PASSWORD, but="ALLOW_EMPTY_PASSWORD")
    if allow is not None and allow.strip().lower() in YES_WORDS and not quiet:
        yield "ALLOW_EMPTY_PASSWORD", "is yes and no password is set: the server starts without one"
    login, zoo_auth = env.literal("ALLOW_ANONYMOUS_LOGIN"), env.values.get("ZOO_ENABLE_AUTH")
    if (
        (login or "").strip().lower() in YES_WORDS
        and not env.open
        and (zoo_auth is None or (isinstance(zoo_auth, str) and zoo_auth.strip().lower() not in YES_WORDS))
    ):
        yield "ALLOW_ANONYMOUS_LOGIN", "is yes and ZOO_ENABLE_AUTH is not: ZooKeeper lets any client in unauthenticated"
    etcd = env.literal("ALLOW_NONE_AUTHENTICATION")
    if (etcd or "").strip().lower() in YES_WORDS and not env.open and not env.sets(_ETCD_ROOT_PASSWORD):
        yield "ALLOW_NONE_AUTHENTICATION", "is yes and no root password is set: etcd serves any client unauthenticated"
    anonymous, role = env.literal("GF_AUTH_ANONYMOUS_ENABLED"), env.literal("GF_AUTH_ANONYMOUS_ORG_ROLE")
    if (anonymous or "").strip().lower() == "true" and (role or "").strip().lower() == "admin":
        yield "GF_AUTH_ANONYMOUS_ORG_ROLE", "is Admin with anonymous access on: every visitor administers Grafana"
    security = env.literal("xpack.security.enabled")
    if security is not None and security.strip().lower() == "false":
        yield "xpack.security.enabled", "is false: whoever reaches Elasticsearch reads, writes and deletes every index"


def _command_line(container: Container) -> tuple[list[tuple[str, list[Any]]], str] | None:
    """The container's `command` and `args` words, per field, and the line they make;
    None when a word is not known yet."""
    fields = [(field, as_list(container.get(field))) for field in ("command", "args")]
    if any(is_unknown(container.get(field)) or any(is_unknown(word) for word in words) for field, words in fields):
        return None
    return fields, " ".join(word for _, words in fields for word in words if isinstance(word, str))


def _word_with(fields: list[tuple[str, list[Any]]], pattern: Pattern) -> tuple[str, int] | None:
    """The field and index of the first word `pattern` finds in."""
    for field, words in fields:
        for index, word in enumerate(words):
            if isinstance(word, str) and pattern.search(word):
                return field, index
    return None


def _empty_token(container: Container) -> tuple[str, int] | None:
    """Where the container starts Jupyter with an empty token and no password flag:
    the field (`command` or `args`) and index of the word, or None (also when a word
    is not known yet)."""
    found = _command_line(container)
    if found is None or _PASSWORD_FLAG.search(found[1]):
        return None
    return _word_with(found[0], _EMPTY_TOKEN)


# CockroachDB's server started in insecure mode (`cockroach start --insecure`, also
# `start-single-node`), in an argument list or a shell line; its client commands
# (`cockroach sql --insecure`, `init`) only follow the server's mode.
_INSECURE_COCKROACH = lazy_compile(r"cockroach\s+start(?:-single-node)?\b(?:(?!&&|\|\||;).)*?\s--insecure\b", re.DOTALL)
_INSECURE_FLAG = lazy_compile(r"--insecure\b")


def _insecure_cockroach(container: Container) -> tuple[str, int] | None:
    """Where the container starts a CockroachDB server with `--insecure`: the field
    and index of the word holding the flag, or None (also when a word is not known
    yet)."""
    found = _command_line(container)
    if found is None or not _INSECURE_COCKROACH.search(found[1]):
        return None
    return _word_with(found[0], _INSECURE_FLAG)


def check(obj: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    for container in obj.containers(ephemeral=False):
        env = Environment(container)
        line = _command_line(container)
        for name, what in _findings(env, line is None or "hba_file" in line[1]):
            yield Violation(container.path + ("env", env.index[name], "value"), f"{container.label}: env {name} {what}")
        found = _empty_token(container)
        if found is not None:
            yield Violation(
                container.path + found,
                f"{container.label} starts Jupyter with an empty token and no password: "
                "whoever reaches the port runs code in the pod",
            )
        found = _insecure_cockroach(container)
        if found is not None:
            yield Violation(
                container.path + found,
                f"{container.label} starts CockroachDB with --insecure: no TLS and no passwords, so every client "
                "that reaches the SQL port logs in as root",
            )


RULE = Rule(
    name="no-disabled-authentication",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    area="workload-hardening",
    kinds=POD_KINDS,
    check=check,
    options={},
    tags=("secrets",),
)
