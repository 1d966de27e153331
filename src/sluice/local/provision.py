"""Create the template's resources in the embedded moto backend, in dependency order — the way
CloudFormation does: a queue's dead-letter queue exists before the queue's RedrivePolicy names
it, a KMS key before the bucket encrypted with it.

Example:
    >>> provision(template, clients.client)       # inside an active moto mock
    ['PipelineKey', 'FailureQueue', 'OrderedDeadLetterQueue', 'OrderedQueue', …]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from sluice.local.errors import TemplateError, one_line
from sluice.local.resources.base import Kind, Provisioner
from sluice.local.template.model import ResourceDecl, SamTemplate

_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def provision(template: SamTemplate, client: Callable[[str], Any]) -> list[str]:
    """Create every resource whose kind has something to create; return their logical ids in order."""
    provisioner = Provisioner(client=client, record=template.record, warn=template.warnings.append)
    created = []
    for decl in provisioning_order(template):
        try:
            template.kind(decl).provision(decl, template, provisioner)
        except ClientError as error:
            raise TemplateError(f"the local backend rejected it: {error.response['Error'].get('Message', error)}",
                                resource=decl.logical_id, origin=template.origin) from None
        except ParamValidationError as error:
            raise TemplateError(f"invalid properties: {one_line(str(error))}", resource=decl.logical_id,
                                origin=template.origin) from None
        created.append(decl.logical_id)
    return created


def provisioning_order(template: SamTemplate) -> list[ResourceDecl]:
    """Resources to create, each after the ones it refers to (directly or through others)."""
    wanted = {decl.logical_id for decl in template.resources.values() if _creates(template.kind(decl))}
    edges = {logical_id: set(references(decl)) & set(template.resources)
             for logical_id, decl in template.resources.items()}
    needs = {logical_id: _reachable(logical_id, edges) & wanted for logical_id in wanted}
    ordered: list[ResourceDecl] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(logical_id: str) -> None:
        if logical_id in done:
            return
        if logical_id in visiting:
            cycle = " -> ".join([*visiting[visiting.index(logical_id):], logical_id])
            raise TemplateError(f"circular dependency between resources: {cycle}", origin=template.origin)
        visiting.append(logical_id)
        for dependency in sorted(needs[logical_id] - {logical_id}):
            visit(dependency)
        visiting.pop()
        done.add(logical_id)
        ordered.append(template.resources[logical_id])

    for logical_id in sorted(wanted, key=list(template.resources).index):
        visit(logical_id)
    return ordered


def references(decl: ResourceDecl) -> Iterator[str]:
    """Logical ids a resource's properties and DependsOn name (Ref, Fn::GetAtt, Fn::Sub)."""
    yield from decl.depends_on
    yield from _walk(decl.properties)


def _walk(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if len(value) == 1:
            key, argument = next(iter(value.items()))
            if key == "Ref" and isinstance(argument, str):
                yield argument
                return
            if key == "Fn::GetAtt":
                target = argument.split(".", 1)[0] if isinstance(argument, str) else \
                    argument[0] if isinstance(argument, list) and argument else None
                if isinstance(target, str):
                    yield target
                return
            if key == "Fn::Sub":
                text = argument if isinstance(argument, str) else argument[0] if isinstance(argument, list) \
                    and argument else ""
                if isinstance(text, str):
                    yield from (match.split(".", 1)[0].strip() for match in _SUB_NAME.findall(text))
                if isinstance(argument, list) and len(argument) > 1:
                    yield from _walk(argument[1])
                return
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def _creates(kind: Kind) -> bool:
    return type(kind).provision is not Kind.provision
