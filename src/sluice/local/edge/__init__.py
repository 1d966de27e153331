"""`sluice up`: the template's whole world behind one HTTP endpoint, like LocalStack's edge port.

- `routing` — which service (SigV4 scope) and operation (target, action, URI template) a request is;
- `requests` — its parameters, read with botocore's service model;
- `gateway` — the same call replayed in-process, so moto, sluice's own answers, faults and the
  event wiring all see it; its answer back on the wire (`responses` for sluice's own answers);
- `server` — the HTTP server and the thread owning the real-time clock; `log` — what ran;
- `state` — the snapshot `sluice state` shows.

Design and alternatives: docs/adr/0009-edge-endpoint.md.
"""
