// sluice's Node.js execution environment: one function's handler, kept warm between invocations.
//
// Started by `sluice.local.lambda_.nodejs.handler` as
// `node host.mjs <code dir> <handler> <layer dirs JSON> <channel file descriptor>`.
// It loads the handler as Lambda's Node.js runtime does (UserFunction: `dir/module.nested.property`,
// CommonJS or ES module, `.js`/`.mjs`/`.cjs`), then reads one invocation per line on stdin and writes
// what happens on the channel (a pipe the parent passed), one JSON message per line:
//   {"log": "<line>"}                                   a console line, formatted as Lambda formats it
//   {"ready": true} | {"initError": {...}}              after loading
//   {"result": <value>} | {"error": {...}, "exit": bool} the invocation's outcome
// Errors have Lambda's shape: {errorType, errorMessage, trace}. An uncaught exception or unhandled
// rejection during an invocation fails it and ends the process, as Lambda's runtime exits then.
// Layers are Lambda's /opt: `/opt/...` specifiers and NODE_PATH resolve into the layer directories.

import fs from "node:fs";
import { createRequire, register, syncBuiltinESMExports } from "node:module";
import path from "node:path";
import readline from "node:readline";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import util from "node:util";

const [codeDir, handlerName, layersJson, channelFd] = process.argv.slice(2);
const layers = JSON.parse(layersJson || "[]");
const CHANNEL = Number(channelFd);
let requestId = undefined;
let currentEvent = undefined;

// The invocation's custom resource ResponseURL, when its event is a CloudFormation request.
function responseUrl() {
  const text = currentEvent && typeof currentEvent === "object" ? currentEvent.ResponseURL : undefined;
  try {
    return typeof text === "string" && text.startsWith("http://") ? new URL(text) : undefined;
  } catch {
    return undefined;
  }
}

function send(message) {
  fs.writeSync(CHANNEL, JSON.stringify(message) + "\n");
}

// Lambda's console: `<ISO time>\t<request id>\t<LEVEL>\t<message>`, newlines inside a message as \r; with
// `LoggingConfig.LogFormat: JSON`, one object per line, below `ApplicationLogLevel` dropped (AWS Lambda
// developer guide: "Configuring advanced logging controls for Node.js functions").
const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const json = process.env.AWS_LAMBDA_LOG_FORMAT === "JSON";
const lowest = LEVELS.indexOf(String(process.env.AWS_LAMBDA_LOG_LEVEL || "TRACE").toUpperCase());
for (const [method, level] of [["log", "INFO"], ["info", "INFO"], ["debug", "DEBUG"], ["warn", "WARN"],
                               ["error", "ERROR"], ["trace", "TRACE"], ["fatal", "FATAL"]]) {
  console[method] = (message, ...params) => {
    const time = new Date().toISOString();
    if (!json) {
      const text = util.format(message, ...params).replace(/\n/g, "\r");
      send({ log: `${time}\t${requestId}\t${level}\t${text}` });
    } else if (LEVELS.indexOf(level) >= Math.max(lowest, 0)) {
      const record = { timestamp: time, level, requestId, message: util.format(message, ...params) };
      const error = [message, ...params].find((item) => util.types.isNativeError(item));
      if (error) Object.assign(record, { errorType: error.name, errorMessage: error.message,
                                         stackTrace: String(error.stack).split("\n") });
      send({ log: JSON.stringify(record) });
    }
  };
}

// A stack as Lambda shows it: the function's code under /var/task, its layers under /opt, and none of
// this host's own frames (Lambda's runtime frames are its own, under /var/runtime).
const HOST_FILE = new URL(import.meta.url).pathname;
function lambdaTrace(stack) {
  const lines = stack.split("\n");
  const ours = lines.findIndex((line) => line.includes(HOST_FILE));
  return lines.slice(0, ours === -1 ? lines.length : ours).map((line) =>
    layers.reduce((text, layer) => text.replaceAll(layer, "/opt"), line.replaceAll(codeDir, "/var/task")));
}

function errorShape(error) {
  if (util.types.isNativeError(error) || (error && typeof error.name === "string" &&
      typeof error.message === "string" && typeof error.stack === "string")) {
    return { errorType: error.name, errorMessage: error.message, trace: lambdaTrace(error.stack) };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

class RuntimeError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = `Runtime.${kind}`;
  }
}

