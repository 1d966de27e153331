"""Distributed Map I/O: `ItemReader` (items from S3) and `ResultWriter` (results to S3).

Both talk to S3 through the engine's resolver as AWS SDK calls (`TaskDispatcher.api_call`), so
they use whatever backend the integrations use — moto in tests, the local stack's S3, or AWS.
Map imports these modules only when a definition uses the fields.
"""
