"""How to run each function of a template: code directory, handler, layers, environment, limits
and asynchronous-invocation settings, read from `AWS::Serverless::Function` (Globals merged) or
`AWS::Lambda::Function`.

Example:
    >>> specs = function_specs(template)
    >>> specs["IngestFunction"].handler, specs["IngestFunction"].timeout
    ('app.lambda_handler', 30.0)
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sluice.local.cloudformation.inline import INLINE_MODULES
from sluice.local.errors import TemplateError
from sluice.local.lambda_.destinations import (
    ASYNC_ON_FAILURE,
    ASYNC_ON_SUCCESS,
    DEAD_LETTER,
    Destination,
    configured,
)
from sluice.local.lambda_.nodejs.executable import MINIMUM as NODE_MINIMUM
from sluice.local.lambda_.nodejs.executable import find_node
from sluice.local.lambda_.public_layers import installed_layer_note, is_extension_layer
from sluice.local.lambda_.sandbox import SHARED_SDK
from sluice.local.template.model import ResourceDecl, SamTemplate
from sluice.local.template.nested import STACK_PATH
from sluice.local.template.values import mapping, number, numbers, whole_number

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
# AWS: asynchronous invocations are retried twice and kept for up to six hours.
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_EVENT_AGE = 21_600


@dataclass
class AsyncConfig:
    """`EventInvokeConfig` plus `DeadLetterQueue`: what happens to asynchronous invocations."""

    maximum_retry_attempts: int = DEFAULT_MAX_RETRIES
    maximum_event_age: int = DEFAULT_MAX_EVENT_AGE
    on_success: Destination | None = None
    on_failure: Destination | None = None
    dead_letter: Destination | None = None


@dataclass
class FunctionSpec:
    """Everything the in-process runtime needs to run one function."""

    logical_id: str
    name: str
    arn: str
    handler: str
    runtime: str
    code_dir: Path
    #: How SAM CLI names it: its logical id, or `App/Function` in a nested stack (`template.nested`).
    stack_path: str = ""
    #: Where a Node.js function bundled here (esbuild) still finds the packages it leaves external.
    node_paths: list[Path] = field(default_factory=list)
    layer_dirs: list[Path] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    reserved_concurrency: int | None = None
    async_config: AsyncConfig = field(default_factory=AsyncConfig)
    log_format: str = "Text"
    application_log_level: str | None = None
    #: Why the function cannot run locally (another runtime, an image, code in S3), if so.
    problem: str | None = None

    @property
    def nodejs(self) -> bool:
        """Whether a node process runs it (`sluice.local.lambda_.nodejs`), not this interpreter."""
        return self.runtime.startswith("nodejs")

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0].replace("/", ".")

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]


def function_specs(template: SamTemplate, inline_dir: Path | None = None) -> dict[str, FunctionSpec]:
    """Specs of every function, by logical id.

    `inline_dir` (the stack's temporary directory) receives `InlineCode`/`ZipFile` sources and the
    contents of `.zip` files given as `CodeUri` or layer `ContentUri`.
    """
    invoke_configs = _event_invoke_configs(template)
    return {decl.logical_id: _spec(template, decl, invoke_configs.get(decl.logical_id), inline_dir)
            for decl in template.of_type(*FUNCTION_TYPES)}


def _at(template: SamTemplate, decl: ResourceDecl, property: str) -> dict[str, str]:
    """Where a typed read names a problem: the template, the function, the property."""
    return {"resource": decl.logical_id, "property": property, "origin": template.origin}


def _spec(template: SamTemplate, decl: ResourceDecl, invoke_config: dict[str, Any] | None,
          inline_dir: Path | None) -> FunctionSpec:
    serverless = decl.type == "AWS::Serverless::Function"
    handler = str(template.prop(decl, "Handler", ""))
    runtime = str(template.prop(decl, "Runtime", ""))
    spec = FunctionSpec(
        logical_id=decl.logical_id,
        name=template.physical_name(decl.logical_id),
        arn=template.get_att(decl.logical_id, "Arn"),
        handler=handler,
        runtime=runtime,
        code_dir=template.base_dir,
        stack_path=str(decl.metadata.get(STACK_PATH, decl.logical_id)),
        timeout=number(template.prop(decl, "Timeout", DEFAULT_TIMEOUT), **_at(template, decl, "Timeout")),
        memory=whole_number(template.prop(decl, "MemorySize", DEFAULT_MEMORY), **_at(template, decl, "MemorySize")),
    )
    reserved = template.prop(decl, "ReservedConcurrentExecutions")
    spec.reserved_concurrency = None if reserved is None else whole_number(
        reserved, **_at(template, decl, "ReservedConcurrentExecutions"))
    environment = mapping(template.prop(decl, "Environment"), **_at(template, decl, "Environment"))
    variables = mapping(environment.get("Variables"), **_at(template, decl, "Environment.Variables"))
    spec.environment = {str(key): _env_text(decl.logical_id, str(key), value) for key, value in variables.items()}
    logging_config = mapping(template.prop(decl, "LoggingConfig"), **_at(template, decl, "LoggingConfig"))
    spec.log_format = str(logging_config.get("LogFormat", "Text"))
    spec.application_log_level = logging_config.get("ApplicationLogLevel")
    spec.problem = _problem(template, decl, serverless, handler, runtime)
    if spec.problem is None:
        try:
            spec.code_dir = _code_dir(template, decl, serverless, spec, inline_dir)
            spec.layer_dirs = _layer_dirs(template, decl, inline_dir)
            if _inline_code(template, decl, serverless) is not None:
                # `cfnresponse` (Python) or `cfn-response` (Node.js, as /opt/nodejs/node_modules), as Lambda
                # gives inline code.
                spec.layer_dirs.append(INLINE_MODULES)
            if not spec.nodejs:
                _say_bundled_sdk(template, decl, [spec.code_dir, *spec.layer_dirs])
        except TemplateError as error:
            # One broken function must not stop the others from running: it fails when invoked.
            spec.problem = str(error.located(template.origin))
            template.warnings.append(spec.problem)
    spec.async_config = _async_config(template, decl, serverless, invoke_config)
    if template.prop(decl, "DurableConfig") is not None:
        # Lambda durable functions checkpoint each step through Lambda's durable execution APIs and resume
        # by replaying; nothing here records or replays checkpoints, so say so rather than run it as if.
        template.unsupported("durable executions (checkpointed steps, waits, replays) are not "
                             "emulated locally; an invocation runs the handler once, as an ordinary function",
                             resource=decl.logical_id, property="DurableConfig")
    mounts = template.prop(decl, "FileSystemConfigs")
    if isinstance(mounts, list) and mounts:
        # An EFS access point is mounted at its LocalMountPath inside Lambda's environment; a handler here
        # runs in this process, where that path is the host's own (as under `sam local`, which mounts none).
        paths = ", ".join(str(mount.get("LocalMountPath")) for mount in mounts if isinstance(mount, dict))
        template.unsupported(f"EFS file systems are not mounted locally: {paths} is this machine's own path, "
                             "not the file system's", resource=decl.logical_id, property="FileSystemConfigs")
    if template.prop(decl, "TenancyConfig") is not None:
        # Tenant isolation gives each tenant id its own execution environments and `context.tenant_id`;
        # invocations here carry no tenant id, so all tenants share one environment.
        template.unsupported("tenant isolation is not emulated locally: invocations carry no tenant id "
                             "(context.tenant_id) and all tenants share the function's execution environments",
                             resource=decl.logical_id, property="TenancyConfig")
    return spec


def _problem(template: SamTemplate, decl: ResourceDecl, serverless: bool, handler: str,
             runtime: str) -> str | None:
    package_type = template.prop(decl, "PackageType", "Zip")
    if package_type == "Image":
        return "PackageType Image: sluice runs zip-packaged Python handlers in-process, not container images"
    if runtime.startswith("nodejs"):
        return _node_problem(template, decl, handler, runtime)
    if not runtime.startswith("python3"):
        return (f"Runtime {runtime or '(none)'}: sluice runs Python handlers in-process and Node.js handlers "
                f"in a node process (this interpreter is Python {sys.version_info.major}.{sys.version_info.minor})")
    module, _, function = handler.rpartition(".")
    # Lambda's Python bootstrap imports `module` with its slashes as dots: an empty part ("/.f", "a..b.f")
    # names no module, and an absolute path would reach outside the function's code.
    if not module or not function or not all(module.replace("/", ".").split(".")):
        return f"Handler {handler!r} must be module.function (e.g. app.lambda_handler or src/app.lambda_handler)"
    return None


def _say_bundled_sdk(template: SamTemplate, decl: ResourceDecl, roots: list[Path]) -> None:
    """A function that ships its own AWS SDK runs with this environment's (`sandbox.SHARED_SDK`): say so."""
    bundled = sorted({name for root in roots for name in SHARED_SDK if (root / name / "__init__.py").is_file()})
    if bundled:
        import botocore  # noqa: PLC0415 - the one the local stack answers through

        template.unsupported(f"the function ships its own {', '.join(bundled)}: it runs with this environment's "
                             f"(botocore {botocore.__version__}) instead, through which the local stack answers AWS "
                             "calls", resource=decl.logical_id, property="CodeUri")


def _node_problem(template: SamTemplate, decl: ResourceDecl, handler: str, runtime: str) -> str | None:
    node = find_node()
    if node is None:
        return (f"Runtime {runtime}: Node.js functions run on this machine's node, and there is no Node.js "
                f"{'.'.join(map(str, NODE_MINIMUM))} or newer on PATH")
    note = node.version_note(runtime)
    if note:
        template.unsupported(f"Runtime {runtime}: {note}", resource=decl.logical_id, property="Runtime")
    # Lambda's Node.js runtime: `[dir/]module.property[.nested]`, never `..` (UserFunction's own checks).
    if ".." in handler or "." not in handler.rsplit("/", 1)[-1] or handler.rsplit("/", 1)[-1].startswith("."):
        return f"Handler {handler!r} must be file.function (e.g. index.handler or src/app.lambdaHandler)"
    return None


def _node_module(directory: Path, handler: str) -> Path | None:
    """The file Lambda's Node.js runtime loads for `handler` (extensionless, `.js`, `.mjs`, `.cjs`), if any."""
    root, _, base = handler.rpartition("/")
    stem = directory / root / base.split(".", 1)[0]
    return next((candidate for suffix in ("", ".js", ".mjs", ".cjs")
                 if (candidate := stem.with_name(stem.name + suffix)).is_file()), None)


def _esbuilt(template: SamTemplate, decl: ResourceDecl, spec: FunctionSpec, source: Path) -> Path:
    """The function bundled as `sam build` bundles it (`nodejs.esbuild`); its own `node_modules` stay on the
    require path for the packages it leaves `External`."""
    from sluice.local.lambda_.nodejs.esbuild import BuildFailed, bundle  # noqa: PLC0415 - esbuild functions only

    properties = decl.metadata.get("BuildProperties") or {}
    out = template.base_dir / ".aws-sam" / "sluice-esbuild" / decl.logical_id
    try:
        built = bundle(properties if isinstance(properties, dict) else {}, source=source, out=out,
                       stop=template.base_dir)
    except BuildFailed as error:
        raise TemplateError(f"Handler {spec.handler} is built by `sam build` with esbuild (Metadata BuildMethod: "
                            f"esbuild): {error}", resource=decl.logical_id, property="Metadata.BuildProperties",
                            origin=template.origin) from None
    spec.node_paths = [folder / "node_modules" for folder in (source, *source.parents)
                       if (folder / "node_modules").is_dir()][:1]
    return built


def _missing_node_module(decl: ResourceDecl, handler: str, code: Path, directory: Path) -> str:
    root, _, base = handler.rpartition("/")
    stem = f"{root}/{base.split('.', 1)[0]}" if root else base.split(".", 1)[0]
    if decl.metadata.get("BuildMethod") == "esbuild":
        return (f"Handler {handler} needs {stem}.js among what esbuild bundled from BuildProperties.EntryPoints "
                f"({', '.join(sorted(path.name for path in directory.iterdir())) or 'nothing'})")
    typescript = next((directory / (stem + suffix) for suffix in (".ts", ".mts", ".cts")
                       if (directory / (stem + suffix)).is_file()), None)
    if typescript is not None:
        # SAM CLI compiles TypeScript only with its esbuild build (Metadata BuildMethod: esbuild).
        return (f"Handler {handler} is TypeScript ({code / typescript.relative_to(directory)}), which runs once "
                "bundled: give the function `Metadata: BuildMethod: esbuild` with its BuildProperties, as `sam "
                "build` needs")
    return f"Handler {handler} needs {code / stem}.js (or .mjs, .cjs), which does not exist"


def _inline_code(template: SamTemplate, decl: ResourceDecl, serverless: bool) -> Any:
    if serverless:
        return template.prop(decl, "InlineCode")
    code = template.prop(decl, "Code")
    return code.get("ZipFile") if isinstance(code, dict) else None


def _code_dir(template: SamTemplate, decl: ResourceDecl, serverless: bool, spec: FunctionSpec,
              inline_dir: Path | None) -> Path:
    inline = _inline_code(template, decl, serverless)
    if inline is not None:
        if inline_dir is None:
            raise TemplateError("inline code needs a directory to be written to", resource=decl.logical_id)
        directory = inline_dir / decl.logical_id
        # Lambda saves inline Node.js code as the handler's `.js` file (CloudFormation's ZipFile: index.js).
        module_path = directory / (spec.handler.split(".", 1)[0] + ".js" if spec.nodejs
                                   else spec.module.replace(".", "/") + ".py")
        module_path.parent.mkdir(parents=True, exist_ok=True)
        module_path.write_text(str(inline), encoding="utf-8")
        return directory
    where = "CodeUri" if serverless else "Code"
    # `sam package`/`sam deploy` package the template's own directory when CodeUri (or a plain
    # function's Code) is left out (SAM CLI's artifact exporter: PACKAGE_NULL_PROPERTY), and so does
    # `sam local invoke`. A CDK template names its asset's local directory in the metadata, and SAM CLI
    # runs that rather than the S3 location (`aws:asset:path` for `aws:asset:property`).
    asset = decl.metadata.get("aws:asset:path")
    if isinstance(asset, str) and decl.metadata.get("aws:asset:property") == where:
        code: Any = asset
    else:
        code = template.prop(decl, where, ".")
    # A plain `AWS::Lambda::Function` may name a local path as its `Code` too, before `sam package`
    # uploads it (SAM CLI's artifact exporter packages `Code` as it packages `CodeUri`).
    if isinstance(code, str) and not code.startswith("s3://"):
        directory = _local_content(template, decl, where, code, inline_dir)
        if spec.nodejs and decl.metadata.get("BuildMethod") == "esbuild":
            directory = _esbuilt(template, decl, spec, directory)
        if spec.nodejs:
            if _node_module(directory, spec.handler) is None:
                raise TemplateError(_missing_node_module(decl, spec.handler, Path(code), directory),
                                    resource=decl.logical_id, property="Handler", origin=template.origin)
            return directory
        module_file = directory / (spec.module.replace(".", "/") + ".py")
        package_init = directory / spec.module.replace(".", "/") / "__init__.py"
        if not module_file.is_file() and not package_init.is_file():
            raise TemplateError(
                f"Handler {spec.handler} needs {Path(code) / module_file.relative_to(directory)}, which does not exist",
                resource=decl.logical_id, property="Handler", origin=template.origin)
        return directory
    raise TemplateError(
        f"{where} must be a local directory for sluice to run the function (got {code!r}); "
        "use the template from your source tree, not a packaged one",
        resource=decl.logical_id, property=where, origin=template.origin)


def _local_content(template: SamTemplate, decl: ResourceDecl, where: str, uri: str,
                   inline_dir: Path | None) -> Path:
    """The directory a local `CodeUri`/`ContentUri` stands for: itself, a `.zip` extracted, or a
    directory holding just the one file it names.

    SAM accepts a zip file as well as a directory (`sam deploy` uploads it as it is), and zips any
    other single file on its own (SAM CLI's artifact exporter: FORCE_ZIP).
    """
    path = template.local_path(uri, decl.logical_id, where)
    if path.is_dir():
        return path
    if path.is_file():
        if inline_dir is None:
            raise TemplateError(f"{where} {uri} is a file, which needs a directory to be unpacked to",
                                resource=decl.logical_id, property=where, origin=template.origin)
        if path.suffix.lower() == ".zip":
            return _extracted(template, decl, where, path, inline_dir)
        return _alone(path, inline_dir)
    raise TemplateError(f"{where} {uri} is not a directory or a file: nothing exists at {path}",
                        resource=decl.logical_id, property=where, origin=template.origin)


def _alone(source: Path, inline_dir: Path) -> Path:
    """A directory holding only `source`: what Lambda gets when SAM zips a single file."""
    key = hashlib.sha256(str(source).encode()).hexdigest()[:12]
    directory = inline_dir / "file" / f"{source.stem}-{key}"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, directory / source.name)
    return directory