// /opt/<path> → the first layer directory holding <path>, for `import` and `require` alike.
function fromOpt(specifier) {
  if (!specifier.startsWith("/opt/")) return undefined;
  const rest = specifier.slice("/opt/".length);
  for (const layer of layers) {
    const candidate = path.join(layer, rest);
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}
// Where a bare import the function's own node_modules lack is looked for next, as Lambda's NODE_PATH
// orders it: the layers' nodejs/node_modules, then the runtime's own packages (the AWS SDK).
const fallbacks = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);
register("data:text/javascript," + encodeURIComponent(`
  import fs from "node:fs"; import path from "node:path"; import { pathToFileURL } from "node:url";
  const layers = ${JSON.stringify(layers)};
  const fallbacks = ${JSON.stringify(fallbacks)};
  const bare = (specifier) => !/^(\\.|\\/|file:|node:|data:)/.test(specifier);
  export async function resolve(specifier, context, next) {
    const absolute = specifier.startsWith("file:///opt/") ? specifier.slice(7) : specifier;
    if (absolute.startsWith("/opt/")) {
      for (const layer of layers) {
        const candidate = path.join(layer, absolute.slice(5));
        if (fs.existsSync(candidate)) return next(pathToFileURL(candidate).href, context);
      }
    }
    try {
      return await next(specifier, context);
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !bare(specifier)) throw error;
      for (const directory of fallbacks) {
        try {
          return await next(specifier, { ...context, parentURL: pathToFileURL(path.join(directory, "_.mjs")).href });
        } catch {}
      }
      throw error;
    }
  }`));
if (layers.length) {
  const Module = createRequire(import.meta.url)("node:module");
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return original.call(this, fromOpt(request) ?? request, ...rest);
  };
}

// AWS_ENDPOINT_URL sends the SDK's calls to the local stack, but the SDK also follows URLs AWS hands out
// (an SQS QueueUrl, `https://sqs.<region>.amazonaws.com/...`): those reach the same endpoint too.
if (process.env.AWS_ENDPOINT_URL) {
  const require = createRequire(import.meta.url);
  const http = require("node:http");
  const https = require("node:https");
  const local = new URL(process.env.AWS_ENDPOINT_URL);
  // request(options[, callback]) or request(url[, options][, callback]), as node:http takes them.
  const toLocal = (original) => function (target, ...rest) {
    const url = typeof target === "string" || target instanceof URL ? new URL(String(target)) : null;
    const options = { ...(url ? { method: "GET", path: url.pathname + url.search } : target),
                      ...(url && rest[0] && typeof rest[0] === "object" ? rest[0] : {}) };
    const host = url ? url.hostname : String(options.hostname ?? options.host ?? "").replace(/:\d+$/, "");
    const response = responseUrl();
    if (original === httpsRequest && response && host === response.hostname) {
      // A custom resource's answer sent by hand over https (port 443), as to CloudFormation's S3 URL: the
      // local ResponseURL is plain http on its own port.
      const answered = { ...options, protocol: "http:", host: response.hostname, port: response.port, agent: undefined };
      return http.request(answered, ...rest.filter((item) => typeof item === "function"));
    }
    if (!/\.amazonaws\.com(\.cn)?$/.test(host)) return original(target, ...rest);
    const moved = { ...options, protocol: "http:", hostname: local.hostname, host: local.hostname, port: local.port,
                    agent: undefined, headers: { ...(options.headers ?? {}), host } };
    return http.request(moved, ...rest.filter((item) => typeof item === "function"));
  };
  const httpsRequest = https.request;
  https.request = toLocal(httpsRequest);
  http.request = toLocal(http.request.bind(http));
  syncBuiltinESMExports();
}

function packageTypeIsModule(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(file) {
  const require = createRequire(path.join(codeDir, "index.js"));
  const exists = (suffix) => fs.existsSync(file + suffix) && fs.statSync(file + suffix).isFile();
  if (exists("")) return require(file);
  const esm = exists(".js") && packageTypeIsModule(path.dirname(file));
  if (exists(".js") && !esm) return require(file + ".js");
  if (esm) return import(pathToFileURL(file + ".js").href);
  if (exists(".mjs")) return import(pathToFileURL(file + ".mjs").href);
  if (exists(".cjs")) return require(file + ".cjs");
  return require(require.resolve(path.basename(file), { paths: [codeDir, path.dirname(file)] }));
}

async function loadHandler() {
  if (handlerName.includes("..")) {
    throw new RuntimeError("MalformedHandlerName", `'${handlerName}' is not a valid handler name. Use absolute ` +
      "paths when specifying root directories in handler names.");
  }
  const base = path.basename(handlerName);
  const root = handlerName.slice(0, handlerName.length - base.length);
  const match = base.match(/^([^.]*)\.(.*)$/);
  if (!match) throw new RuntimeError("MalformedHandlerName", "Bad handler");
  let loaded;
  try {
    loaded = await loadModule(path.resolve(codeDir, root, match[1]));
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError("UserCodeSyntaxError", String(error));
    if (error && error.code === "MODULE_NOT_FOUND") throw new RuntimeError("ImportModuleError", String(error));
    throw error;
  }
  const handler = match[2].split(".").reduce((object, key) => object && object[key], loaded);
  if (!handler) throw new RuntimeError("HandlerNotFound", `${handlerName} is undefined or not exported`);
  if (typeof handler !== "function") throw new RuntimeError("HandlerNotFound", `${handlerName} is not a function`);
  return handler;
}

// Lambda's global `awslambda`: `streamifyResponse` marks a handler that writes its response to a stream
// (`handler(event, responseStream, context)`), and `HttpResponseStream.from` gives a function URL's
// status and headers ahead of the body. Locally the stream is collected: the response is its text, or
// with a prelude `{statusCode, headers, cookies, body}` as a function URL maps it.
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
if (!["1", "true"].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA)) {
  globalThis.awslambda = {
    streamifyResponse: (handler) => Object.assign(handler, { [STREAMING]: "response" }),
    HttpResponseStream: { from: (stream, prelude) => Object.assign(stream, { prelude }) },
  };
}

