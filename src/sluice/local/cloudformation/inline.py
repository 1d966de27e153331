"""Where the modules Lambda gives a function with inline code (`ZipFile`, SAM's `InlineCode`) are found:
`cfnresponse` for Python and `cfn-response` for Node.js, laid out as a layer's `/opt` (CloudFormation user
guide: "cfn-response module": "available only when you use the ZipFile property")."""

from __future__ import annotations

from pathlib import Path

INLINE_MODULES = Path(__file__).parent / "inline_modules"
