"""The functions of a template as the Lambda API describes them: configurations in AWS's shape,
published versions and aliases, and the resolution of a `FunctionName` (+ `Qualifier`) to what runs.

What AWS documents, and this module encodes:

- `FunctionName` is a name, a full ARN or a partial ARN (`123456789012:function:name`), each
  optionally qualified (`name:live`); a `Qualifier` that differs from the name's own is refused:
  "The derived qualifier from the function name does not match the specified qualifier.";
- an unknown function or version is "Function not found: <ARN>" (Invoke's ARN ends in the version it
  looked for, `:$LATEST` when unqualified) and an unknown alias "Cannot find alias arn: <ARN>"
  (`ResourceNotFoundException`, the wording LocalStack's AWS-validated tests use);
- a version's configuration has the version's ARN and number (no `LastUpdateStatus`: versions are
  never updated); an alias answers for the version it points to, under the alias's ARN.

Versions and aliases come from the template: `AWS::Lambda::Version`, `AWS::Lambda::Alias`, and those
SAM's transform adds for `AutoPublishAlias` (`sluice.local.template.model`). sluice also accepts a
function's logical id, as `sam local start-lambda` does.

Example:
    >>> catalog = FunctionCatalog.from_template(template, specs, last_modified=clock.now())
    >>> target = catalog.target("orders-api", "live")
    >>> target.version, target.arn
    ('1', 'arn:aws:lambda:us-east-1:123456789012:function:orders-api:live')
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sluice.local.errors import StackError
from sluice.local.lambda_.resources import FIRST_VERSION, function_name
from sluice.local.lambda_.spec import FunctionSpec
from sluice.local.template.model import ResourceDecl, SamTemplate

LATEST = "$LATEST"
# Lambda's alias names: not all digits (those are versions).
_ALIAS = re.compile(r"(?!^[0-9]+$)^[a-zA-Z0-9-_]+$")
# What a deployment package would not contain: caches and hidden directories (.venv, .aws-sam…).
_NOT_PACKAGED = ("__pycache__",)


class LambdaApiError(StackError):
    """A Lambda API error: `code` and `status` as AWS returns them."""

    code = "ServiceException"
    status = 500


class ResourceNotFound(LambdaApiError):
    code = "ResourceNotFoundException"
    status = 404


class InvalidParameterValue(LambdaApiError):
    code = "InvalidParameterValueException"
    status = 400


@dataclass(frozen=True)
class Alias:
    name: str
    function_version: str
    description: str = ""
    routing: Mapping[str, Any] | None = None


@dataclass
class FunctionEntry:
    """One function: its `$LATEST` configuration, published versions (number → description) and aliases."""

    spec: FunctionSpec
    configuration: dict[str, Any]
    tags: dict[str, str]
    versions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)

    @cached_property
    def code(self) -> tuple[int, str]:
        """`(CodeSize, CodeSha256)` of the code directory's files. Local code is a directory, not
        a zip, so these are not the deployed package's values; they are stable across runs and
        change when the code does, which is what callers compare them for."""
        if self.spec.problem is not None:  # the code is not on this machine (image, S3, other runtime)
            return 0, base64.b64encode(hashlib.sha256().digest()).decode()
        digest = hashlib.sha256()
        size = 0
        for path in _package_files(self.spec.code_dir):
            content = path.read_bytes()
            digest.update(path.relative_to(self.spec.code_dir).as_posix().encode() + b"\0" + content)
            size += len(content)
        return size, base64.b64encode(digest.digest()).decode()


@dataclass(frozen=True)
class Target:
    """What a reference names: the function, the version that runs and the ARN it was called by."""

    entry: FunctionEntry
    version: str
    arn: str
    alias: str | None = None


class FunctionCatalog:
    """The template's functions, by name."""

    def __init__(self, entries: Mapping[str, FunctionEntry], *, partition: str, region: str, account: str) -> None:
        self.entries = dict(entries)
        self.partition = partition
        self.region = region
        self.account = account
        self._by_logical_id = {entry.spec.logical_id: entry for entry in self.entries.values()}

    @classmethod
    def from_template(cls, template: SamTemplate, specs: Mapping[str, FunctionSpec], *,
                      last_modified: float) -> FunctionCatalog:
        stamp = _lambda_date(last_modified)
        entries = {spec.name: FunctionEntry(spec, _configuration(template, template.resource(logical_id), spec, stamp),
                                            _tags(template, template.resource(logical_id)))
                   for logical_id, spec in specs.items()}
        catalog = cls(entries, partition=template.partition, region=template.region, account=template.account)
        for decl in template.of_type("AWS::Lambda::Version"):
            entry = catalog._declared_for(template, decl)
            if entry is None:
                continue
            if entry.versions:
                template.warnings.append(
                    f"{decl.logical_id}: A version for this Lambda function exists ( {FIRST_VERSION} ). Modify the "
                    f"function to create a new version. (CloudFormation refuses a second AWS::Lambda::Version of "
                    f"{entry.spec.logical_id} for unchanged code; sluice treats it as version {FIRST_VERSION})")
            entry.versions.setdefault(FIRST_VERSION, str(template.prop(decl, "Description",
                                                                       entry.configuration["Description"])))
        for decl in template.of_type("AWS::Lambda::Alias"):
            entry = catalog._declared_for(template, decl)
            if entry is not None:
                name = str(template.prop(decl, "Name"))
                entry.aliases[name] = Alias(name, str(template.prop(decl, "FunctionVersion")),
                                            str(template.prop(decl, "Description", "")),
                                            template.prop(decl, "RoutingConfig"))
        return catalog

    # -- lookup ---------------------------------------------------------------------------------

    def functions(self) -> list[FunctionEntry]:
        """Every function, by name (the order `ListFunctions` pages through)."""
        return [self.entries[name] for name in sorted(self.entries)]

    def entry(self, reference: str) -> FunctionEntry:
        """The function a name or (partial) ARN names, whatever its qualifier."""
        name = function_name(reference)
        found = self.entries.get(name) or self._by_logical_id.get(name)
        if found is None:
            raise ResourceNotFound(f"Function not found: {self.arn(name)}")
        return found

    def target(self, reference: str, qualifier: str | None = None, *, invoking: bool = False) -> Target:
        """The function and version `reference` (+ `qualifier`) invoke. Invoke names the version it
        looked for, `$LATEST` when unqualified (recorded: LocalStack's test_invoke_exceptions,
        "Function not found: arn:…:function:doesnotexist:$LATEST"); the other APIs name the function."""
        derived = _qualifier(reference)
        if qualifier and derived and qualifier != derived:
            raise InvalidParameterValue(
                "The derived qualifier from the function name does not match the specified qualifier.")
        qualifier = qualifier or derived
        name = function_name(reference)
        entry = self.entries.get(name) or self._by_logical_id.get(name)
        if entry is None:
            looked_for = qualifier or (LATEST if invoking else None)
            raise ResourceNotFound(f"Function not found: {self.arn(name, looked_for)}")
        arn = self.arn(entry.spec.name, qualifier)
        if qualifier is None:
            return Target(entry, LATEST, arn)
        if qualifier == LATEST or qualifier in entry.versions:
            return Target(entry, qualifier, arn)
        if _ALIAS.match(qualifier):
            alias = entry.aliases.get(qualifier)
            if alias is None:
                raise ResourceNotFound(f"Cannot find alias arn: {arn}")
            return Target(entry, alias.function_version, arn, alias=qualifier)
        raise ResourceNotFound(f"Function not found: {arn}")

    def arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    # -- descriptions in AWS's shapes ------------------------------------------------------------

    def configuration(self, target: Target) -> dict[str, Any]:
        """`GetFunctionConfiguration`'s answer for a target."""
        entry = target.entry
        size, sha256 = entry.code
        configuration = {**entry.configuration, "CodeSize": size, "CodeSha256": sha256, "Version": target.version,
                         "FunctionArn": target.arn,
                         "RevisionId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{entry.spec.arn}:{target.version}"))}
        if target.version != LATEST:
            configuration["Description"] = entry.versions.get(target.version, configuration["Description"])
            del configuration["LastUpdateStatus"]  # a published version is never updated
        return configuration

    def versions(self, entry: FunctionEntry) -> list[dict[str, Any]]:
        """`ListVersionsByFunction`: `$LATEST` (under its qualified ARN), then the published versions."""
        return [self.configuration(Target(entry, version, self.arn(entry.spec.name, version)))
                for version in [LATEST, *sorted(entry.versions, key=int)]]

    def alias(self, entry: FunctionEntry, name: str) -> dict[str, Any]:
        """`GetAlias`'s answer."""
        alias = entry.aliases.get(name)
        arn = self.arn(entry.spec.name, name)
        if alias is None:
            raise ResourceNotFound(f"Cannot find alias arn: {arn}")
        described: dict[str, Any] = {"AliasArn": arn, "Name": alias.name, "FunctionVersion": alias.function_version,
                                     "Description": alias.description,
                                     "RevisionId": str(uuid.uuid5(uuid.NAMESPACE_URL, arn))}
        if alias.routing:
            described["RoutingConfig"] = dict(alias.routing)
        return described

    def _declared_for(self, template: SamTemplate, decl: ResourceDecl) -> FunctionEntry | None:
        reference = str(template.prop(decl, "FunctionName"))
        entry = self.entries.get(function_name(reference))
        if entry is None:
            template.unsupported(f"FunctionName {reference} is not a function of this template: sluice can only "
                                 "publish versions and aliases of the functions it runs", resource=decl.logical_id,
                                 property="FunctionName")
        return entry


