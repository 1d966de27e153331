"""Nested stacks whose template is a local file, run with their parent as one template.

An `AWS::Serverless::Application` with a local `Location`, or an `AWS::CloudFormation::Stack` with a
local `TemplateURL` (both as `sam package` would upload them), is a child stack: CloudFormation
deploys its template with the `Parameters` the parent passes, and the parent reads its `Outputs` with
`!GetAtt App.Outputs.Name`. SAM CLI runs such children locally too (its `sam local` stack provider
walks them). sluice merges each child into the parent's document before anything else reads it, so
every part of the local stack (functions, queues, APIs, wiring, `sluice up`) sees one template:

- a child's resource, condition and mapping `X` becomes `<App>X` (CloudFormation logical ids are
  alphanumeric, so the name stays one a template could have written; a clash is an error);
- a parameter the parent passes becomes the parent's expression; one it does not pass is hoisted
  into the parent as `<App><Parameter>`, with its `Default`, so `--parameter-overrides` can set it;
- `!GetAtt App.Outputs.Name` becomes the child's output expression, `!Ref App` the child stack's id,
  and `DependsOn: App` every resource of the child;
- the child's `AWS::StackName` is `<parent stack>-<App>`, as CloudFormation prefixes a nested
  stack's name with its parent's, so two children's `${AWS::StackName}-…` names stay apart;
- the child's own `Globals` are merged into its resources, and the parent's are not (SAM applies
  a template's `Globals` to that template alone);
- local paths (`CodeUri`, `DefinitionUri`, includes, …) are rewritten from the child's folder to
  the parent's, as `sam build` rewrites them (SAM CLI's `RESOURCES_WITH_LOCAL_PATHS`).

Children nest to any depth; a template that includes itself is an error.

Example:
    >>> child = {"Parameters": {"Stage": {"Type": "String"}},
    ...          "Resources": {"Queue": {"Type": "AWS::SQS::Queue",
    ...                                  "Properties": {"QueueName": {"Fn::Sub": "q-${Stage}"}}}},
    ...          "Outputs": {"Url": {"Value": {"Ref": "Queue"}}}}
    >>> parent = {"Resources": {"App": {"Type": "AWS::Serverless::Application",
    ...                                 "Properties": {"Location": "child.yaml", "Parameters": {"Stage": "dev"}}},
    ...                         "Fn": {"Type": "AWS::Serverless::Function",
    ...                                "Properties": {"Environment": {"Variables": {
    ...                                    "URL": {"Fn::GetAtt": ["App", "Outputs.Url"]}}}}}}}
    >>> merged = flatten_nested(parent, Path("."), load=lambda path: child, warn=print)
    >>> sorted(merged["Resources"])
    ['AppQueue', 'Fn']
    >>> merged["Resources"]["AppQueue"]["Properties"]
    {'QueueName': {'Fn::Sub': ['q-${Stage}', {'Stage': 'dev'}]}}
    >>> merged["Resources"]["Fn"]["Properties"]["Environment"]["Variables"]["URL"]
    {'Ref': 'AppQueue'}
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sluice.local.errors import TemplateError
from sluice.local.template.language_extensions import FOR_EACH, TRANSFORM
from sluice.local.template.sam_globals import merge_globals, template_globals

#: The metadata key holding a merged resource's SAM CLI stack path (`App/Function`, `App/Inner/Function`).
STACK_PATH = "SluiceStackPath"
#: A nested stack's type → the property naming its template.
NESTED_TYPES = {"AWS::Serverless::Application": "Location", "AWS::CloudFormation::Stack": "TemplateURL"}
_REMOTE = ("s3://", "https://", "http://")
_SUB_TOKEN = re.compile(r"\$\{([^}]*)\}")
#: Local paths `sam package` uploads, by resource type (SAM CLI's `RESOURCES_WITH_LOCAL_PATHS`).
_LOCAL_PATHS = {
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Serverless::GraphQLApi": ("SchemaUri",),
    "AWS::Lambda::Function": ("Code",),
    "AWS::Lambda::LayerVersion": ("Content",),
    "AWS::StepFunctions::StateMachine": ("DefinitionS3Location",),
    "AWS::ApiGateway::RestApi": ("BodyS3Location",),
    "AWS::ApiGatewayV2::Api": ("BodyS3Location",),
    "AWS::AppSync::GraphQLSchema": ("DefinitionS3Location",),
    "AWS::AppSync::Resolver": ("RequestMappingTemplateS3Location", "ResponseMappingTemplateS3Location",
                               "CodeS3Location"),
    "AWS::AppSync::FunctionConfiguration": ("RequestMappingTemplateS3Location",
                                            "ResponseMappingTemplateS3Location", "CodeS3Location"),
}
_LIST_TYPES = ("CommaDelimitedList", "List<")
_STACK_ID = ("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}-%s/"
             "00000000-0000-4000-8000-000000000000")

#: The template at a path, or None when there is no such file.
Load = Callable[[Path], dict[str, Any] | None]
#: Told what cannot be merged, and of which nested-stack resource.
Warn = Callable[[str, str], None]


def local_location(resource: Any) -> str | None:
    """The local template a nested-stack resource names, or None (not nested, or its template is remote)."""
    if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str) \
            or resource["Type"] not in NESTED_TYPES:
        return None
    properties = resource.get("Properties")
    location = properties.get(NESTED_TYPES[resource["Type"]]) if isinstance(properties, dict) else None
    if not isinstance(location, str) or location.startswith(_REMOTE):
        return None
    return location


def flatten_nested(document: dict[str, Any], base_dir: Path, *, load: Load, warn: Warn,
                   ancestors: tuple[Path, ...] = ()) -> dict[str, Any]:
    """`document` with every nested stack whose template is a local file merged in (see the module).

    `load` reads a template file (None: there is none); `warn` is told of a child that cannot be merged
    (its file is missing), which is then left as it is. `ancestors` are the templates that include this
    one. A document without such children comes back unchanged.
    """
    resources = document.get("Resources")
    if not isinstance(resources, dict):
        return document
    apps = {name: location for name, body in resources.items() if (location := local_location(body)) is not None}
    if not apps:
        return document
    merged = copy.deepcopy(document)
    children: dict[str, _Child] = {}
    for app, location in apps.items():
        path = (base_dir / location).resolve()
        loaded = load(path)
        if loaded is None:
            warn(f"its template {location} is not a file, so the nested stack's resources do not run locally",
                 app)
            continue
        if path in ancestors:
            raise TemplateError(f"its template {location} includes itself (through nested stacks)", resource=app)
        child_document = flatten_nested(copy.deepcopy(loaded), path.parent, load=load, warn=warn,
                                        ancestors=(*ancestors, path))
        try:
            children[app] = _Child.of(app, merged["Resources"][app], child_document, child_dir=path.parent,
                                      parent_dir=base_dir, warn=warn)
        except TemplateError as error:
            raise error.located(str(path)) from None
    for child in children.values():
        _merge(merged, child)
    return _OutputReferences(children).rewrite_document(merged)


@dataclass
class _Child:
    """One child stack, renamed into its parent's namespace."""

    app: str
    resources: dict[str, Any]
    outputs: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)  # hoisted into the parent
    conditions: dict[str, Any] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    transforms: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, app: str, body: dict[str, Any], document: dict[str, Any], *, child_dir: Path, parent_dir: Path,
           warn: Warn) -> _Child:
        properties = body.get("Properties") or {}
        passed = properties.get("Parameters") or {}
        if not isinstance(passed, dict):
            raise TemplateError("Parameters must be a mapping of names to values", resource=app,
                                property="Parameters")
        declared = _section(document, "Parameters")
        for name in passed:
            if name not in declared:
                warn(f"parameter {name} is passed but its template does not declare it (CloudFormation "
                     "refuses the stack), so it is not used", app)
        substitutes: dict[str, Any] = {}
        hoisted: dict[str, Any] = {}
        for name, declaration in declared.items():
            if name in passed:
                value = passed[name]
                list_typed = isinstance(declaration, dict) and str(declaration.get("Type", "")).startswith(_LIST_TYPES)
                substitutes[name] = {"Fn::Split": [",", value]} if list_typed else value
            else:
                hoisted[app + name] = declaration
                substitutes[name] = {"Ref": app + name}
        renamer = _Renamer(app, substitutes, set(_section(document, "Conditions")), set(_section(document, "Mappings")),
                           _loop_names(document))
        resources = _with_implicit_apis(_with_globals(document), document)
        renamed = renamer.resources(resources)
        conditions = {app + name: renamer.value(expression)
                      for name, expression in _section(document, "Conditions").items()}
        for logical_id, resource in renamed.items():
            _record_stack_path(resource, app, logical_id.removeprefix(app))
            _relocate(resource, child_dir, parent_dir)
            conditions.update(_apply_app_attributes(resource, body))
        outputs = {name: renamer.value(output.get("Value")) for name, output in _section(document, "Outputs").items()
                   if isinstance(output, dict)}
        transforms = document.get("Transform")
        return cls(app=app, resources=renamed, outputs=outputs, parameters=hoisted, conditions=conditions,
                   mappings={app + name: table for name, table in _section(document, "Mappings").items()},
                   transforms=[str(item) for item in (transforms if isinstance(transforms, list) else [transforms])
                               if item is not None])


