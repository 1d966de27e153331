"""Sub-commands of the `sluice` CLI: one module each, with `configure(parser)` and `run(args)`."""
