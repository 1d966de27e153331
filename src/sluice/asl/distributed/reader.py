"""`ItemReader`: the items of a Distributed Map read from S3.

- `arn:aws:states:::s3:getObject` with `ReaderConfig.InputType` `JSON` (an array), `JSONL`
  (one value per line), `CSV` (rows as objects keyed by the first row, or by `CSVHeaders` when
  `CSVHeaderLocation` is `GIVEN`; every value is text) or `MANIFEST` (an S3 Inventory
  `manifest.json`: the rows of the inventory files it lists, keyed by its `fileSchema`);
- `arn:aws:states:::s3:listObjectsV2`: one item per object, `{Etag, Key, LastModified, Size,
  StorageClass}` with `LastModified` in epoch seconds.

`ReaderConfig.MaxItems` (or `MaxItemsPath`) caps the count. Anything that goes wrong — the object
is missing, the JSON is not an array, CSV headers repeat — fails the Map with
`States.ItemReaderFailed`.

Example:
    "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                   "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                   "Parameters": {"Bucket": "my-bucket", "Key": "orders.csv"}}
"""

from __future__ import annotations

import base64
import csv
import gzip
import io
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sluice import json_text
from sluice.asl.errors import ErrorName, StatesError
from sluice.asl.frame import Frame
from sluice.asl.payload import contextual, evaluate_jsonata, evaluate_parameters, jsonata_states, require_path

S3Call = Callable[[str, dict[str, Any]], Awaitable[Any]]
GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


class ReaderFailed(Exception):
    """Why the items could not be read (becomes the States.ItemReaderFailed cause)."""


def prepare_reader(reader: dict[str, Any], source: Any, raw: Any, frame: Frame, *, jsonata: bool) -> ReadItems:
    """Evaluate the ItemReader against the state input (its parameters and `MaxItems`); the read
    itself waits for the Map Run (`ReadItems.read`), as on AWS.

    A `MaxItemsPath` that is no integer is a `States.Runtime` here, before the Map Run starts; a
    negative one is the reader's failure (`States.ItemReaderFailed`), as recorded.
    """
    runtime = frame.runtime

    async def s3(action: str, parameters: dict[str, Any]) -> Any:
        return await runtime.dispatcher.api_call(
            "s3", action, parameters, execution_arn=runtime.execution_arn, state_name=frame.state_name,
            request_id=f"{runtime.execution_arn}/{frame.state_name}/ItemReader",
        )

    if jsonata:
        parameters = evaluate_jsonata(reader.get("Arguments", {}), jsonata_states(frame, raw), frame, "Arguments")
    else:
        parameters = evaluate_parameters(reader.get("Parameters", {}), source, frame)
    config = reader.get("ReaderConfig", {})
    return ReadItems(reader.get("Resource", ""), parameters, config, _max_items(config, source, raw, frame,
                                                                                    jsonata=jsonata), s3)


@dataclass(frozen=True)
class ReadItems:
    """An evaluated ItemReader, ready to read its items from S3."""

    resource: str
    parameters: Any
    config: dict[str, Any]
    limit: int | ReaderFailed | None
    s3: S3Call

    async def read(self) -> list[Any]:
        """The items, at most `limit` of them; any failure is `States.ItemReaderFailed`."""
        try:
            if isinstance(self.limit, ReaderFailed):
                raise self.limit
            items = await _read(self.resource, self.parameters, self.config, self.s3)
        except StatesError as failure:
            raise StatesError(ErrorName.ITEM_READER_FAILED, failure.cause or failure.error) from None
        except ReaderFailed as failure:
            raise StatesError(ErrorName.ITEM_READER_FAILED, str(failure)) from None
        return items if self.limit is None else items[:self.limit]


