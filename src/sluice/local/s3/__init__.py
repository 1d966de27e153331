"""S3 as the local stack runs it: what happens after an object is written.

moto keeps buckets and objects; this package decides what a write then sets off:

- `resources`: buckets — names, attributes, creation in moto (versioning, encryption);
- `wiring`: the notifications the template declares (EventBridge on or off; classic Lambda, SQS
  and SNS configurations; `S3` events of functions);
- `events`: the events a write sends, in AWS's shapes (`Object Created` for EventBridge, the
  classic `Records` event), with the matching notifications.

Delivery of those events is `sluice.local.reactions` → `sluice.local.delivery`.
"""
