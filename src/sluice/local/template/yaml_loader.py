"""Parse a SAM/CloudFormation template (YAML with `!Ref`-style short forms, or JSON).

The short forms are read with the SAM translator's own constructor
(`samtranslator.yaml_helper.intrinsics_multi_constructor`, the one `sam` uses), so `!GetAtt a.b`,
`!Sub`, `!If [...]` … become the same long forms (`{"Fn::GetAtt": ["a", "b"]}`) SAM sees. It is
registered on a private `SafeLoader` subclass so that `yaml.safe_load` elsewhere is untouched.

Example:
    >>> parse_template_text("Resources: {B: {Type: AWS::S3::Bucket, Properties: {BucketName: !Ref Name}}}")
    {'Resources': {'B': {'Type': 'AWS::S3::Bucket', 'Properties': {'BucketName': {'Ref': 'Name'}}}}}
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from sluice import json_text, text_files
from sluice.local.errors import TemplateError


@functools.cache
def _template_loader() -> Any:
    """SafeLoader plus CloudFormation's `!Tag` short forms - libyaml's (`CSafeLoader`, several
    times faster) when PyYAML was built with it. Made on first parse: a template read from the
    cache (`sluice.local.template.cache`) never imports PyYAML or the SAM translator's helper."""
    import yaml  # noqa: PLC0415
    from samtranslator.yaml_helper import intrinsics_multi_constructor  # noqa: PLC0415

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("_TemplateLoader", (base,), {})
    loader.add_multi_constructor("!", intrinsics_multi_constructor)
    return loader


def load_template_file(path: Path) -> dict[str, Any]:
    """Read and parse a template file; a missing file or a syntax error is a `TemplateError`."""
    try:
        text = text_files.read_text(path)
    except OSError as error:
        raise TemplateError(f"cannot read the template: {error.strerror}", origin=str(path)) from error
    return parse_template_text(text, origin=str(path))


def load_snippet_file(path: Path) -> Any:
    """Read and parse a template fragment (an `AWS::Include` file): any YAML or JSON value."""
    try:
        text = text_files.read_text(path)
    except OSError as error:
        raise TemplateError(f"cannot read {path}: {error.strerror}") from error
    return _parse(text, origin=str(path))


def parse_template_text(text: str, origin: str = "template") -> dict[str, Any]:
    document = _parse(text, origin)
    if not isinstance(document, dict):
        raise TemplateError("a template must be a mapping with a Resources section", origin=origin)
    if not isinstance(document.get("Resources"), dict) or not document["Resources"]:
        raise TemplateError("the template has no Resources mapping", origin=origin)
    return document


def _parse(text: str, origin: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            document = json_text.loads(text)
        except json.JSONDecodeError as error:
            raise TemplateError(
                f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})", origin=origin
            ) from error
    else:
        import yaml  # noqa: PLC0415

        try:
            document = yaml.load(text, Loader=_template_loader())
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            position = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
            raise TemplateError(f"not valid YAML: {error.problem}{position}", origin=origin) from error
        except yaml.YAMLError as error:
            raise TemplateError(f"not valid YAML: {error}", origin=origin) from error
        except ValueError:  # PyYAML's int() of an integer longer than Python converts (CVE-2020-10735)
            raise TemplateError(f"not valid YAML: an integer is longer than the {sys.get_int_max_str_digits()} "
                                "digits Python reads", origin=origin) from None
    return document