async def _read(resource: str, parameters: Any, config: dict[str, Any], s3: S3Call) -> list[Any]:
    if not isinstance(parameters, dict):
        raise ReaderFailed("The ItemReader parameters must be an object with Bucket and Key or Prefix")
    if resource == LIST_OBJECTS:
        return await _list_objects(parameters, s3)
    if resource != GET_OBJECT:
        raise ReaderFailed(f"Unsupported ItemReader resource '{resource}'")
    input_type = config.get("InputType", "JSON")
    text = await _object_text(parameters, s3)
    if input_type == "JSON":
        return _json_array(text)
    if input_type == "JSONL":
        return [_json_line(line, number) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if input_type == "CSV":
        return _csv_rows(text, config)
    if input_type == "MANIFEST":
        return await _manifest_rows(text, s3)
    raise ReaderFailed(f"Unsupported ReaderConfig.InputType '{input_type}'")


async def _object_text(parameters: dict[str, Any], s3: S3Call) -> str:
    response = await s3("getObject", parameters)
    return str(response.get("Body", ""))


async def _list_objects(parameters: dict[str, Any], s3: S3Call) -> list[Any]:
    items: list[Any] = []
    request = dict(parameters)
    while True:
        page = await s3("listObjectsV2", request)
        items.extend(
            {"Etag": entry.get("ETag"), "Key": entry.get("Key"),
             "LastModified": _epoch_seconds(entry.get("LastModified")), "Size": entry.get("Size"),
             "StorageClass": entry.get("StorageClass", "STANDARD")}
            for entry in page.get("Contents", [])
        )
        if not page.get("IsTruncated"):
            return items
        request["ContinuationToken"] = page["NextContinuationToken"]


def _json_array(text: str) -> list[Any]:
    try:
        items = json_text.loads(text)
    except json.JSONDecodeError as error:
        raise ReaderFailed(f"The object is not valid JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(items, list):
        raise ReaderFailed("Attempting to map over non-iterable node.")  # AWS's words (recorded)
    return items


def _json_line(line: str, number: int) -> Any:
    try:
        return json_text.loads(line)
    except json.JSONDecodeError as error:
        raise ReaderFailed(f"Line {number} is not valid JSON: {error.msg}") from None


def _csv_rows(text: str, config: dict[str, Any], headers: list[str] | None = None) -> list[dict[str, str]]:
    delimiter = _DELIMITERS.get(config.get("CSVDelimiter", "COMMA"))
    if delimiter is None:
        raise ReaderFailed(f"Unsupported CSVDelimiter '{config.get('CSVDelimiter')}'")
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    if headers is None:
        if config.get("CSVHeaderLocation", "FIRST_ROW") == "GIVEN":
            headers = list(config.get("CSVHeaders", []))
        elif rows:
            headers, rows = rows[0], rows[1:]
        else:
            headers = []
    if len(set(headers)) < len(headers):
        raise ReaderFailed("CSV headers cannot contain duplicates.")
    # Missing cells are empty text; cells beyond the headers are dropped.
    return [{header: row[index] if index < len(row) else "" for index, header in enumerate(headers)}
            for row in rows]


async def _manifest_rows(text: str, s3: S3Call) -> list[Any]:
    try:
        manifest = json_text.loads(text)
        bucket = str(manifest["destinationBucket"]).removeprefix("arn:aws:s3:::")
        schema = [field.strip() for field in str(manifest["fileSchema"]).split(",")]
        files = [entry["key"] for entry in manifest["files"]]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ReaderFailed(f"The object is not an S3 Inventory manifest.json: {error}") from None
    if manifest.get("fileFormat", "CSV") != "CSV":
        raise ReaderFailed(f"Unsupported S3 Inventory file format '{manifest.get('fileFormat')}'")
    rows: list[Any] = []
    for key in files:
        body = await _object_text({"Bucket": bucket, "Key": key}, s3)
        if key.endswith(".gz"):
            # Binary bodies come back base64-encoded (see integrations.shapes).
            body = gzip.decompress(base64.b64decode(body)).decode()
        rows.extend(_csv_rows(body, {}, schema))
    return rows


def _max_items(config: dict[str, Any], source: Any, raw: Any, frame: Frame, *,
               jsonata: bool) -> int | ReaderFailed | None:
    value = config.get("MaxItems")
    if jsonata and isinstance(value, str):
        value = evaluate_jsonata(value, jsonata_states(frame, raw), frame, "MaxItems")
    elif (path := config.get("MaxItemsPath")) is not None:
        value = require_path(path, source, frame)
        if isinstance(value, bool) or not isinstance(value, int | None):
            # Recorded `test_map_item_reader_csv_max_items_paths[1.5]`: a States.Runtime of the state,
            # not an ItemReader failure, and a fraction is refused rather than rounded.
            shown = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            raise contextual(
                ErrorName.RUNTIME,
                f'The MaxItemsPath field refers to value "{shown}" which is not a valid integer: {path}',
            )
    if value is None or value == 0:
        return None  # AWS: 0 (the default) means no limit
    if isinstance(value, bool) or not isinstance(value, int):
        # A JSONata `MaxItems` of another type: no AWS recording of its wording.
        return ReaderFailed(f"MaxItems must be a positive integer: {value}")
    if value < 0:
        # Recorded `test_map_item_reader_csv_max_items_paths[-1]`: the Map Run's failure.
        return ReaderFailed("field MaxItems must be positive")
    return value


def _epoch_seconds(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return value
    return value
