"""SES identities and configuration sets, created in moto.

An `AWS::SES::EmailIdentity` (an address, or a domain) is verified at once: on AWS the owner clicks a
link or publishes DNS records, and an account in SES's sandbox can only send from (and to) verified
identities; locally there is no mail to click, and a function's `SendEmail` from the template's identity
should be accepted as it is once deployed and verified. `Ref` is the identity (CloudFormation:
AWS::SES::EmailIdentity).

Example:
    >>> identity_kind("orders@example.com"), identity_kind("example.com")
    ('email', 'domain')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate


def identity_kind(identity: str) -> str:
    return "email" if "@" in identity else "domain"


class EmailIdentityKind(Kind):
    types = ("AWS::SES::EmailIdentity",)
    service = "ses"
    name_property = "EmailIdentity"
    arn_resource = "identity/{name}"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        identity = template.physical_name(decl.logical_id)
        client = provisioner.client("ses")
        if identity_kind(identity) == "email":
            client.verify_email_identity(EmailAddress=identity)
        else:
            client.verify_domain_identity(Domain=identity)


class ConfigurationSetKind(Kind):
    types = ("AWS::SES::ConfigurationSet",)
    service = "ses"
    name_property = "Name"
    arn_resource = "configuration-set/{name}"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        provisioner.client("ses").create_configuration_set(
            ConfigurationSet={"Name": template.physical_name(decl.logical_id)})