def _with_globals(document: dict[str, Any]) -> dict[str, Any]:
    """The child's resources with its own `Globals` merged in, each marked to take no more (`IgnoreGlobals: '*'`):
    the parent's `Globals` are the parent's alone."""
    settings = template_globals(document)
    resources = {}
    for logical_id, declared in _section(document, "Resources").items():
        body = declared
        if isinstance(declared, dict) and str(declared.get("Type", "")).startswith("AWS::Serverless::"):
            body = dict(declared)
            # (Properties that are not a mapping are the template's error, said when the resource is declared.)
            if settings is not None and isinstance(body.get("Properties") or {}, dict):
                body["Properties"] = merge_globals(settings, logical_id, body["Type"], body.get("Properties") or {},
                                                   body.get("IgnoreGlobals"))
            body["IgnoreGlobals"] = "*"
        resources[logical_id] = body
    return resources


#: SAM's implicit APIs: event type, the event property naming an API, the API's id, type, stage and Globals section.
_IMPLICIT_APIS = (("Api", "RestApiId", "ServerlessRestApi", "AWS::Serverless::Api", "Prod", "Api"),
                  ("HttpApi", "ApiId", "ServerlessHttpApi", "AWS::Serverless::HttpApi", "$default", "HttpApi"))


def _with_implicit_apis(resources: dict[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """The child's implicit APIs declared as resources of it: SAM gives each template its own
    `ServerlessRestApi`/`ServerlessHttpApi` (with that template's `Globals`), so a child's API events
    must not join the parent's implicit API."""
    declared = dict(resources)
    global_sections = document.get("Globals") if isinstance(document.get("Globals"), dict) else {}
    for event_type, api_property, api_id, api_type, stage, section in _IMPLICIT_APIS:
        events = [event.setdefault("Properties", {}) for event in _function_events(resources)
                  if event.get("Type") == event_type and isinstance(event.get("Properties", {}), dict)
                  and api_property not in event.get("Properties", {})]
        if not events or api_id in declared:
            continue
        settings = global_sections.get(section) if isinstance(global_sections, dict) else None
        declared[api_id] = {"Type": api_type, "IgnoreGlobals": "*",
                            "Properties": {**(settings if isinstance(settings, dict) else {}), "StageName": stage}}
        for properties in events:
            properties[api_property] = {"Ref": api_id}
    return declared


def _record_stack_path(resource: Any, app: str, logical_id: str) -> None:
    """Keep the path SAM CLI names the resource by (`sam local invoke App/Function`) in its metadata."""
    metadata = resource.setdefault("Metadata", {}) if isinstance(resource, dict) else None
    if isinstance(metadata, dict):
        metadata[STACK_PATH] = f"{app}/{metadata.get(STACK_PATH, logical_id)}"


def _function_events(resources: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Each event of each `AWS::Serverless::Function` (those of the wrong shape are said when the function is)."""
    for body in resources.values():
        if not isinstance(body, dict) or body.get("Type") != "AWS::Serverless::Function":
            continue
        properties = body.get("Properties")
        events = properties.get("Events") if isinstance(properties, dict) else None
        yield from (event for event in (events.values() if isinstance(events, dict) else ()) if isinstance(event, dict))


def _apply_app_attributes(resource: Any, app_body: Mapping[str, Any]) -> dict[str, Any]:
    """The nested-stack resource's `Condition` and `DependsOn` hold for each resource of its child; the
    conditions this adds (the resource's own and the nested stack's, both holding)."""
    added: dict[str, Any] = {}
    if not isinstance(resource, dict):
        return added
    condition = app_body.get("Condition")
    if isinstance(condition, str):
        own = resource.get("Condition")
        if isinstance(own, str):
            combined = f"{own}And{condition}"
            added[combined] = {"Fn::And": [{"Condition": own}, {"Condition": condition}]}
            resource["Condition"] = combined
        else:
            resource["Condition"] = condition
    depends = app_body.get("DependsOn")
    if depends:
        own_depends = resource.get("DependsOn") or []
        resource["DependsOn"] = [*([own_depends] if isinstance(own_depends, str) else own_depends),
                                 *([depends] if isinstance(depends, str) else depends)]
    return added


def _merge(document: dict[str, Any], child: _Child) -> None:
    resources = document["Resources"]
    del resources[child.app]
    for section, entries in (("Resources", child.resources), ("Parameters", child.parameters),
                             ("Conditions", child.conditions),
                             ("Mappings", child.mappings)):
        if not entries:
            continue
        target = document.setdefault(section, {})
        if not isinstance(target, dict):
            raise TemplateError(f"{section} must be a mapping", property=section)
        for name, value in entries.items():
            if name in target:
                raise TemplateError(f"the nested stack's {section[:-1].lower()} {name[len(child.app):]} is {name} "
                                    f"in this template, which declares {name} too", resource=child.app)
            target[name] = value
    if TRANSFORM in child.transforms:
        declared = document.get("Transform")
        transforms = declared if isinstance(declared, list) else [declared] if declared else []
        if TRANSFORM not in transforms:
            document["Transform"] = [TRANSFORM, *transforms]


class _References:
    """A walk over template values that rewrites `Ref`, `Fn::GetAtt` and `Fn::Sub` references."""

    def ref(self, name: str) -> Any | None:
        """What `{"Ref": name}` becomes, or None to keep it."""
        return None

    def get_att(self, name: str, attribute: str) -> Any | None:
        """What `{"Fn::GetAtt": [name, attribute]}` becomes, or None to keep it."""
        return None

    def other(self, key: str, argument: Any) -> Any | None:
        """What a one-key mapping `{key: argument}` other than the three becomes, or None to walk it."""
        return None

    def renamed(self, name: str) -> str:
        """The logical id a resource named `name` has now."""
        return name

    def value(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            rewritten = self._intrinsic(key, argument)
            if rewritten is not None:
                return rewritten
        return {key: self.value(item) for key, item in value.items()}

    def _intrinsic(self, key: str, argument: Any) -> Any | None:
        if key == "Ref" and isinstance(argument, str):
            name, dot, attribute = argument.partition(".")
            if dot and not argument.startswith("AWS::"):  # SAM's `!Ref Function.Alias`
                return {"Ref": f"{self.renamed(name)}.{attribute}"}
            return self.ref(argument)
        if key == "Fn::GetAtt":
            target = argument.split(".", 1) if isinstance(argument, str) else argument
            if isinstance(target, list) and len(target) == 2 and isinstance(target[0], str):
                if isinstance(target[1], str):
                    return self.get_att(target[0], target[1])
                return {"Fn::GetAtt": [self.renamed(target[0]), self.value(target[1])]}
            return None
        if key == "Fn::Sub":
            return self._sub(argument)
        return self.other(key, argument)

    def _sub(self, argument: Any) -> Any | None:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) \
                and isinstance(argument[1], dict):
            text, variables = argument[0], {key: self.value(item) for key, item in argument[1].items()}
        else:
            return None
        added: dict[str, Any] = {}

        def replace(match: re.Match[str]) -> str:
            token = match.group(1).strip()
            if token.startswith("!") or token in variables:
                return match.group(0)
            if "." in token and not token.startswith("AWS::"):
                name, _, attribute = token.partition(".")
                rewritten = self.get_att(name, attribute)
            else:
                rewritten = self.ref(token)
            if rewritten is None:
                return match.group(0)
            if _is_ref(rewritten) and "." not in str(rewritten["Ref"]):
                return "${" + str(rewritten["Ref"]) + "}"
            if isinstance(rewritten, dict) and set(rewritten) == {"Fn::GetAtt"} \
                    and all(isinstance(part, str) for part in rewritten["Fn::GetAtt"]):
                return "${" + ".".join(rewritten["Fn::GetAtt"]) + "}"
            added[token] = rewritten  # a variable of the same name stands for the expression
            return match.group(0)

        rewritten_text = _SUB_TOKEN.sub(replace, text)
        variables.update(added)
        return {"Fn::Sub": [rewritten_text, variables] if variables else rewritten_text}


def _loop_names(value: Any) -> set[str]:
    """The identifiers of the `Fn::ForEach` loops in `value`: `${Name}` in a loop is its item, not a resource."""
    names: set[str] = set()
    if isinstance(value, list):
        for item in value:
            names |= _loop_names(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.startswith(FOR_EACH) and isinstance(item, list) and item \
                    and isinstance(item[0], str):
                names.add(item[0])
            names |= _loop_names(item)
    return names


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str)


class _Renamer(_References):
    """Moves a child's template into its parent's namespace (see the module)."""

    def __init__(self, app: str, parameters: dict[str, Any], conditions: set[str], mappings: set[str],
                 loop_names: set[str]) -> None:
        self.app = app
        self.parameters = parameters
        self.loop_names = loop_names
        self.conditions = conditions
        self.mappings = mappings

    def resource_id(self, logical_id: str) -> str:
        return self.app + logical_id

    def renamed(self, name: str) -> str:
        return self.resource_id(name)

    def resources(self, section: Mapping[str, Any]) -> dict[str, Any]:
        """A `Resources` section renamed; a `Fn::ForEach` loop's name and the ids it makes are renamed too."""
        renamed: dict[str, Any] = {}
        for key, body in section.items():
            if key.startswith(FOR_EACH) and isinstance(body, list) and len(body) == 3 and isinstance(body[2], dict):
                renamed[FOR_EACH + self.app + key.removeprefix(FOR_EACH)] = [body[0], self.value(body[1]),
                                                                             self.resources(body[2])]
            else:
                renamed[self.resource_id(key)] = self.resource(body)
        return renamed

    def resource(self, body: Any) -> Any:
        if not isinstance(body, dict):
            return body
        renamed = {key: self.value(item) for key, item in body.items() if key not in ("Condition", "DependsOn")}
        if isinstance(body.get("Condition"), str):
            renamed["Condition"] = self._condition(body["Condition"])
        depends = body.get("DependsOn")
        if depends:
            names = [depends] if isinstance(depends, str) else depends
            renamed["DependsOn"] = [self.resource_id(name) for name in names]
        return renamed

    def ref(self, name: str) -> Any | None:
        # Any other name is one of the child's resources, declared or added by SAM's transform (a
        # function's `<Id>Role`, `<Id>Url`, an event's rule…), whose ids follow the renamed resource's.
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::StackName":
            return {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, self.app]]}
        if name.startswith("AWS::") or name in self.loop_names:
            return None
        return {"Ref": self.resource_id(name)}

    def get_att(self, name: str, attribute: str) -> Any | None:
        return {"Fn::GetAtt": [self.resource_id(name), attribute]}

    def other(self, key: str, argument: Any) -> Any | None:
        if key == "Condition" and isinstance(argument, str):
            return {"Condition": self._condition(argument)}
        if key == "Fn::If" and isinstance(argument, list) and argument and isinstance(argument[0], str):
            return {"Fn::If": [self._condition(argument[0]), *(self.value(item) for item in argument[1:])]}
        if key == "Fn::FindInMap" and isinstance(argument, list) and argument and isinstance(argument[0], str) \
                and argument[0] in self.mappings:
            return {"Fn::FindInMap": [self.app + argument[0], *(self.value(item) for item in argument[1:])]}
        return None

    def value(self, value: Any) -> Any:
        rewritten = super().value(value)
        if isinstance(rewritten, dict):
            # SAM connectors name their source and destination by logical id, not by an intrinsic.
            for end in ("Source", "Destination"):
                target = rewritten.get(end)
                for item in target if isinstance(target, list) else [target]:
                    if isinstance(item, dict) and isinstance(item.get("Id"), str):
                        item["Id"] = self.resource_id(item["Id"])
        return rewritten

    def _condition(self, name: str) -> str:
        return self.app + name if name in self.conditions else name


class _OutputReferences(_References):
    """Rewrites the merged template's references to the children: their outputs, ids and resources."""

    def __init__(self, children: Mapping[str, _Child]) -> None:
        self.children = children
        self._resolving: set[tuple[str, str]] = set()

    def rewrite_document(self, document: dict[str, Any]) -> dict[str, Any]:
        for section in ("Resources", "Outputs", "Conditions"):
            if isinstance(document.get(section), dict):
                document[section] = {name: self._entry(item) for name, item in document[section].items()}
        return document

    def _entry(self, body: Any) -> Any:
        if not isinstance(body, dict):
            return self.value(body)
        rewritten = {key: self.value(item) for key, item in body.items() if key != "DependsOn"}
        depends = body.get("DependsOn")
        if depends:
            names = [depends] if isinstance(depends, str) else depends
            rewritten["DependsOn"] = [resource for name in names for resource in self._depends(name)]
        return rewritten

    def _depends(self, name: Any) -> Iterable[Any]:
        child = self.children.get(name) if isinstance(name, str) else None
        return list(child.resources) if child is not None else [name]

    def ref(self, name: str) -> Any | None:
        if name in self.children:
            return {"Fn::Sub": _STACK_ID % name}
        return None

    def get_att(self, name: str, attribute: str) -> Any | None:
        child = self.children.get(name)
        if child is None:
            return None
        output = attribute.removeprefix("Outputs.")
        if output == attribute or output not in child.outputs:
            known = ", ".join(f"Outputs.{key}" for key in child.outputs) or "no outputs"
            raise TemplateError(f"Fn::GetAtt {name}.{attribute}: the nested stack has {known}")
        if (name, output) in self._resolving:
            raise TemplateError(f"the nested stack's output {output} refers to itself", resource=name)
        self._resolving.add((name, output))
        try:
            # An output may itself read another child's output (a parameter passed from one to the other).
            return self.value(child.outputs[output])
        finally:
            self._resolving.discard((name, output))


def _relocate(resource: Any, child_dir: Path, parent_dir: Path) -> None:
    """Rewrite the local paths of a child's resource from the child's folder to the parent's."""
    if not isinstance(resource, dict):
        return
    properties = resource.setdefault("Properties", {})
    if not isinstance(properties, dict):
        return
    resource_type = resource.get("Type")
    for name in _LOCAL_PATHS.get(str(resource_type), ()):
        if name in properties:
            properties[name] = _moved(properties[name], child_dir, parent_dir)
    if resource_type == "AWS::Serverless::Function" and not any(
            key in properties for key in ("CodeUri", "InlineCode", "ImageUri")):
        # SAM packages the template's own folder when CodeUri is left out: the child's folder.
        properties["CodeUri"] = _moved(".", child_dir, parent_dir)
    if resource_type == "AWS::Serverless::GraphQLApi":
        _relocate_key(properties, "CodeUri", child_dir, parent_dir)
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict) and "aws:asset:path" in metadata:
        metadata["aws:asset:path"] = _moved(metadata["aws:asset:path"], child_dir, parent_dir)
    _relocate_includes(resource, child_dir, parent_dir)


