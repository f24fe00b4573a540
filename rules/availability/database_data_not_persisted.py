"""A database keeps its data directory on a volume that outlives the pod.

Fires on a regular container of a Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController or bare Pod that runs a well-known database server image
when no volume that outlives the pod is mounted at its data directory, or above it:

| image (last part of the repository) | data directory |
|---|---|
| `postgres`, `postgis/postgis`, `timescale/timescaledb` (not `-ha`) | `/var/lib/postgresql/data` (or `$PGDATA`) |
| `bitnami/postgresql`, `bitnami/mysql`, `bitnami/mariadb`, `bitnami/mongodb`, ... | `/bitnami/<name>` |
| `mysql`, `mysql/mysql-server`, `mariadb`, `percona`, `percona/percona-server` | `/var/lib/mysql` (or `--datadir`) |
| `mongo`, `mongodb/mongodb-community-server` | `/data/db` (or `--dbpath`) |
| `influxdb` | `/var/lib/influxdb` or `/var/lib/influxdb2` |
| `neo4j` | `/data` |
| `clickhouse-server`, `clickhouse` | `/var/lib/clickhouse` |
| `cassandra` | `/var/lib/cassandra` |
| `couchdb` | `/opt/couchdb/data` |
| `mssql/server`, `mssql-server-linux` | `/var/opt/mssql` |
| `redis`, `valkey` (with `--appendonly yes` or `--save ...` on the command line) | `/data` (or `--dir`) |

A volume outlives the pod when it is a PersistentVolumeClaim (a StatefulSet's
`volumeClaimTemplates` included), a `hostPath`, or a network or cloud disk; an
`emptyDir` or a generic `ephemeral` volume is deleted with the pod.

Why it matters:
    Without such a volume the database writes into the container's own layer (or an
    emptyDir): every rescheduling, node drain, eviction or image update starts it on
    an empty data directory, and the data is gone. The mistake is easy to miss,
    because the database works until the first time its pod is replaced, and a
    volume mounted at a similar path (`/var/lib/mariadb` for MariaDB's
    `/var/lib/mysql`) looks right.

How to fix:
    Mount a PersistentVolumeClaim at the data directory (in a StatefulSet, a claim
    per pod from `volumeClaimTemplates`):

        volumeMounts:
          - name: data
            mountPath: /var/lib/postgresql/data
        ...
        volumes:
          - name: data
            persistentVolumeClaim:
              claimName: postgres-data

    If the database is meant to be thrown away with its pod (a test fixture, a
    cache), say so with a suppression and its reason.

Notes:
    Jobs and CronJobs are not judged (a database started for a test run). A
    container that runs the image's client tools only (`psql`, `mysqldump`,
    `mongosh`) is not a server. A persistent volume mounted inside the data directory
    may hold the data through a setting the rule does not read, and leaves the
    verdict open; so do a data directory set from a ConfigMap or Secret, a
    configuration file that may move it (`--config`, `--defaults-file`, `-D`, a
    volume in `/etc/mysql` or the program's other configuration directory), a
    variable that names a data directory (Neo4j's, InfluxDB's), a volume the pod
    does not define, and a CSI volume (persistent or not, depending on the driver).
    Offline, a container whose volumes, mounts or environment a kustomize
    patch of the run writes is not judged. Memcached is not judged, nor are Redis
    and Valkey unless their command line turns persistence on (`--appendonly yes`,
    `--save 60 1`) without a configuration file: then their data directory is
    `/data` (or `--dir`), and an append-only file in the container's layer is lost
    with the pod like any database's (corpus45's Celery broker).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from typing import Any

from policypack.images import split_image
from policypack.model import Container, Resource
from policypack.patterns import Pattern, lazy_compile
from policypack.rule import Enforcement, Rule, Severity, Violation
from policypack.values import as_list, get, is_unknown

TARGET_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Pod"})

# The end of the image's repository path -> the program, where its data lives, and
# how its configuration moves it (an environment variable, or a flag).
_DATABASES: tuple[tuple[Pattern, str, tuple[str, ...], str | None, str | None], ...] = (
    # Bitnami's images keep their data under /bitnami/<name>: the directory comes from the name.
    (
        lazy_compile(r"(?:.*/)?bitnami/(?:postgresql|mysql|mariadb|mongodb|influxdb|cassandra|clickhouse|couchdb)"),
        "",
        (),
        None,
        None,
    ),
    (
        lazy_compile(r"(?:.*/)?(?:postgres|postgis/postgis|timescale/timescaledb)"),
        "PostgreSQL",
        ("/var/lib/postgresql/data", "/var/lib/postgresql"),
        "PGDATA",
        None,
    ),
    (
        lazy_compile(r"(?:.*/)?(?:mysql|mysql/mysql-server|percona|percona/percona-server)"),
        "MySQL",
        ("/var/lib/mysql",),
        None,
        "--datadir",
    ),
    (lazy_compile(r"(?:.*/)?mariadb"), "MariaDB", ("/var/lib/mysql",), None, "--datadir"),
    (
        lazy_compile(r"(?:.*/)?(?:mongo|mongodb/mongodb-community-server)"),
        "MongoDB",
        ("/data/db",),
        None,
        "--dbpath",
    ),
    (lazy_compile(r"(?:.*/)?influxdb"), "InfluxDB", ("/var/lib/influxdb", "/var/lib/influxdb2"), None, None),
    (lazy_compile(r"(?:.*/)?neo4j"), "Neo4j", ("/data",), None, None),
    (
        lazy_compile(r"(?:.*/)?(?:clickhouse-server|clickhouse/clickhouse|clickhouse)"),
        "ClickHouse",
        ("/var/lib/clickhouse",),
        None,
        None,
    ),
    (lazy_compile(r"(?:.*/)?cassandra"), "Cassandra", ("/var/lib/cassandra",), None, None),
    (lazy_compile(r"(?:.*/)?couchdb"), "CouchDB", ("/opt/couchdb/data",), None, None),
    # Redis and Valkey are judged only when their command line asks them to persist
    # (`_persists`): they are caches as often as stores.
    (lazy_compile(r"(?:.*/)?(?:redis|redis/redis-stack-server)"), "Redis", ("/data",), None, "--dir"),
    (lazy_compile(r"(?:.*/)?valkey(?:/valkey)?"), "Valkey", ("/data",), None, "--dir"),
    (
        lazy_compile(r"(?:.*/)?(?:mssql/server|mssql-server-linux|mssql-server)"),
        "SQL Server",
        ("/var/opt/mssql",),
        None,
        None,
    ),
)

#: The data directories of every database above but the one at `/data` (Neo4j's, a
#: directory too common to tell a database by), for an image the table does not know.
WELL_KNOWN_DIRECTORIES = tuple(
    sorted({d for _, _, directories, _, _ in _DATABASES for d in directories if d != "/data"})
)


def data_directories(container: Container) -> tuple[str, ...]:
    """Where the container's database keeps its data: its own directories when the
    table knows its image (as this rule reads them), else every well-known one (a
    project's own build of a database: corpus29's `greyhole-database` on
    /var/lib/mysql)."""
    known = database_program(container)
    return known[1] if known is not None else WELL_KNOWN_DIRECTORIES


_BITNAMI_PROGRAMS = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mongodb": "MongoDB",
    "influxdb": "InfluxDB",
    "cassandra": "Cassandra",
    "clickhouse": "ClickHouse",
    "couchdb": "CouchDB",
}

# Volume sources deleted with the pod, and those whose lifetime depends on a driver.
_EPHEMERAL_SOURCES = frozenset({"emptyDir", "ephemeral"})
_OPEN_SOURCES = frozenset({"csi", "flexVolume"})
# Sources that hold no database files (configuration, credentials, metadata).
_CONFIG_SOURCES = frozenset({"configMap", "secret", "projected", "downwardAPI", "gitRepo"})


def check(workload: Resource, options: Mapping[str, Any]) -> Iterator[Violation]:
    pod = workload.pod_spec
    if pod is None or workload.patched(*pod.path, "volumes"):
        return
    volumes = _volume_sources(workload, pod.spec.get("volumes"))
    if volumes is None:
        return
    for container in workload.containers(init=False, ephemeral=False):
        found = database_program(container)
        if (
            found is None
            or workload.patched(*container.path, "volumeMounts")
            or workload.patched(*container.path, "env")
        ):
            continue
        program, directories = found
        if _configured_by_volume(container.get("volumeMounts"), _CONFIG_DIRECTORIES.get(program)):
            continue  # a configuration file there may move the data directory
        verdict = _kept(container.get("volumeMounts"), volumes, directories)
        if verdict is None or verdict[0]:
            continue
        if verdict[1]:
            where = f'on the volume "{verdict[1]}", which is deleted with the pod'
        else:
            where = "on no volume" + _elsewhere(container.get("volumeMounts"), volumes)
        yield Violation(
            container.path + ("volumeMounts",),  # where the fix goes (the container's line when it has none)
            f"{container.label} runs {program} with its data directory {directories[0]} {where}: "
            "the data is lost whenever the pod is replaced (a drain, an eviction, an update)",
        )


def _configured_by_volume(mounts: Any, directory: str | None) -> bool:
    """Whether a volume is mounted in (or at) the program's configuration directory."""
    if directory is None:
        return False
    for mount in as_list(mounts):
        path = mount.get("mountPath") if isinstance(mount, Mapping) else None
        if isinstance(path, str) and (path == directory or path.startswith(directory)):
            return True
    return False


