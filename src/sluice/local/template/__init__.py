"""A SAM template as CloudFormation resolves it: loading, parameters, intrinsics, the model."""