function collectingStream() {
  const chunks = [];
  const stream = new Writable({
    write(chunk, encoding, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(typeof chunk === "string" ? chunk : JSON.stringify(chunk),
                                                               encoding === "buffer" ? undefined : encoding));
      done();
    },
  });
  stream.setContentType = (type) => { stream.contentType = type; };
  stream.collected = () => {
    const body = Buffer.concat(chunks).toString("utf8");
    return stream.prelude ? { ...stream.prelude, body } : body;
  };
  return stream;
}

let pending = undefined; // how to answer the invocation in flight: (message) => void

function fatal(kind) {
  return (error) => {
    const shape = errorShape(kind === "rejection" && !(error instanceof Error)
      ? new RuntimeError("UnhandledPromiseRejection", String(error)) : error);
    if (pending) {
      console.error("Invoke Error", JSON.stringify(shape));
      pending({ error: shape, exit: true });
    } else {
      send({ initError: shape, exit: true });
    }
    process.exit(kind === "rejection" ? 128 : 129);
  };
}
process.on("uncaughtException", fatal("exception"));
process.on("unhandledRejection", fatal("rejection"));

function invoke(handler, request) {
  requestId = request.context.awsRequestId;
  currentEvent = request.event;
  let answered = false;
  const answer = (message) => {
    if (answered) return;
    answered = true;
    pending = undefined;
    send(message);
  };
  const fail = (error) => {
    const shape = errorShape(error instanceof Error || (error && error.stack) ? error : error ?? "handled");
    console.error("Invoke Error", JSON.stringify(shape));
    answer({ error: shape, exit: false });
  };
  const succeed = (result, how = {}) => {
    let text;
    try {
      text = JSON.stringify(result === undefined ? null : result);
    } catch {
      fail(new Error("Unable to stringify response body"));
      return;
    }
    answer({ result: JSON.parse(text), ...how });
  };
  // Lambda answers a callback's result, and a handler that returns no promise, once the event loop is
  // empty (unless `callbackWaitsForEmptyEventLoop` is false): what was pending before the handler ran
  // (this host's own stdin) does not count.
  const baseline = process.getActiveResourcesInfo();
  let called = false;
  const callback = (error, result) => {
    if (called) return; // only the first call counts, as Lambda's runtime wraps the callback
    called = true;
    if (error !== undefined && error !== null) fail(error);
    else if (context.callbackWaitsForEmptyEventLoop) whenDrained(baseline, () => succeed(result));
    else succeed(result);
  };
  const deadline = request.deadlineMs;
  const context = {
    ...request.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // context.done/succeed/fail answer at once, not waiting for the event loop (Lambda's CallbackContext).
    succeed: (result) => succeed(result),
    fail: (error) => fail(error ?? "handled"),
    done: (error, result) => (error !== undefined && error !== null ? fail(error) : succeed(result)),
  };
  pending = answer;
  if (handler[STREAMING]) {
    invokeStreaming(handler, request.event, context, succeed, fail);
    return;
  }
  try {
    const returned = handler(request.event, context, callback);
    if (returned && typeof returned.then === "function") {
      returned.then(succeed, fail);
    } else if (handler.length < 3) {
      // A handler that neither returns a promise nor takes the callback: its return value is ignored, and
      // Lambda answers null once the event loop is empty (unless `context.done` answers first).
      whenDrained(baseline, () => succeed(null));
    }
  } catch (error) {
    fail(error);
  }
}

function whenDrained(baseline, then) {
  const check = () => {
    const left = new Map();
    for (const kind of baseline) left.set(kind, (left.get(kind) ?? 0) + 1);
    for (const kind of process.getActiveResourcesInfo()) {
      if (!left.get(kind)) return setTimeout(check, 2);
      left.set(kind, left.get(kind) - 1);
    }
    then();
  };
  setImmediate(check);
}

async function invokeStreaming(handler, event, context, succeed, fail) {
  const stream = collectingStream();
  try {
    const returned = handler(event, stream, context);
    if (!returned || typeof returned.then !== "function") {
      fail(new Error("Streaming does not support non-async handlers."));
      return;
    }
    await returned;
    if (!stream.writableFinished) await finished(stream);
    succeed(stream.collected(), { streamed: true });
  } catch (error) {
    fail(error);
  }
}

let handler;
try {
  handler = await loadHandler();
  send({ ready: true });
} catch (error) {
  const shape = errorShape(error);
  console.error(JSON.stringify(shape));
  send({ initError: shape });
  process.exit(1);
}
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => invoke(handler, JSON.parse(line)));
lines.on("close", () => process.exit(0));
