"""EventBridge Pipes (`AWS::Pipes::Pipe`) on the local stack: source → filter → enrichment → target.

- `spec`: a template's pipe, read and checked through pydantic;
- `resources`: the resource kind (names, ARNs, creation in moto's `pipes` backend);
- `records`: source records in Pipes' shapes, and the decoded view filters and templates read;
- `transform`: `InputTemplate` and dynamic `$.` parameters; `targets`: delivery to the target;
- `pipeline`: one batch through filter, enrichment and target;
- `sqs`, `kinesis`, `dynamodb`: the sources (`streams`: what the stream sources share;
  `resumable`: a stream source stopped and started again); `sources`: the source of a pipe (the
  plug-in point);
- `catalog`: every pipe of the stack — the template's and those created at run time — and the
  `pipes` API over them (create, describe, list, update, start, stop, delete).
"""