def _extracted(template: SamTemplate, decl: ResourceDecl, where: str, archive: Path, inline_dir: Path) -> Path:
    """`archive` extracted once per stack: functions (and layers) sharing one zip share one copy."""
    key = hashlib.sha256(str(archive).encode()).hexdigest()[:12]
    directory = inline_dir / "zip" / f"{archive.stem}-{key}"
    if directory.is_dir():
        return directory
    try:
        with zipfile.ZipFile(archive) as bundle:
            # extractall keeps members inside `directory` (it drops `..` and absolute parts).
            bundle.extractall(directory)
    except zipfile.BadZipFile as error:
        raise TemplateError(f"{where} {archive.name} is not a valid zip file: {error}",
                            resource=decl.logical_id, property=where, origin=template.origin) from None
    return directory


def _layer_dirs(template: SamTemplate, decl: ResourceDecl, inline_dir: Path | None) -> list[Path]:
    """Import roots the function's layers add (`/opt/python` and its site-packages on Lambda)."""
    layers = template.prop(decl, "Layers") or []
    by_arn = {template.ref(layer.logical_id): layer for layer in template.of_type(*LAYER_TYPES)}
    roots: list[Path] = []
    for index, arn in enumerate(layers):
        layer = by_arn.get(arn)
        if layer is None and is_extension_layer(arn):
            continue  # an extension sluice serves itself (`secrets_extension`), not code to import
        note = installed_layer_note(arn) if layer is None else None
        if note is not None:
            if note:
                template.unsupported(note, resource=decl.logical_id, property=f"Layers[{index}]")
            continue  # its package is installed here (`public_layers`)
        if layer is None:
            template.unsupported(
                f"layer {arn} is not part of this template, so sluice cannot load it: install its packages "
                "into this Python environment instead", resource=decl.logical_id, property=f"Layers[{index}]")
            continue
        roots.extend(_node_layer_roots(template, layer, inline_dir) if str(template.prop(decl, "Runtime", ""))
                     .startswith("nodejs") else _layer_roots(template, layer, inline_dir))
    return roots


