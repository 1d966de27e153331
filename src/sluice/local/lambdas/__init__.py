"""The in-process Lambda runtime: specs, sandboxed imports, context, logs, timeouts, async invokes."""
