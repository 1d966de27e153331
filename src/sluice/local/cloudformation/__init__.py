"""CloudFormation's own behaviour that a template relies on at deploy time: its custom resources
(`custom_resources`), and the `cfnresponse` module it gives inline function code (`inline_modules`)."""
