"""Adapters to other libraries' internals: one module per library, naming the versions it is
tested with, so that an upgrade that moves an internal breaks one small module only.

- `moto_backends`: moto's SQS and S3 backends, and the time functions of its SQS and Kinesis.

Powertools is only read on the wire (its DynamoDB calls, `sluice.local.calls`): no adapter needed.
"""
