"""Step Functions as the local stack runs it, on the ASL engine (`sluice.asl`).

- `resources`: state machines — names and ARNs;
- `statemachines`: the template's definitions (substitutions applied), registered on the engine;
- `tracing`: a Task state's work (Lambda invocations, AWS calls) attributed to it in the trace.
"""