def _relocate_key(value: Any, key: str, child_dir: Path, parent_dir: Path) -> None:
    if isinstance(value, list):
        for item in value:
            _relocate_key(item, key, child_dir, parent_dir)
    elif isinstance(value, dict):
        for name, item in value.items():
            if name == key:
                value[name] = _moved(item, child_dir, parent_dir)
            else:
                _relocate_key(item, key, child_dir, parent_dir)


def _relocate_includes(value: Any, child_dir: Path, parent_dir: Path) -> None:
    """`Fn::Transform: {Name: AWS::Include, Parameters: {Location: ...}}` anywhere in the value."""
    if isinstance(value, list):
        for item in value:
            _relocate_includes(item, child_dir, parent_dir)
    elif isinstance(value, dict):
        transform = value.get("Fn::Transform")
        if isinstance(transform, dict) and transform.get("Name") == "AWS::Include" \
                and isinstance(transform.get("Parameters"), dict):
            parameters = transform["Parameters"]
            parameters["Location"] = _moved(parameters.get("Location"), child_dir, parent_dir)
        for item in value.values():
            _relocate_includes(item, child_dir, parent_dir)


def _moved(location: Any, child_dir: Path, parent_dir: Path) -> Any:
    if not isinstance(location, str) or location.startswith(_REMOTE) or os.path.isabs(location):
        return location
    return os.path.relpath(child_dir / location, parent_dir.resolve())


def _section(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A section of a child template: a mapping whose names are text, as the child's are prefixed."""
    value = document.get(name) or {}
    if not isinstance(value, dict):
        raise TemplateError(f"{name} must be a mapping", property=name)
    for key in value:
        if not isinstance(key, str) or not key:
            raise TemplateError(f"{name} names its entries with text, not {key!r}", property=name)
    return value
