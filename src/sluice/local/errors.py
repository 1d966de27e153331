"""Errors of the local stack. Every one names what is wrong and where, so the CLI can print it
without a traceback.

Example:
    >>> raise TemplateError("must be a mapping", resource="RawBucket", property="NotificationConfiguration")
    Traceback (most recent call last):
    ...
    sluice.local.errors.TemplateError: resource RawBucket, property NotificationConfiguration: must be a mapping
"""

from __future__ import annotations


def one_line(text: str) -> str:
    r"""A report of several lines (botocore's parameter validation) as one line of an error message.

    Example:
        >>> one_line("Parameter validation failed:\nInvalid type for parameter A\nMissing parameter B")
        'Parameter validation failed: Invalid type for parameter A; Missing parameter B'
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(line + (" " if line.endswith(":") else "; ") for line in lines[:-1]) + (lines[-1] if lines else "")


class LocalStackError(Exception):
    """Base class: something the user can fix (template, event, arguments)."""


class TemplateError(LocalStackError):
    """The template cannot be run as written: names the resource and property when known."""

    def __init__(
        self,
        message: str,
        *,
        resource: str | None = None,
        property: str | None = None,
        origin: str | None = None,
    ) -> None:
        self.message = message
        self.resource = resource
        self.property = property
        self.origin = origin
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.origin:
            where.append(self.origin)
        if self.resource:
            where.append(f"resource {self.resource}")
        if self.property:
            where.append(f"property {self.property}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def located(self, origin: str) -> TemplateError:
        """The same error, attributed to a template file."""
        if self.origin:
            return self
        return type(self)(self.message, resource=self.resource, property=self.property, origin=origin)


class UnsupportedFeature(TemplateError):
    """A construct sluice does not emulate. A warning by default; an error with `strict=True`."""


class EventError(LocalStackError):
    """An event or payload given to the stack is malformed."""


class StackError(LocalStackError):
    """The stack was used wrongly: unknown resource, not started, another stack active…"""