def _elsewhere(mounts: Any, volumes: Mapping[str, str]) -> str:
    """Where the container's persistent volume is mounted instead, for the message."""
    for mount in as_list(mounts):
        name = mount.get("name") if isinstance(mount, Mapping) else None
        if isinstance(name, str) and volumes.get(name) == "persistent":
            return f' (its volume "{name}" is mounted at {mount.get("mountPath")} instead)'
    return ""


def database_program(container: Container) -> tuple[str, tuple[str, ...]] | None:
    """(program, data directories) when the container runs a database server this
    rule knows; None for any other container, or when not known yet."""
    image = container.get("image")
    if not isinstance(image, str):
        return None
    repository = split_image(image.strip())[0].lower()
    for pattern, program, directories, variable, flag in _DATABASES:
        if not pattern.fullmatch(repository):
            continue
        if not _runs_server(container):
            return None  # a client's command line, a script, or one not known yet
        if program in ("Redis", "Valkey") and not _persists(container):
            return None  # a cache, or persistence set where the rule cannot read it
        if not directories:  # Bitnami's
            name = repository.rpartition("/")[2]
            program, directories = _BITNAMI_PROGRAMS[name], (f"/bitnami/{name}",)
        moved = _moved(container, variable, flag)
        if moved is False:
            return None  # set where the rule cannot read it
        return program, ((moved,) if isinstance(moved, str) else directories)
    return None


