"""Step Functions as the local stack runs it, on the ASL engine (`sluice.asl`).

- `resources`: state machines and activities — names and ARNs;
- `statemachines`: the template's definitions (substitutions applied), registered on the engine;
- `activities`: the template's activities, created on the engine for workers to poll;
- `tracing`: a Task state's work (Lambda invocations, AWS calls) attributed to it in the trace.
"""
