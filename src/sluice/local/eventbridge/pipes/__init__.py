"""EventBridge Pipes (`AWS::Pipes::Pipe`) on the local stack: source → filter → enrichment → target.

- `spec`: a template's pipe, read and checked through pydantic;
- `resources`: the resource kind (names, ARNs, creation in moto's `pipes` backend);
- `records`: source records in Pipes' shapes, and the decoded view filters and templates read;
- `transform`: `InputTemplate` and dynamic `$.` parameters; `targets`: delivery to the target;
- `pipeline`: one batch through filter, enrichment and target;
- `sqs`, `kinesis`, `dynamodb`: the sources (`streams`: what the stream sources share); `sources`:
  one per pipe of the template (the plug-in point).
"""
