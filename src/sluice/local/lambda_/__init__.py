"""The local Lambda service: functions run in-process, one module per concept.

- `resources`: functions, layers, event source mappings and function URLs — names and ARNs;
- `spec`: a function as the template declares it (handler, code, environment, timeouts…);
- `sandbox`, `context`, `logs`, `timeouts`, `handler_time`: what a handler runs inside;
- `runtime`: synchronous invocations (`Invocation` records, `invocation`);
- `async_invoke`: the asynchronous queue — retries, event age, destinations, dead-letter queue;
- `destinations`: OnSuccess/OnFailure destinations and invocation records in AWS's shapes;
- `mappings`: event source mappings read from the template (the pollers are the services':
  `sluice.local.sqs.poller`, `sluice.local.kinesis.poller`, `sluice.local.dynamodb.poller`);
- `stream_poller`: the shard poller Kinesis and DynamoDB Streams mappings share;
- `catalog`: the functions as the Lambda API describes them — configurations, versions, aliases;
- `api`: the Lambda API over them (`ListFunctions`, `GetFunction`, `Invoke`…), answered in-process;
- `urls`: function URLs, HTTP requests to a function (payload 2.0), in-process and on `sluice up`.
"""