def _node_layer_roots(template: SamTemplate, layer: ResourceDecl, inline_dir: Path | None) -> list[Path]:
    """What a layer puts in `/opt` for a Node.js function: its content as it is, or, built with a `nodejs`
    BuildMethod, that content as `/opt/nodejs` (where `sam build` puts a Node.js layer's package) unless
    it is laid out as `/opt` already (a `nodejs/` folder of its own: serverless-patterns'
    `lambda-layer-ssm-parameters` imports `/opt/nodejs/config.mjs` from `src/nodejs/config.mjs`)."""
    directory = _layer_content(template, layer, inline_dir)
    build_method = str((layer.metadata or {}).get("BuildMethod", ""))
    if not build_method.startswith("nodejs") or inline_dir is None or not directory.is_dir() \
            or (directory / "nodejs").is_dir():
        return [directory]
    root = inline_dir / "opt" / layer.logical_id
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "nodejs").exists():
        (root / "nodejs").symlink_to(directory, target_is_directory=True)
    return [root]


def _layer_content(template: SamTemplate, layer: ResourceDecl, inline_dir: Path | None) -> Path:
    """The directory of a layer's `ContentUri` (a `.zip` extracted)."""
    if layer.type != "AWS::Serverless::LayerVersion":
        raise TemplateError("AWS::Lambda::LayerVersion content lives in S3; use AWS::Serverless::LayerVersion "
                            "with a local ContentUri", resource=layer.logical_id, property="Content",
                            origin=template.origin)
    content = template.prop(layer, "ContentUri")
    if not isinstance(content, str) or content.startswith("s3://"):
        raise TemplateError(f"ContentUri must be a local directory or .zip file (got {content!r})",
                            resource=layer.logical_id, property="ContentUri", origin=template.origin)
    return _local_content(template, layer, "ContentUri", content, inline_dir)