# Executables that start the server (the images' entrypoints, or the server itself),
# and wrappers that start the next word.
_SERVERS = frozenset(
    {
        "docker-entrypoint.sh",
        "docker-entrypoint",
        "postgres",
        "mysqld",
        "mariadbd",
        "mongod",
        "influxd",
        "neo4j",
        "clickhouse-server",
        "cassandra",
        "couchdb",
        "sqlservr",
        "redis-server",
        "valkey-server",
    }
)
_WRAPPERS = frozenset({"tini", "dumb-init", "gosu", "su-exec", "--"})


def _runs_server(container: Container) -> bool:
    """Whether the container starts the image's server: its entrypoint (no command),
    given flags or a server's name as arguments, or a command line that starts with
    the server or the entrypoint. A client (`psql`, `mysqldump`), a shell script, or a
    command line not known yet is not taken for one."""
    command, args = container.get("command"), container.get("args")
    if is_unknown(command) or is_unknown(args):
        return False
    words = [*as_list(command), *as_list(args)]
    if not all(isinstance(word, str) for word in words):
        return False
    if command is None:  # the image's entrypoint runs its arguments when they name a program
        first = next((word for word in words if not word.startswith("-")), None)
        return first is None or posixpath.basename(first) in _SERVERS or words[0].startswith("-")
    for word in words:
        name = posixpath.basename(word)
        if name in _WRAPPERS or (word.startswith("-") and name != "--"):
            continue
        return name in _SERVERS
    return False


