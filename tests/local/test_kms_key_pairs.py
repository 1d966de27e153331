"""KMS keys on the local stack: moto's key pairs are made on first use, not when a stack starts.

On AWS only an asymmetric key (`KeySpec` RSA_*/ECC_*, `KeyUsage: SIGN_VERIFY`) signs, verifies and
has a public key (`GetPublicKey`); a symmetric key refuses them. moto gives every key a pair when it
creates it, which made every stack with a key, or a table with `SSESpecification`, pay for RSA key
generation as it started."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sluice.local import LocalStack

TEMPLATE = """
Resources:
  DataKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "*"}, Action: "kms:*", Resource: "*"}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      SSESpecification: {SSEEnabled: true}
"""


@pytest.fixture
def generated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the RSA key pairs generated."""
    calls: list[int] = []
    original = rsa.generate_private_key

    def counting(*args: Any, **kwargs: Any) -> rsa.RSAPrivateKey:
        calls.append(kwargs.get("key_size", 0))
        return original(*args, **kwargs)

    monkeypatch.setattr(rsa, "generate_private_key", counting)
    return calls


def test_starting_a_stack_generates_no_key_pair(start_stack: Callable[..., LocalStack], generated: list[int]) -> None:
    stack = start_stack(TEMPLATE)
    kms = stack.client("kms")
    assert kms.describe_key(KeyId=stack.arn("DataKey"))["KeyMetadata"]["KeySpec"] == "SYMMETRIC_DEFAULT"
    encrypted = kms.encrypt(KeyId=stack.arn("DataKey"), Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=encrypted)["Plaintext"] == b"secret"
    assert generated == []


def test_an_asymmetric_key_signs_verifies_and_has_its_public_key(start_stack: Callable[..., LocalStack],
                                                                  generated: list[int]) -> None:
    kms = start_stack(TEMPLATE).client("kms")
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signature = kms.sign(KeyId=key, Message=b"orders", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    assert kms.verify(KeyId=key, Message=b"orders", Signature=signature,
                      SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"] is True
    public = kms.get_public_key(KeyId=key)["PublicKey"]
    assert kms.get_public_key(KeyId=key)["PublicKey"] == public  # one pair per key, made once
    assert generated == [2048]
