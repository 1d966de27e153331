"""API Gateway's mapping templates (API Gateway developer guide: "Mapping template reference for REST
APIs", "$util variables", "$input variables"): what a template reads of the payload and prints.

AWS behaviour under test: `$input.json(path)` prints JSON text and `$input.path(path)` gives the value
(an object printed as Java prints a map, an array as JSON); `$input.params(name)` looks in the path,
then the query string, then the headers; `$util.escapeJavaScript` escapes JSON's characters and single
quotes (the guide: "will turn any regular single quotes (') into escaped ones (\\')"); a payload member
named like a Python method (`items`) is the member, as Velocity's `Map.get` reads it, and Java's
`Map`/`List` methods work; `$input.json` over a body that is not JSON is a client error ("Could not
parse request body into json").
"""

from __future__ import annotations

import doctest
import importlib.metadata
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sluice.local.adapters.airspeed_methods import SUPPORTED_AIRSPEED
from sluice.local.apigateway import integrations, mapping, vtl
from sluice.local.apigateway.vtl import TemplateFailure, UnparsableBody, render

BODY = json.dumps({"items": [{"n": 1}, {"n": 2}], "owner": {"name": "Ann", "vip": True}, "note": "it's"}).encode()


def test_json_prints_json_text_and_path_gives_the_value_printed_as_java_prints_it() -> None:
    """Recorded on AWS (LocalStack's `test_input_path_template_formatting` snapshot): a map prints as
    `{foo=bar}`, a list inside it as JSON, and a list as JSON."""
    rendered = render("$input.json('$.owner') | $input.path('$.owner.name') | $input.path('$.owner') | "
                      "$input.path('$') | $input.path('$.items') | $input.path('$.owner').toString()", body=BODY)

    assert rendered.text == ('{"name":"Ann","vip":true} | Ann | {name=Ann, vip=true} | '
                             '{items=[{"n":1},{"n":2}], owner={name=Ann, vip=true}, note=it\'s} | '
                             '[{"n":1},{"n":2}] | {name=Ann, vip=true}')


def test_params_print_as_java_maps() -> None:
    """`$input.params().get('header')` is a Java map (a public WebSocket app stores it in DynamoDB as text)."""
    params = {"path": {}, "querystring": {"q": "1"}, "header": {"Host": "h", "User-Agent": "wscat"}}

    rendered = render("$input.params().get('header') $input.params().get('querystring')", body=b"", params=params)

    assert rendered.text == "{Host=h, User-Agent=wscat} {q=1}"


def test_a_member_named_items_is_the_member_and_java_methods_work() -> None:
    template = ("#set($root = $input.path('$'))#foreach($item in $root.items)$item.n;#end"
                "$root.items.size() $root.containsKey('owner') $root.owner.keySet().size() [$root.keys]")

    assert render(template, body=BODY).text == "1;2;2 true 2 []"


def test_params_look_in_the_path_then_the_query_string_then_the_headers() -> None:
    params = {"path": {"id": "p"}, "querystring": {"id": "q", "page": "2"}, "header": {"page": "h", "X-Key": "k"}}

    rendered = render("$input.params('id') $input.params('page') $input.params('X-Key') [$input.params('none')]",
                      body=b"", params=params)

    assert rendered.text == "p 2 k []"


def test_escape_javascript_escapes_quotes_for_a_json_string() -> None:
    rendered = render('{"input": "$util.escapeJavaScript($input.json(\'$\'))"}', body=b'{"say": "a \\"b\\"\\n"}')

    assert json.loads(rendered.text)["input"] == '{"say":"a \\"b\\"\\n"}'
    assert render("$util.escapeJavaScript($input.path('$.note'))", body=BODY).text == "it\\'s"


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="'"), max_size=40))
def test_escape_javascript_round_trips_any_text_without_single_quotes_through_a_json_string(text: str) -> None:
    rendered = render('{"v": "$util.escapeJavaScript($input.path(\'$.v\'))"}', body=json.dumps({"v": text}).encode())

    assert json.loads(rendered.text) == {"v": text}


def test_context_overrides_are_returned_and_context_values_read() -> None:
    rendered = render("#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-A = 'b')"
                      "$context.requestId $context.identity.sourceIp", body=b"",
                      context={"requestId": "r-1", "identity": {"sourceIp": "10.0.0.1"}}, override="responseOverride")

    assert rendered.text == "r-1 10.0.0.1"
    assert rendered.overrides == {"status": 418, "header": {"X-A": "b"}}


def test_a_body_that_is_not_json_is_unparsable_only_when_read_as_json() -> None:
    assert render("Action=SendMessage&MessageBody=$util.urlEncode($input.body)", body=b"a b&c").text == \
        "Action=SendMessage&MessageBody=a+b%26c"
    with pytest.raises(UnparsableBody, match="Could not parse request body into json"):
        render("$input.json('$')", body=b"{not json")


def test_a_template_with_bad_syntax_is_a_template_failure_naming_it() -> None:
    with pytest.raises(TemplateFailure, match="TemplateSyntaxError"):
        render("#if($input.body)unclosed", body=b"{}")


def test_the_installed_airspeed_is_one_the_adapter_was_tested_with() -> None:
    # sluice.local.adapters.airspeed_methods writes into airspeed's method table: a new line must be tried first.
    assert importlib.metadata.version("airspeed-ext").rsplit(".", 1)[0] in SUPPORTED_AIRSPEED


def test_the_modules_examples_hold() -> None:
    for module, examples in ((vtl, 2), (integrations, 2), (mapping, 3)):
        result = doctest.testmod(module)
        assert (result.attempted, result.failed) == (examples, 0), module.__name__