def _layer_roots(template: SamTemplate, layer: ResourceDecl, inline_dir: Path | None) -> list[Path]:
    directory = _layer_content(template, layer, inline_dir)
    content = str(template.prop(layer, "ContentUri"))
    build_method = str((layer.metadata or {}).get("BuildMethod", ""))
    # With a python BuildMethod, `sam build` copies a ContentUri directory *into* the layer's python/
    # folder; without one (and always for a zip, which is the layer as Lambda gets it) the content
    # lands in /opt as-is and Lambda imports from its python/. A makefile build puts whatever its
    # Makefile says there; without running it, its sources are the packages it ships: the
    # directory's own python/ when it has one, else the directory itself.
    packaged = not content.lower().endswith(".zip") and (
        build_method.startswith("python") or (build_method == "makefile" and not (directory / "python").is_dir()))
    base = directory if packaged else directory / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return [path for path in (base, base / "lib" / version / "site-packages") if path.is_dir()]


def _async_config(template: SamTemplate, decl: ResourceDecl, serverless: bool,
                  standalone: dict[str, Any] | None) -> AsyncConfig:
    settings = dict(standalone or {})
    if serverless:
        settings.update(mapping(template.prop(decl, "EventInvokeConfig"), **_at(template, decl, "EventInvokeConfig")))
    settings = numbers(settings, ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"), resource=decl.logical_id,
                       where="EventInvokeConfig", origin=template.origin)
    config = AsyncConfig(
        maximum_retry_attempts=settings.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES),
        maximum_event_age=settings.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE),
    )
    where = "EventInvokeConfig.DestinationConfig"
    destinations = mapping(settings.get("DestinationConfig"), resource=decl.logical_id, property=where,
                           origin=template.origin)
    config.on_success = configured(template, destinations.get("OnSuccess") or {}, ASYNC_ON_SUCCESS,
                                   resource=decl.logical_id, property=f"{where}.OnSuccess")
    config.on_failure = configured(template, destinations.get("OnFailure") or {}, ASYNC_ON_FAILURE,
                                   resource=decl.logical_id, property=f"{where}.OnFailure")
    # SAM's DeadLetterQueue {Type: SQS|SNS, TargetArn}; Lambda's own DeadLetterConfig {TargetArn}.
    property_name = "DeadLetterQueue" if serverless else "DeadLetterConfig"
    dead_letter = template.prop(decl, property_name) or {}
    if dead_letter.get("TargetArn"):
        target = {"Destination": dead_letter["TargetArn"], "Type": dead_letter.get("Type")}
        config.dead_letter = configured(template, target, DEAD_LETTER, resource=decl.logical_id,
                                        property=property_name)
    return config


