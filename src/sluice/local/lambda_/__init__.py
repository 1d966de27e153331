"""The local Lambda service, one module per concept (the per-AWS-service layout of `sluice.local`)."""