def _configuration(template: SamTemplate, decl: ResourceDecl, spec: FunctionSpec, last_modified: str) -> dict[str, Any]:
    """The `$LATEST` configuration, without what `FunctionCatalog.configuration` adds per target."""
    serverless = decl.type == "AWS::Serverless::Function"
    role = template.prop(decl, "Role")
    if role is None and serverless:  # SAM creates `<Function>Role`
        role = template.get_att(f"{decl.logical_id}Role", "Arn")
    tracing = template.prop(decl, "Tracing") if serverless else (template.prop(decl, "TracingConfig") or {}).get("Mode")
    logging_config = template.prop(decl, "LoggingConfig") or {}
    logging: dict[str, Any] = {"LogFormat": spec.log_format,
                               "LogGroup": logging_config.get("LogGroup", f"/aws/lambda/{spec.name}")}
    if spec.log_format == "JSON":  # AWS's defaults for JSON logs
        logging["ApplicationLogLevel"] = spec.application_log_level or "INFO"
        logging["SystemLogLevel"] = logging_config.get("SystemLogLevel", "INFO")
    configuration: dict[str, Any] = {
        "FunctionName": spec.name,
        "Runtime": spec.runtime,
        "Role": role,
        "Handler": spec.handler,
        "Description": str(template.prop(decl, "Description", "")),
        "Timeout": int(spec.timeout),
        "MemorySize": spec.memory,
        "LastModified": last_modified,
        "TracingConfig": {"Mode": tracing or "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": template.prop(decl, "PackageType", "Zip"),
        "Architectures": template.prop(decl, "Architectures", ["x86_64"]),
        "EphemeralStorage": template.prop(decl, "EphemeralStorage", {"Size": 512}),
        "SnapStart": {"ApplyOn": (template.prop(decl, "SnapStart") or {}).get("ApplyOn", "None"),
                      "OptimizationStatus": "Off"},
        "LoggingConfig": logging,
    }
    if spec.environment:
        configuration["Environment"] = {"Variables": dict(spec.environment)}
    if spec.async_config.dead_letter is not None:
        configuration["DeadLetterConfig"] = {"TargetArn": spec.async_config.dead_letter.arn}
    layers = template.prop(decl, "Layers") or []
    if layers:
        configuration["Layers"] = [{"Arn": arn} for arn in layers]
    kms_key = template.prop(decl, "KmsKeyArn")
    if kms_key:
        configuration["KMSKeyArn"] = kms_key
    return configuration


def _tags(template: SamTemplate, decl: ResourceDecl) -> dict[str, str]:
    """The template's tags plus those CloudFormation (and SAM) add to every function."""
    declared = template.prop(decl, "Tags") or {}
    tags = {str(tag["Key"]): str(tag["Value"]) for tag in declared} if isinstance(declared, list) \
        else {str(key): str(value) for key, value in declared.items()}
    if decl.type == "AWS::Serverless::Function":
        tags["lambda:createdBy"] = "SAM"
    tags["aws:cloudformation:stack-name"] = template.stack_name
    tags["aws:cloudformation:logical-id"] = decl.logical_id
    tags["aws:cloudformation:stack-id"] = str(template.ref("AWS::StackId"))
    return tags


def _qualifier(reference: str) -> str | None:
    tail = reference.split(":function:", 1)[1] if ":function:" in reference else reference
    return tail.partition(":")[2] or None


def _package_files(directory: Path) -> Iterator[Path]:
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).parts
        if path.is_file() and not any(part.startswith(".") or part in _NOT_PACKAGED for part in relative):
            yield path


def _lambda_date(moment: float) -> str:
    """Lambda's `LastModified` format: `2024-05-01T12:00:00.000+0000`."""
    stamp = datetime.fromtimestamp(moment, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"