def _persists(container: Container) -> bool:
    """Whether a Redis or Valkey server's command line turns persistence on
    (`--appendonly yes`, `--save 60 1`), reading no configuration file that may set
    it otherwise (corpus45's oluto: a Celery broker with `--appendonly yes` and no
    volume). A command line not known yet, or a shell's, is not read."""
    words = container.command_line()
    if words is None or not all(isinstance(word, str) for word in words):
        return False
    flat = [part for word in words for part in word.split()]
    for index, word in enumerate(flat):
        if index > 0 and not word.startswith("-") and word.endswith(".conf"):
            return False  # a configuration file, which may set persistence and where it goes
    for index, word in enumerate(flat[:-1]):
        value = flat[index + 1].strip("\"'")
        if word == "--appendonly" and value.lower() == "yes":
            return True
        if word == "--save" and value not in ("", '""', "''") and value[:1].isdigit():
            return True
    return False


# Variables that name a data directory (`NEO4J_server_directories_data`,
# `INFLUXD_BOLT_PATH`, `INFLUXDB_DATA_DIR`, `MSSQL_DATA_DIR`), and command-line
# options that read a configuration file or set the directory (`mongod --config`,
# `mysqld --defaults-file`, `postgres -D`, `-c data_directory=`).
_DATA_VARIABLE = lazy_compile(r"(?i)directories_data|data_?dir|data_?path|bolt_path|engine_path|db_?path|storage_?path")
_CONFIG_FLAG = lazy_compile(
    r"^(?:--config(?:-file)?|-f|--defaults(?:-extra)?-file|-D|--pgdata)(?:=|$)|config_file=|data_directory="
)
# Where a database reads configuration files that may move its data directory: a
# volume mounted there leaves the verdict open.
_CONFIG_DIRECTORIES = {
    "MySQL": "/etc/mysql",
    "MariaDB": "/etc/mysql",
    "ClickHouse": "/etc/clickhouse-server",
    "Cassandra": "/etc/cassandra",
    "CouchDB": "/opt/couchdb/etc",
    "InfluxDB": "/etc/influxdb",
    "Neo4j": "/var/lib/neo4j/conf",
}


def _moved(container: Container, variable: str | None, flag: str | None) -> str | bool | None:
    """The data directory the configuration sets (an environment variable, a flag);
    None when it sets none, False when it is set where the rule cannot read it."""
    if variable is not None:
        env = container.get("env")
        if is_unknown(env):
            return False
        for entry in as_list(env):
            if not isinstance(entry, Mapping) or entry.get("name") != variable:
                continue
            value = entry.get("value")
            return posixpath.normpath(value) if isinstance(value, str) and value.startswith("/") else False
        if any(is_unknown(entry) for entry in as_list(env)) or container.get("envFrom") is not None:
            return False  # it may come from a ConfigMap or a Secret
    env = container.get("env")
    if is_unknown(env) or any(
        is_unknown(entry)
        or (isinstance(entry, Mapping) and is_unknown(entry.get("name")))
        or (isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and _DATA_VARIABLE.search(entry["name"]))
        for entry in as_list(env)
    ):
        return False  # a variable of the program's own that may move its data (Neo4j's, InfluxDB's)
    words = [*as_list(container.get("command")), *as_list(container.get("args"))]
    if any(is_unknown(word) for word in words):
        return False
    if any(isinstance(word, str) and _CONFIG_FLAG.search(word) for word in words):
        return False  # a configuration file given on the command line may set the data directory
    if flag is not None:
        for index, word in enumerate(words):
            if not isinstance(word, str):
                continue
            if word.startswith(flag + "="):
                value = word[len(flag) + 1 :]
            elif word == flag and index + 1 < len(words) and isinstance(words[index + 1], str):
                value = words[index + 1]
            elif flag in word:
                return False  # inside a shell line
            else:
                continue
            return posixpath.normpath(value) if value.startswith("/") else False
    return None


