"""Recognising credentials by their name and by their shape.

Both checks err on the quiet side: a name counts only when a credential word is in
it and its last word does not say it holds something else (a URL, a path, a file,
a length, the name of a Secret), and a value counts only when it has the shape of a
known credential format. Callers never print the value.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from typing import Any

from policypack.patterns import Pattern, lazy_compile

# Words that name a credential on their own, and pairs of adjacent words that do.
CREDENTIAL_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PASSPHRASE",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATEKEY",
        "ACCESSKEY",
        "SECRETKEY",
        "AUTHTOKEN",
        # A wallet's recovery phrase (NibiruChain's COMPOUNDER_MNEMONIC, corpus20).
        "MNEMONIC",
        # ZITADEL's `--masterkey`, which encrypts its stored secrets (corpus33).
        "MASTERKEY",
    }
)
CREDENTIAL_PAIRS = frozenset(
    {
        ("SEED", "PHRASE"),
        ("RECOVERY", "PHRASE"),
        ("API", "KEY"),
        ("ACCESS", "KEY"),
        ("PRIVATE", "KEY"),
        ("SIGNING", "KEY"),
        ("ENCRYPTION", "KEY"),
        ("MASTER", "KEY"),
        ("LICENSE", "KEY"),
        ("ACCOUNT", "KEY"),
        ("SESSION", "KEY"),
        ("HMAC", "KEY"),
        # Airflow's FERNET_KEY (it encrypts the connections' passwords: corpus28's
        # nicor88), a JWT signing key.
        ("FERNET", "KEY"),
        ("JWT", "KEY"),
        ("CONNECTION", "STRING"),
        # a payment gateway's merchant key, which authenticates charges (corpus36's
        # KongaPay `KONGAPAY_MERCHANT_KEY: live_pr_...`, missed by three reviewers)
        ("MERCHANT", "KEY"),
        ("ERLANG", "COOKIE"),
        ("RELEASE", "COOKIE"),
    }
)
# A last word that says the name holds where a credential is kept: PASSWORD_FILE,
# a ConfigMap key `sheet-credential-path`.
LOCATION_LAST_WORDS = frozenset({"PATH", "FILE", "FILENAME", "DIR", "DIRECTORY", "LOCATION"})
# A last word that says the variable holds something about a credential, not the
# credential itself: TOKEN_URL, PASSWORD_FILE, SECRET_NAME, AWS_ACCESS_KEY_ID.
NOT_CREDENTIAL_LAST_WORDS = LOCATION_LAST_WORDS | frozenset(
    {
        # A command that prints the credential (Airflow's FERNET_KEY_CMD, *_SECRET_CMD):
        # the way to keep it out of the environment.
        "CMD",
        "COMMAND",
        "URL",
        "URLS",
        "URI",
        "ENDPOINT",
        "HOST",
        "HOSTNAME",
        "PORT",
        "NAME",
        "ID",
        "REF",
        "TYPE",
        "KIND",
        "MODE",
        "FORMAT",
        "LENGTH",
        "SIZE",
        "TTL",
        "EXPIRY",
        "EXPIRATION",
        "EXPIRES",
        "LIFETIME",
        "DURATION",
        "TIMEOUT",
        "INTERVAL",
        "HEADER",
        "PARAM",
        "FIELD",
        "ENABLED",
        "DISABLED",
        "REQUIRED",
        "ISSUER",
        "AUDIENCE",
        "REALM",
        "ALGORITHM",
        "SCHEME",
        "PREFIX",
        "SUFFIX",
        "VERSION",
        "REGION",
        "PROVIDER",
        "USER",
        "USERNAME",
        "POLICY",
        "SCOPE",
        "SCOPES",
        "COUNT",
        "LIMIT",
        "MAX",
        "MIN",
        "STORE",
        "BACKEND",
    }
)

# Words that only qualify the word before them (a unit, a preposition): they are
# skipped before the last word is read, so `ACCESS_TOKEN_EXPIRES_IN`,
# `TOKEN_TTL_SECONDS` and `SESSION_TIMEOUT_MS` end in EXPIRES, TTL and TIMEOUT.
QUALIFYING_LAST_WORDS = frozenset(
    {"IN", "AT", "AFTER", "MS", "MILLIS", "SEC", "SECS", "SECONDS", "MIN", "MINS", "MINUTES", "HOURS", "DAYS"}
)

# Names whose credential word names an identifier, not a secret: etcd's
# `--initial-cluster-token` only keeps two clusters bootstrapped on one network
# apart (etcd's docs), and paging tokens are cursors.
NOT_CREDENTIAL_ENDINGS: tuple[tuple[str, ...], ...] = (
    ("INITIAL", "CLUSTER", "TOKEN"),
    ("PAGE", "TOKEN"),
    ("CONTINUE", "TOKEN"),
)

# Endings that make a run-together word a credential: libpq's PGPASSWORD,
# `MYSQLPASSWORD`, `DBPASSWD`.
COMPOUND_ENDINGS = ("PASSWORD", "PASSWD", "PASSPHRASE")


def _compound(word: str) -> bool:
    """A run-together credential word (`PGPASSWORD`), not a switch (`NOPASSWORD`)."""
    return word.endswith(COMPOUND_ENDINGS) and not word.startswith(("NO", "SKIP", "ALLOW", "EMPTY"))


# Words that name a credential only as the last word: `RABBITMQ_DEFAULT_PASS`,
# `SMTP_PASS`, but not `PASS_THROUGH_HEADERS`.
CREDENTIAL_LAST_WORDS = frozenset({"PASS", "PW"})

_WORD = lazy_compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(name: str) -> list[str]:
    """`DB_PASSWORD` -> [DB, PASSWORD]; `apiKey` -> [API, KEY]; `x-auth-token` -> [X, AUTH, TOKEN]."""
    return [word.upper() for word in _WORD.findall(name)]


def names_a_location(name: str) -> bool:
    """Whether a name's last word says it holds where something is kept (a path, a
    file, a directory), not the thing itself."""
    parts = words(name)
    return bool(parts) and parts[-1] in LOCATION_LAST_WORDS


def is_credential_name(name: str) -> bool:
    parts = words(name)
    last = len(parts)
    while last > 1 and parts[last - 1] in QUALIFYING_LAST_WORDS:
        last -= 1
    if not parts or parts[last - 1] in NOT_CREDENTIAL_LAST_WORDS:
        return False
    if any(tuple(parts[-len(ending) :]) == ending for ending in NOT_CREDENTIAL_ENDINGS):
        return False
    if parts[-1] in CREDENTIAL_LAST_WORDS:
        return True
    return any(word in CREDENTIAL_WORDS or _compound(word) for word in parts) or any(
        pair in CREDENTIAL_PAIRS for pair in itertools.pairwise(parts)
    )


# A Kubernetes object name (DNS-1123 subdomain) of several words: `my-registry-token`.
_OBJECT_NAME = lazy_compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)+")


def names_a_secret(name: str, value: str) -> bool:
    """Whether a credential-named setting holds the *name* of a Kubernetes Secret, not
    a credential: the name's last word is SECRET (`KUBE_SECRET`, `tlsSecret`) and the
    value is an object name of several words (flux's `KUBE_SECRET:
    my-registry-token`, the Secret a job creates). A secret value of that shape,
    lowercase words joined by hyphens, would be a weak one: `credential_shape` still
    catches vendor tokens whatever the name."""
    parts = words(name)
    # (`SECRET` alone names the value itself, an app's signing secret: corpus35's
    # Tailchat `SECRET: any-secret-keywords`.)
    return len(parts) > 1 and parts[-1] == "SECRET" and _OBJECT_NAME.fullmatch(value.strip()) is not None


# What makes a connection string a credential: a password in a URL's user part
# (`mongodb://app:pw@db`), or a key=value pair of a secret (`Password=`, `Pwd=`,
# `AccountKey=`, `SharedAccessKey=`, `token=`).
_CONNECTION_SECRET = lazy_compile(
    r"(?i)(?:password|passwd|pwd|secret|key|token|signature|sig|credentials?)\s*=|://[^/@\s:]*:[^/@\s]+@"
)


def names_an_address(name: str, value: str) -> bool:
    """Whether a setting that only its CONNECTION_STRING words call a credential holds
    no secret: hosts and ports (corpus36's FTGO `..._ZOOKEEPER_CONNECTION_STRING:
    ftgo-zookeeper:2181`), with no password in a URL and no `Password=` or `...Key=`."""
    parts = words(name)
    pairs = list(itertools.pairwise(parts))
    if ("CONNECTION", "STRING") not in pairs:
        return False
    at = pairs.index(("CONNECTION", "STRING"))
    rest = parts[:at] + parts[at + 2 :]
    if rest and is_credential_name("_".join(rest)):
        return False  # DB_PASSWORD_CONNECTION_STRING: the name says more
    return _CONNECTION_SECRET.search(value) is None


# A password hashed by crypt(3) or a tool of its family: `$6$salt$...` (SHA-512),
# `$5$`, `$1$`, bcrypt's `$2y$`, Apache's `$apr1$`, Mosquitto's `$7$` (PBKDF2), Argon2,
# scrypt, and LDAP's `{SSHA}`/`{SHA}`.
_CRYPT_HASH = (
    r"(?:\$(?:1|2[abxy]?|5|6|7|apr1|argon2(?:id|i|d)|scrypt|pbkdf2(?:-sha\d+)?)\$\S{8,}|\{S?SHA\}[A-Za-z0-9+/=]{20,})"
)
_PASSWORD_HASH = lazy_compile(_CRYPT_HASH)
# A password file of such hashes (htpasswd, Mosquitto's password_file): `user:hash` lines.
_HASH_FILE_LINE = lazy_compile(r"[^:\s#]+:" + _CRYPT_HASH)


def is_password_hash(value: str) -> bool:
    """Whether the value is a password hash, or a password file whose every line is
    `user:hash` (corpus36's Mosquitto `passwd: example:$6$...`): what a server checks
    passwords against, not a password (as SQL's hashed passwords are not)."""
    lines = [line.strip() for line in value.strip().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return False
    if len(lines) == 1 and _PASSWORD_HASH.fullmatch(lines[0]):
        return True
    return all(_HASH_FILE_LINE.fullmatch(line) for line in lines)


def holds_no_credential(name: str, value: str) -> bool:
    """Whether a credential-named setting's value is something else: the name of a
    Secret object (`names_a_secret`), a connection string of addresses only
    (`names_an_address`), or a password hash or file of hashes (`is_password_hash`)."""
    return names_a_secret(name, value) or names_an_address(name, value) or is_password_hash(value)


_NUMBER = lazy_compile(r"[0-9.]+")
# A reference to another variable: Kubernetes' `$(VAR)`, and a template's `${VAR}` or
# `$VAR` (envsubst fills both: prow's starter Secret holds "$MINIO_ROOT_PASSWORD").
_REFERENCE = lazy_compile(r"\$\([A-Za-z_][A-Za-z0-9_.-]*\)|\$\{[A-Za-z_][A-Za-z0-9_.-]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


# A value SOPS encrypted in place (`ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]`):
# the file holds ciphertext, which is how SOPS keeps credentials in a repository.
_SOPS_VALUE = lazy_compile(r"ENC\[[A-Z0-9_]+,data:[^\]]*\]")


def is_encrypted(value: str) -> bool:
    """Whether the value is ciphertext a tool decrypts at deploy time (SOPS)."""
    return _SOPS_VALUE.fullmatch(value.strip()) is not None


# An instruction to fill the value in, written where it goes: `CHANGEME_SECURE_S3_PASSWORD`,
# `ed25519 a_XXXX CHANGEME_GENERATE_USING_SYNAPSE_GENERATE_COMMAND`, `REPLACE_WITH_YOUR_KEY`.
# A bare `changeme` is not one: it is a default password people deploy (Elasticsearch's).
_FILL_IN = lazy_compile(
    r"(?<![A-Za-z0-9])(?:change[-_]?me|replace[-_]?me|replace[-_]with)[-_][A-Za-z0-9]", re.IGNORECASE
)


def is_fill_in(value: str) -> bool:
    """Whether the value tells the reader to put the credential there (`CHANGEME_...`)."""
    return _FILL_IN.search(value) is not None


def is_placeholder(value: str) -> bool:
    """Values that cannot be a credential in the clear: empty, a boolean, a number, a
    path, only a reference to another variable (`$(DB_PASSWORD)`, `${DB_PASSWORD}`,
    `$DB_PASSWORD`) or to another file's value (`!secret db_password`) or a secret
    store's entry (`secret:project/name`, `arn:aws:secretsmanager:...`), ciphertext
    (SOPS's `ENC[...]`), an instruction to fill it in (`CHANGEME_SECURE_S3_PASSWORD`),
    or one character repeated: a mask (`**************`, corpus43's WANDB_API_KEY) or a
    dummy (`x`, the password stratum mining pools ignore, corpus42)."""
    text = value.strip()
    return (
        not text
        or (len(set(text)) == 1 and not text.isdigit())
        or text.lower() in ("true", "false", "yes", "no", "none", "null")
        or _NUMBER.fullmatch(text) is not None
        or text.startswith(("/", "./", "file://"))
        or _REFERENCE.fullmatch(text) is not None
        or is_encrypted(text)
        or is_fill_in(text)
        or _FILE_REFERENCE.fullmatch(text) is not None
        or _STORE_REFERENCE.fullmatch(text) is not None
    )


_PASSWORD_WORDS = frozenset({"PASSWORD", "PASSWD", "PASS", "PW", "PASSPHRASE", "PIN"})


def numeric_password(name: Any, value: str) -> bool:
    """Whether a value of digits only is a password: its name's last word says so
    (`POSTGRES_PASSWORD: "123456"`, corpus25; `PGPASSWORD`), as it does not for a
    number such as `PASSWORD_MIN_LENGTH` or `TOKEN_TTL` (which `is_credential_name`
    rejects) or an id. Four digits at least: a shorter one is a count."""
    text = value.strip()
    if not (isinstance(name, str) and text.isdigit() and len(text) >= 4 and is_credential_name(name)):
        return False
    last = words(name)[-1]
    return last in _PASSWORD_WORDS or (_compound(last) and last.endswith(("PASSWORD", "PASSWD")))


# A program's own reference to a value kept in another file: Home Assistant's and
# ESPHome's `!secret db_password`, Zigbee2MQTT's `!secret.yaml password` (corpus23's
# z2m reads `!z2msecret.yaml password` from a file mounted from a Secret).
_FILE_REFERENCE = lazy_compile(r"!(?:secret|[A-Za-z0-9_.-]+\.ya?ml)\s+[A-Za-z_][A-Za-z0-9_.-]*")


# A reference to an entry of a secret store, which the program (or a tool before it)
# resolves: golang/build's `secret:project/name` flags (corpus31's relui, labelled false),
# Google Secret Manager resource names, AWS Secrets Manager and Parameter Store ARNs,
# Berglas's `sm://`, vals' `ref+vault://`, 1Password's `op://`, Vault paths.
_STORE_REFERENCE = lazy_compile(
    r"secret:[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+"
    r"|(?:sm|berglas|gcpsm|awssm|awsssm|op|akv|azurekv|doppler|vault|ref\+[a-z0-9]+)://\S+"
    r"|vault:[A-Za-z0-9_./-]+(?:#[A-Za-z0-9_.-]+)?"
    r"|projects/[A-Za-z0-9_-]+/secrets/[A-Za-z0-9_-]+(?:/versions/[A-Za-z0-9_-]+)?"
    r"|arn:aws:(?:secretsmanager|ssm):[A-Za-z0-9:/_+=.@-]+"
)


_ONE_URL = lazy_compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")


def sample_url(text: str) -> bool:
    """One URL whose user information holds no real password: none, a reference, a
    mask, or one that names itself (`user:super_secret_password@`, a documentation
    example's connection string)."""
    if _ONE_URL.fullmatch(text.strip()) is None:
        return False
    return url_passwords_are_samples(text)


def url_passwords_are_samples(text: str, placeholder: Callable[[str], bool] | None = None) -> bool:
    """Whether every password in the text's URLs (of a configuration file, say) is no
    real one: a reference (`${VAR}`, or `{VAR}` as Frigate substitutes it), a mask, one
    that names itself, or an instruction to fill it in; or what the caller counts as a
    placeholder (`placeholder`: a Secret's own values, where a bare `CHANGEME` is one)."""
    return all(
        _reference_or_mask(password) or names_itself(password) or (placeholder is not None and placeholder(password))
        for password in (match["password"] for match in _URL_PASSWORD.finditer(text))
    )


def _reference_or_mask(password: str) -> bool:
    """A URL's password that holds none: a reference (`$(DB_PASSWORD)`, `${DB_PASSWORD}`,
    a script's `$DB_PASSWORD`, `{{ .Values.x }}`, `{VAR}`), a mask (`***`) or an
    instruction to fill it in."""
    return (
        password.startswith(("$(", "${", "{{"))
        or _REFERENCE.fullmatch(password) is not None  # a shell's `$POSTGRES_PASSWORD` (corpus35)
        or _BRACED_NAME.fullmatch(password) is not None
        or not set(password) - {"*", "x", "X"}
        or is_fill_in(password)
    )


# A variable a program substitutes into its own configuration: Frigate's
# `rtsp://admin:{FRIGATE_RTSP_PASSWORD}@camera` (its `FRIGATE_*` environment).
_BRACED_NAME = lazy_compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def _access_key_prefix(parts: list[str]) -> tuple[str, ...] | None:
    """The words before ACCESS KEY (`MINIO_ACCESS_KEY` -> (MINIO,), `AWS_ACCESS_KEY_ID`
    -> (AWS,)), or None."""
    if parts[-3:] == ["ACCESS", "KEY", "ID"]:
        return tuple(parts[:-3])
    if parts[-1:] == ["ACCESSKEY"]:
        return tuple(parts[:-1])
    if parts[-2:] == ["ACCESS", "KEY"] and parts[-3:-2] != ["SECRET"]:
        return tuple(parts[:-2])
    return None


def names_key_id(name: str, siblings: Iterable[str]) -> bool:
    """Whether `name` is the id half of an access key pair: an ACCESS_KEY beside a
    SECRET_KEY of the same prefix (`MINIO_ACCESS_KEY` and `MINIO_SECRET_KEY`,
    `accesskey` and `secretkey`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`). The
    id is a user name (MinIO's root user, S3's access key id); the secret beside it is
    the credential."""
    prefix = _access_key_prefix(words(name))
    if prefix is None:
        return False
    for other in siblings:
        parts = words(other)
        for secret in (("SECRET", "KEY"), ("SECRETKEY",), ("SECRET", "ACCESS", "KEY")):
            if tuple(parts) == prefix + secret:
                return True
    return False


# Letters only, in words joined by `_`, `-`, `.` or spaces.
_PLAIN_WORDS = lazy_compile(r"[A-Za-z]+(?:[-_. ][A-Za-z]+)*")


def names_itself(value: str) -> bool:
    """A sample value that says what it stands for instead of being one: plain words,
    no digits, among them a credential word (`password`, `ACCESS_KEY`,
    `SUPER_SECRET_KEY`, `super_secret_password`, `an_unsecure_secret`,
    `mysecretpassword`). Documentation examples and test suites write these; a
    credential that anyone uses is not spelled as its own name."""
    text = value.strip()
    if len(text) > 64 or _PLAIN_WORDS.fullmatch(text) is None:
        return False
    parts = words(text)
    return (
        any(word in CREDENTIAL_WORDS or word == "KEY" or _compound(word) for word in parts)
        or any(pair in CREDENTIAL_PAIRS for pair in itertools.pairwise(parts))
        or any(_RUN_TOGETHER.search(word) for word in parts if len(word) >= 8)
    )


# A credential word inside one run-together word of a sample: Lemmy's
# `SOMEVERYSECRETAPIKEY` and `SOMEVERYSECRETDBPASSWORD`, pict-rs's `MINIOSECRET`.
_RUN_TOGETHER = lazy_compile(r"SECRET|PASSWORD|PASSWD|PASSPHRASE|APIKEY")


# (what it is, literals, pattern). Shapes published by each vendor; each is specific
# enough that a match is almost never anything else. A match contains one of the
# literals: testing those first with `in` is much faster than the search itself on
# long values (a pattern that starts with \b gets no prefix scan from `re`).
AWS_KEY_ID = "an AWS access key id"
VALUE_PATTERNS: tuple[tuple[str, tuple[str, ...], Pattern], ...] = (
    (
        "a private key",
        ("PRIVATE KEY",),
        lazy_compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    (
        AWS_KEY_ID,
        ("AKIA", "ASIA", "ABIA", "ACCA"),
        lazy_compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    ),
    (
        "a GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        lazy_compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ),
    ("a GitLab token", ("glpat-",), lazy_compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", ("xox",), lazy_compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "a Slack webhook URL",
        ("https://hooks.slack.com/services/",),
        lazy_compile(r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/\w+"),
    ),
    (
        # Feishu's (Lark's) and WeCom's group-bot webhooks: the URL is the token (corpus33).
        "a chat bot webhook URL",
        ("open-apis/bot/v2/hook/", "qyapi.weixin.qq.com/cgi-bin/webhook/send"),
        lazy_compile(
            r"https://open\.(?:feishu\.cn|larksuite\.com)/open-apis/bot/v2/hook/[0-9a-f-]{30,}"
            r"|https://qyapi\.weixin\.qq\.com/cgi-bin/webhook/send\?key=[0-9a-f-]{30,}"
        ),
    ),
    ("a Stripe secret key", ("_live_", "_test_"), lazy_compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}")),
    ("a Google API key", ("AIza",), lazy_compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("an npm token", ("npm_",), lazy_compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("an Azure storage account key", ("AccountKey=",), lazy_compile(r"AccountKey=[A-Za-z0-9+/]{40,}")),
    (
        "a BIP32 extended private key",  # a wallet's master key (corpus29's BUX_ADMIN_XPRIV)
        ("xprv", "tprv"),
        lazy_compile(r"\b[xt]prv[1-9A-HJ-NP-Za-km-z]{107,108}\b"),
    ),
    (
        "a JSON Web Token",
        ("eyJ",),
        lazy_compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
)
_GCP_KEY = (lazy_compile(r'"type"\s*:\s*"service_account"'), lazy_compile(r'"private_key"\s*:'))
URL_WITH_PASSWORD = "a URL with a password in it"
_URL_PASSWORD = lazy_compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@]+:(?P<password>[^\s/@]+)@")


# A SQL statement that gives a role its password in the clear (an init script kept in
# a ConfigMap: EUCAIM's `CREATE USER molgenis ... ENCRYPTED PASSWORD 'molgenis'`, or
# MySQL's `CREATE USER 'mlflow'@'%' IDENTIFIED BY 'summitmlops'`, corpus28, also
# `IDENTIFIED WITH mysql_native_password BY '...'` and 5.x's `GRANT ... IDENTIFIED BY`).
_SQL_PASSWORD = lazy_compile(
    r"\b(?:(?:CREATE|ALTER)\s+(?:ROLE|USER)|GRANT)\b[^;]*?"
    r"(?:\bPASSWORD|\bIDENTIFIED\s+(?:WITH\s+[\w'\"]+\s+)?BY)\s+['\"](?P<password>[^'\"]*)['\"]",
    re.I | re.S,
)
# A connector's option in a SQL `WITH (...)` clause (Flink SQL, Spark SQL, Trino
# catalogs written as SQL: corpus21's lakehouse jobs, `'password' = 'rootpw'`,
# `'s3.secret-key' = 'minio123'`).
_SQL_OPTION = lazy_compile(
    r"'(?P<key>[A-Za-z0-9._-]*(?:password|passwd|secret[._-]?key|secret[._-]?access[._-]?key))'\s*=\s*'(?P<password>[^']*)'",
    re.I,
)
# A password line of a configuration file (Java properties, an INI or env file) kept
# under one key: corpus21's Trino catalog `connection-password=rootpw`.
_FILE_PASSWORD = lazy_compile(
    r"^[ \t]*(?P<key>[A-Za-z0-9._-]*(?:password|passwd))[ \t]*[=:][ \t]*(?P<password>[^\s#;]+)[ \t]*$", re.I | re.M
)
FILE_WITH_PASSWORD = "a configuration file with a password in it"
# A sample in such a line (`cassandra.password=CHANGE_ME`, corpus19's FIZ properties).
_SAMPLE_IN_FILE = lazy_compile(
    r"(?:change|replace|fill|set)[-_ ]?(?:me|it|this)\w*|<[^>]*>|x+|\*+|password|passwd|secret"
    r"|example\w*|sample\w*|dummy\w*|placeholder\w*|todo|tbd",
    re.I,
)
# Code that reads the password from the environment (a test script's
# `password = os.environ['KEYCLOAK_PASSWORD']`, corpus25's Keycloak chart): no value.
_READS_ENVIRONMENT = lazy_compile(r"os\.environ|getenv\(|process\.env\.|System\.getenv|ENV\[|env\(", re.I)
# A password already hashed by the server's own scheme (md5..., SCRAM-SHA-256$...).
_HASHED = lazy_compile(r"md5[0-9a-f]{32}|SCRAM-SHA-256\$.*|\*[0-9A-Fa-f]{40}")  # (MySQL's: `*6BB4...`)
SQL_WITH_PASSWORD = "a SQL statement with a password in it"


def credential_shape(value: Any) -> str | None:
    """What credential the value looks like ("an AWS access key id"), or None."""
    if not isinstance(value, str):
        return None
    if all(pattern.search(value) for pattern in _GCP_KEY):
        return "a Google Cloud service account key"
    for what, literals, pattern in VALUE_PATTERNS:
        if any(literal in value for literal in literals) and pattern.search(value):
            return what
    lowered = value.lower()
    if "password" in lowered or "passwd" in lowered or "secret" in lowered or "identified" in lowered:
        statements = _without_comment_lines(value, _SQL_COMMENT_STARTS) if "--" in value else value
        for match in (*_SQL_PASSWORD.finditer(statements), *_SQL_OPTION.finditer(statements)):
            password = match["password"]
            if password and not (
                _commented_out(statements, match.start())
                or is_placeholder(password)
                or _reference_or_mask(password)
                or _HASHED.fullmatch(password)
                or names_itself(password)
            ):
                return SQL_WITH_PASSWORD
    if "\n" in value.strip() and ("password" in lowered or "passwd" in lowered):
        for match in _FILE_PASSWORD.finditer(value):
            password = match["password"].strip("\"'")
            if password and not (
                is_placeholder(password)
                or _reference_or_mask(password)
                or password.lower() in ("true", "false", "none", "null")
                or _SAMPLE_IN_FILE.fullmatch(password)
                or names_itself(password)
                or password.startswith(("/", "%("))
                or _READS_ENVIRONMENT.search(password)
            ):
                return FILE_WITH_PASSWORD
    if "://" not in value:
        return None
    for match in _URL_PASSWORD.finditer(value):
        password = match["password"]
        if not (_reference_or_mask(password) or _commented_out(value, match.start())):
            return URL_WITH_PASSWORD
    return None


# What starts a comment line in the configuration files kept in ConfigMaps (TOML, YAML,
# INI, shell and properties files; SQL; C-like languages).
_COMMENT_STARTS = ("#", ";", "//", "-- ")


# SQL's comment lines: `--` starts one with or without a space after it.
_SQL_COMMENT_STARTS = ("--", "#", "//")


def _without_comment_lines(text: str, starts: tuple[str, ...]) -> str:
    """The text with its comment lines blanked (each line kept, so a statement cannot
    run from a commented-out line into the real one)."""
    return "\n".join("" if line.lstrip().startswith(starts) else line for line in text.split("\n"))


def _commented_out(text: str, position: int) -> bool:
    """Whether `position` of a multi-line text lies on a comment line: a sample kept
    commented out (Wavefront's collector configuration, `#  servers =
    ["http://Administrator:password@${host}:${port}"]`, corpus25) is no setting."""
    start = text.rfind("\n", 0, position) + 1
    return text[start:position].lstrip().startswith(_COMMENT_STARTS)