def _event_invoke_configs(template: SamTemplate) -> dict[str, dict[str, Any]]:
    """`AWS::Lambda::EventInvokeConfig` resources, by the logical id of their function."""
    names = {template.physical_name(decl.logical_id): decl.logical_id for decl in template.of_type(*FUNCTION_TYPES)}
    configs: dict[str, dict[str, Any]] = {}
    for decl in template.of_type("AWS::Lambda::EventInvokeConfig"):
        target = str(template.prop(decl, "FunctionName"))
        logical_id = names.get(target.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0])
        if logical_id is None:
            template.unsupported(f"FunctionName {target} is not a function of this template: its destinations "
                                 "and retry settings apply to nothing locally", resource=decl.logical_id,
                                 property="FunctionName")
            continue
        configs[logical_id] = {key: template.prop(decl, key) for key in decl.properties}
    return configs


def _env_text(logical_id: str, name: str, value: Any) -> str:
    where = f"Environment.Variables.{name}"
    if "=" in name or "\0" in name or (isinstance(value, str) and "\0" in value):
        raise TemplateError("no process environment can hold this variable: its name holds '=' or a NUL character, "
                            "or its value a NUL character", resource=logical_id, property=where)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        raise TemplateError(f"an environment variable value must be a string, not {value!r}",
                            resource=logical_id, property=where)
    return str(value)
