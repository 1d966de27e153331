"""The local EventBridge: patterns, target input, rules and the router."""
