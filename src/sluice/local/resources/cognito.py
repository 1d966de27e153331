"""Cognito user pools, their app clients and domains, created in moto as CloudFormation creates them.

A pool's id (`us-east-1_AbC123xyz`) and a client's id and secret are chosen by the service at creation, so
`Ref` and the attributes answer with what moto returned (provisioning creates the pool before the client
and anything else that refers to it), as a KMS key's id is (CloudFormation: AWS::Cognito::UserPool and
AWS::Cognito::UserPoolClient, return values). Properties are passed on under the API's names; a pool or
client moto refuses with all of them is created with its name alone, and that is a warning. Triggers
(`LambdaConfig`) are warned about: the local backend never invokes them.

Example:
    >>> pool_request({"UserPoolName": "users", "AutoVerifiedAttributes": ["email"], "EnabledMfas": []})
    {'PoolName': 'users', 'AutoVerifiedAttributes': ['email']}
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, ParamValidationError

from sluice.local.resources.base import Kind, Provisioner, generated_name

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

# CreateUserPool's parameters a template may give under the same name (CloudFormation's own, like
# EnabledMfas, go through other APIs).
_POOL_PROPERTIES = ("Policies", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
                    "MfaConfiguration", "AdminCreateUserConfig", "Schema", "UsernameConfiguration",
                    "AccountRecoverySetting", "UserPoolTags", "DeletionProtection", "EmailConfiguration",
                    "VerificationMessageTemplate", "UserAttributeUpdateSettings", "DeviceConfiguration")
_CLIENT_PROPERTIES = ("GenerateSecret", "ExplicitAuthFlows", "AllowedOAuthFlows", "AllowedOAuthScopes",
                      "AllowedOAuthFlowsUserPoolClient", "CallbackURLs", "LogoutURLs", "DefaultRedirectURI",
                      "SupportedIdentityProviders", "RefreshTokenValidity", "AccessTokenValidity",
                      "IdTokenValidity", "TokenValidityUnits", "PreventUserExistenceErrors", "ReadAttributes",
                      "WriteAttributes", "EnableTokenRevocation", "AuthSessionValidity")


def pool_request(properties: Mapping[str, Any]) -> dict[str, Any]:
    """CreateUserPool's request for a pool's (resolved) properties, but for `UserPoolName` → `PoolName`."""
    request = {"PoolName": properties.get("UserPoolName")}
    request.update({name: properties[name] for name in _POOL_PROPERTIES if name in properties})
    return request


def _created(call: Callable[..., Any], request: dict[str, Any], minimal: dict[str, Any], warn: Callable[[str], None],
             what: str) -> Any:
    """`call(**request)`, or `call(**minimal)` with a warning when the backend refuses the whole request."""
    try:
        return call(**request)
    except (ClientError, ParamValidationError) as error:
        warn(f"{what}: the local backend refused its properties ({str(error).splitlines()[0]}); created with its "
             "name alone")
        return call(**minimal)


def _resolved(template: SamTemplate, decl: ResourceDecl) -> dict[str, Any]:
    resolved = {name: template.prop(decl, name) for name in decl.properties}
    return {name: value for name, value in resolved.items() if value is not None}


class UserPoolKind(Kind):
    types = ("AWS::Cognito::UserPool",)
    service = "cognito-idp"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        # Stand-in until the pool exists: only names computed before provisioning can see it.
        return f"{template.region}_{uuid.uuid5(uuid.NAMESPACE_URL, f'{template.stack_name}/{decl.logical_id}').hex[:9]}"

    def arn(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return (f"arn:{template.partition}:cognito-idp:{template.region}:{template.account}:userpool/"
                f"{template.ref(decl.logical_id)}")

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        def provider() -> str:
            return f"cognito-idp.{template.region}.amazonaws.com/{template.ref(decl.logical_id)}"

        return {"Arn": lambda: self.arn(decl, template), "UserPoolId": lambda: template.ref(decl.logical_id),
                "ProviderName": provider, "ProviderURL": lambda: f"https://{provider()}"}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        properties = _resolved(template, decl)
        properties.setdefault("UserPoolName", generated_name(template.stack_name, decl.logical_id, max_length=128))
        if properties.get("LambdaConfig"):
            template.unsupported("Cognito triggers are not invoked locally", resource=decl.logical_id,
                                 property="LambdaConfig")
        request = pool_request(properties)
        client = provisioner.client("cognito-idp")
        pool = _created(client.create_user_pool, request, {"PoolName": request["PoolName"]}, provisioner.warn,
                        f"user pool {decl.logical_id}")["UserPool"]
        provisioner.record(decl.logical_id, "Ref", pool["Id"])


class UserPoolClientKind(Kind):
    types = ("AWS::Cognito::UserPoolClient",)
    service = "cognito-idp"

    def physical_name(self, decl: ResourceDecl, template: SamTemplate) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{template.stack_name}/{decl.logical_id}").hex[:26]

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"ClientSecret": lambda: None, "Name": lambda: template.prop(decl, "ClientName", decl.logical_id)}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        properties = _resolved(template, decl)
        name = str(properties.get("ClientName", decl.logical_id))
        request = {"UserPoolId": properties.get("UserPoolId"), "ClientName": name,
                   **{key: properties[key] for key in _CLIENT_PROPERTIES if key in properties}}
        client = provisioner.client("cognito-idp")
        created = _created(client.create_user_pool_client, request,
                           {"UserPoolId": request["UserPoolId"], "ClientName": name}, provisioner.warn,
                           f"user pool client {decl.logical_id}")["UserPoolClient"]
        provisioner.record(decl.logical_id, "Ref", created["ClientId"])
        provisioner.record(decl.logical_id, "ClientId", created["ClientId"])
        provisioner.record(decl.logical_id, "ClientSecret", created.get("ClientSecret"))
        provisioner.record(decl.logical_id, "Name", name)


class UserPoolDomainKind(Kind):
    """`Ref` is the domain prefix (CloudFormation: AWS::Cognito::UserPoolDomain)."""

    types = ("AWS::Cognito::UserPoolDomain",)
    service = "cognito-idp"
    name_property = "Domain"

    def attributes(self, decl: ResourceDecl, template: SamTemplate) -> Mapping[str, Callable[[], Any]]:
        return {"CloudFrontDistribution": lambda: f"{template.ref(decl.logical_id)}.cloudfront.net"}

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        provisioner.client("cognito-idp").create_user_pool_domain(Domain=template.physical_name(decl.logical_id),
                                                                  UserPoolId=template.prop(decl, "UserPoolId"))
