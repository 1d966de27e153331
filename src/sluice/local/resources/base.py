"""What every resource kind knows: its physical name, what `Ref`/`Fn::GetAtt` return, and how to
create it in the embedded moto backend.

Names follow CloudFormation's scheme for resources without an explicit name
(`<stack>-<LogicalId>-<SUFFIX>`), with a suffix derived from the stack and logical id instead of
a random one: the same template always yields the same names, so tests and logs are stable.

Example:
    >>> generated_name("sluice-dev", "RawBucket", max_length=63, lowercase=True)
    'sluice-dev-rawbucket-...'
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from sluice.local.errors import TemplateError
from sluice.local.template.intrinsics import Placeholder

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
SUFFIX_LENGTH = 12


def name_suffix(*parts: str) -> str:
    """A stable 12-character suffix in CloudFormation's alphabet."""
    digest = int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:10], "big")
    chars = []
    for _ in range(SUFFIX_LENGTH):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def generated_name(
    stack_name: str, logical_id: str, *, max_length: int, lowercase: bool = False, with_stack: bool = True,
    ending: str = "",
) -> str:
    """CloudFormation's generated physical name, truncated to fit `max_length` (with `ending`)."""
    suffix = name_suffix(stack_name, logical_id)
    budget = max_length - len(ending) - len(suffix) - (2 if with_stack else 1)
    if with_stack:
        stack_part = stack_name[: max(budget // 2, budget - len(logical_id))]
        logical_part = logical_id[: budget - len(stack_part)]
        name = f"{stack_part}-{logical_part}-{suffix}"
    else:
        name = f"{logical_id[:budget]}-{suffix}"
    name += ending
    return name.lower() if lowercase else name


@dataclass
class Provisioner:
    """What `Kind.provision` may use: boto3 clients bound to the local stack, and a place to
    record identifiers only known after creation (e.g. a KMS key id)."""

    client: Callable[[str], Any]
    record: Callable[[str, str, Any], None]
    warn: Callable[[str], None]


class Kind:
    """Base for a resource type. Subclasses declare what differs from "a named thing" in the class
    variables below (its table row) and override only what a table cannot say.

    Example:
        >>> class StreamKind(Kind):
        ...     types = ("AWS::Kinesis::Stream",)
        ...     service = "kinesis"
        ...     name_property = "Name"
        ...     arn_resource = "stream/{name}"  # arn:aws:kinesis:us-east-1:123456789012:stream/<name>
    """

    types: ClassVar[tuple[str, ...]] = ()
    service: ClassVar[str] = ""
    #: True when sluice gives the resource local behaviour (created in moto or run in-process).
    emulated: ClassVar[bool] = True
    #: Property holding an explicit physical name, if the type has one.
    name_property: ClassVar[str | None] = None
    max_name_length: ClassVar[int] = 64
    lowercase_names: ClassVar[bool] = False
    #: Property that makes the resource FIFO (SQS, SNS): its generated name then ends in `.fifo`,
    #: as the service requires of FIFO queues and topics.
    fifo_property: ClassVar[str | None] = None
    #: The ARN after `arn:<partition>:<service>:<region>:<account>:`; `{name}` is the physical name.
    arn_resource: ClassVar[str] = "{name}"
    #: `Ref` answers the ARN (topics, state machines, layers…) rather than the physical name.
    ref_is_arn: ClassVar[bool] = False
    #: The attributes `Fn::GetAtt` answers with the ARN and with the physical name, if any.
    arn_attribute: ClassVar[str] = "Arn"
    name_attribute: ClassVar[str | None] = None

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        if self.name_property:
            explicit = template.prop(decl, self.name_property)
            if explicit is not None:
                return str(explicit)
        fifo = self.fifo_property is not None and str(template.prop(decl, self.fifo_property, False)).lower() == "true"
        return generated_name(template.stack_name, decl.logical_id, max_length=self.max_name_length,
                              lowercase=self.lowercase_names, ending=".fifo" if fifo else "")

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        resource = self.arn_resource.format(name=template.physical_name(decl.logical_id))
        return f"arn:{template.partition}:{self.service}:{template.region}:{template.account}:{resource}"

    def ref(self, decl: ResourceDecl, template: SamTemplate) -> Any:
        return self.arn(decl, template) if self.ref_is_arn else template.physical_name(decl.logical_id)

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        """Lazily computed attributes by name."""
        computed: dict[str, Callable[[], Any]] = {self.arn_attribute: lambda: self.arn(decl, template)}
        if self.name_attribute is not None:
            computed[self.name_attribute] = lambda: template.physical_name(decl.logical_id)
        return computed

    def get_att(self, decl: ResourceDecl, template: SamTemplate, attribute: str) -> Any:
        computed = self.attributes(decl, template)
        if attribute not in computed:
            raise TemplateError(
                f"Fn::GetAtt {decl.logical_id}.{attribute}: {decl.type} has no attribute {attribute!r} "
                f"(known: {', '.join(sorted(computed)) or 'none'})"
            )
        return computed[attribute]()

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        """Create the resource in moto. Default: nothing to create."""

    def check(self, decl: ResourceDecl, template: SamTemplate) -> None:
        """Validate properties at load time (raise TemplateError / warn via template.warn)."""


class InertKind(Kind):
    """A type sluice accepts but gives no local behaviour (IAM, policies, alarms, permissions…)."""

    emulated = False

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        service = self.type_name.split("::")[1].lower() if self.type_name.count("::") >= 2 else "local"
        return (f"arn:{template.partition}:{service}:{template.region}:{template.account}:"
                f"{template.physical_name(decl.logical_id)}")

    def get_att(self, decl: ResourceDecl, template: SamTemplate, attribute: str) -> Any:
        # Inert resources answer any attribute: a template may read e.g. an alarm's Arn for a
        # description, and refusing it would block running the parts sluice does emulate.
        if attribute == "Arn":
            return self.arn(decl, template)
        if attribute.endswith(("Arn", "ARN")):
            # An ARN-valued attribute (AppSync's `GraphQLEndpointArn`, a stream consumer's `ConsumerARN`) is
            # shaped as one: a rule target or an event source takes only ARNs.
            return Placeholder(f"{self.arn(decl, template)}/{attribute}")
        # A list attribute (a VPC endpoint's `DnsEntries`) reads as a list too (`Placeholder`).
        return Placeholder(f"{template.physical_name(decl.logical_id)}.{attribute}")
