"""sluice — the local engine and CLI for the sluice serverless pipeline runtime.

Nothing here is deployed: `functions/` and `layers/` never import this package.
"""

__version__ = "0.1.0"
