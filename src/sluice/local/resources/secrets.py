"""Secrets Manager secrets (`AWS::SecretsManager::Secret`), created in moto as CloudFormation creates them.

The value is `SecretString`, or one generated as `GenerateSecretString` says: a password from
`GetRandomPassword` with its options (32 characters by default), alone or stored under
`GenerateStringKey` in the JSON object `SecretStringTemplate` (CloudFormation:
AWS::SecretsManager::Secret GenerateSecretString). `Ref` and `Id` are the secret's ARN, which ends in
six characters the service picks at creation: the ARN moto returned is recorded, as a KMS key's id is
(provisioning creates the secret before anything that refers to it).

Example:
    >>> generated_value({"SecretStringTemplate": '{"username": "admin"}', "GenerateStringKey": "password"},
    ...                 lambda **options: "p" * options["PasswordLength"], resource="DbSecret")
    '{"username": "admin", "password": "pppppppppppppppppppppppppppppppp"}'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sluice import json_text
from sluice.local.errors import TemplateError
from sluice.local.resources.base import Kind, Provisioner

if TYPE_CHECKING:
    from sluice.local.template.model import ResourceDecl, SamTemplate

# GenerateSecretString's options that GetRandomPassword takes as they are.
_PASSWORD_OPTIONS = ("PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "ExcludePunctuation",
                     "ExcludeUppercase", "ExcludeLowercase", "IncludeSpace", "RequireEachIncludedType")
_DEFAULT_LENGTH = 32


class SecretKind(Kind):
    types = ("AWS::SecretsManager::Secret",)
    service = "secretsmanager"
    name_property = "Name"
    max_name_length = 256
    ref_is_arn = True
    arn_attribute = "Id"
    # Until the secret exists: the partial ARN (no suffix), which Secrets Manager also accepts as a SecretId.
    arn_resource = "secret:{name}"

    def provision(self, decl: ResourceDecl, template: SamTemplate, provisioner: Provisioner) -> None:
        client = provisioner.client("secretsmanager")
        request: dict[str, Any] = {"Name": template.physical_name(decl.logical_id)}
        for name in ("Description", "KmsKeyId", "Tags"):
            if (value := template.prop(decl, name)) is not None:
                request[name] = value
        generate = template.prop(decl, "GenerateSecretString")
        secret = template.prop(decl, "SecretString")
        if generate is not None and secret is not None:
            raise TemplateError("SecretString and GenerateSecretString cannot both be given", resource=decl.logical_id,
                                origin=template.origin)
        if generate is not None:
            request["SecretString"] = generated_value(
                generate, lambda **options: client.get_random_password(**options)["RandomPassword"],
                resource=decl.logical_id)
        elif secret is not None:
            request["SecretString"] = str(secret)
        created = client.create_secret(**request)
        provisioner.record(decl.logical_id, "Ref", created["ARN"])
        provisioner.record(decl.logical_id, "Id", created["ARN"])


def generated_value(options: Any, password: Callable[..., str], *, resource: str) -> str:
    """The value `GenerateSecretString` makes, with `password(**GetRandomPassword options)`."""
    if not isinstance(options, Mapping):
        raise TemplateError("GenerateSecretString must be a mapping", resource=resource,
                            property="GenerateSecretString")
    chosen = {name: options[name] for name in _PASSWORD_OPTIONS if name in options}
    made = password(**{"PasswordLength": _DEFAULT_LENGTH, **chosen})
    template, key = options.get("SecretStringTemplate"), options.get("GenerateStringKey")
    if template is None and key is None:
        return made
    if template is None or key is None:
        raise TemplateError("SecretStringTemplate and GenerateStringKey go together", resource=resource,
                            property="GenerateSecretString")
    try:
        document = json_text.loads(str(template))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise TemplateError("SecretStringTemplate must be a JSON object", resource=resource,
                            property="GenerateSecretString.SecretStringTemplate")
    return json.dumps({**document, str(key): made})
