"""Resource kinds: how each CloudFormation type is named, referenced and created locally.

- `base`: `Kind` (physical names, `Ref`, `Fn::GetAtt`, creation in moto) and name generation;
- `registry`: the kind of every type (`kind_for`), and the types accepted without a warning;
- the kinds of services without a package of their own: `iam` (roles), `kms` (keys, aliases) and
  `parameters` (SSM parameters, log groups). Each service package holds its own kinds
  (`sluice.local.s3.resources`, `sluice.local.sqs.resources`…).
"""