def _volume_sources(workload: Resource, volumes: Any) -> dict[str, str] | None:
    """The pod's volumes by name -> "persistent", "ephemeral", "config" or "open"
    (a StatefulSet's claim templates are persistent); None when not known yet."""
    if is_unknown(volumes):
        return None
    sources: dict[str, str] = {}
    for volume in as_list(volumes):
        if is_unknown(volume):
            return None
        if not isinstance(volume, Mapping) or not isinstance(volume.get("name"), str):
            continue
        keys = [key for key in volume if key != "name"]
        if any(is_unknown(volume[key]) for key in keys):
            return None
        if not keys:
            sources[volume["name"]] = "ephemeral"  # no source: an emptyDir
        elif any(key in _EPHEMERAL_SOURCES for key in keys):
            sources[volume["name"]] = "ephemeral"
        elif any(key in _OPEN_SOURCES for key in keys):
            sources[volume["name"]] = "open"
        elif all(key in _CONFIG_SOURCES for key in keys):
            sources[volume["name"]] = "config"
        else:
            sources[volume["name"]] = "persistent"
    templates = workload.get("spec", "volumeClaimTemplates") if workload.kind == "StatefulSet" else None
    if is_unknown(templates):
        return None
    for template in as_list(templates):
        name = get(template, "metadata", "name")
        if is_unknown(name):
            return None
        if isinstance(name, str):
            sources[name] = "persistent"
    return sources


def _kept(mounts: Any, volumes: Mapping[str, str], directories: tuple[str, ...]) -> tuple[bool, str] | None:
    """Whether the data directory (any of the program's alternatives) is on a volume
    that outlives the pod: (True, "") when it is, (False, volume) when the mount that
    holds it is deleted with the pod, (False, "") when no mount holds it; None when
    that is not known."""
    if is_unknown(mounts):
        return None
    placed: list[tuple[str, str | None, Any]] = []  # (mount path, source, volume name)
    for mount in as_list(mounts):
        if is_unknown(mount):
            return None
        if not isinstance(mount, Mapping):
            continue
        name, path = mount.get("name"), mount.get("mountPath")
        if is_unknown(name) or is_unknown(path):
            return None
        if isinstance(path, str) and path.startswith("/"):
            placed.append((posixpath.normpath(path), volumes.get(name) if isinstance(name, str) else None, name))
    verdicts = [_kept_at(directory, placed) for directory in directories]
    if any(verdict is not None and verdict[0] for verdict in verdicts):
        return True, ""
    if None in verdicts:
        return None
    return verdicts[0]


def _kept_at(directory: str, placed: list[tuple[str, str | None, Any]]) -> tuple[bool, str] | None:
    """`_kept` for one data directory: the deepest mount at or above it decides."""
    holding: list[tuple[int, str | None, Any]] = []
    for path, source, name in placed:
        if path.startswith(directory + "/") and source not in ("ephemeral", "config"):
            return None  # a volume inside the data directory: where the data goes is not known
        if path == directory or directory.startswith(path.rstrip("/") + "/"):
            holding.append((path.count("/") if path != "/" else 0, source, name))
    if not holding:
        return False, ""
    _, source, name = max(holding, key=lambda entry: entry[0])
    if source == "persistent":
        return True, ""
    if source == "ephemeral":
        return False, str(name)
    return None  # a CSI volume, a volume the pod does not define, configuration


RULE = Rule(
    name="database-data-not-persisted",
    doc=__doc__,
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    area="availability",
    kinds=TARGET_KINDS,
    check=check,
    tags=("data-loss", "reliability"),
)
