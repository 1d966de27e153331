"""Template model: parameters, samconfig, conditions, Globals, intrinsics, names, errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.errors import TemplateError, UnsupportedFeature
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate
from sluice.local.template.samconfig import parse_parameter_overrides

from .conftest import PIPELINE

MINIMAL = """
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 5, MinValue: 1, MaxValue: 10}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
Mappings:
  Sizes:
    dev: {memory: 128}
    prod: {memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  NotProd: !Not [!Condition IsProd]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-${Stage}-data"
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      FifoQueue: true
      Tags:
        - Key: joined
          Value: !Join ["-", [!Select [1, !Ref Names], !Select [0, !Split [",", "x,y"]]]]
        - Key: memory
          Value: !FindInMap [Sizes, !Ref Stage, memory]
        - Key: choice
          Value: !If [IsProd, big, !Ref "AWS::NoValue"]
        - Key: arn
          Value: !GetAtt Bucket.Arn
        - Key: sub-map
          Value: !Sub ["${A}/${Bucket.Arn}/${!Literal}", {A: !Ref Size}]
"""


def load(write_template: Callable[..., Path], text: str = MINIMAL, **options: object) -> SamTemplate:
    return SamTemplate.load(write_template(text), use_config=False, **options)  # type: ignore[arg-type]


def test_parameters_take_defaults_then_overrides(write_template: Callable[..., Path]) -> None:
    template = load(write_template, parameters={"Stage": "prod"})
    assert template.parameters == {"Stage": "prod", "Size": "5", "Names": ["a", "b", "c"]}
    assert template.conditions == {"IsProd": True, "NotProd": False}


def test_short_form_intrinsics_resolve_like_cloudformation(write_template: Callable[..., Path]) -> None:
    template = load(write_template, stack_name="shop")
    assert template.physical_name("Bucket") == "shop-dev-data"
    tags = {tag["Key"]: tag.get("Value") for tag in template.prop("Queue", "Tags")}
    assert tags["joined"] == "b-x"
    assert tags["memory"] == 128
    assert "choice" in tags and tags["choice"] is None  # AWS::NoValue removed the Value key
    assert tags["arn"] == "arn:aws:s3:::shop-dev-data"
    assert tags["sub-map"] == "5/arn:aws:s3:::shop-dev-data/${Literal}"


def test_a_list_attribute_of_a_resource_not_emulated_reads_as_a_list(write_template: Callable[..., Path]) -> None:
    """Found with serverless-samples' owasp-api-security-controls-demo: `!GetAtt Endpoint.DnsEntries` (a list
    of `<zone>:<dns name>` on AWS) under `Fn::Select`/`Fn::Split` stopped the start, as its placeholder was
    text. An attribute only AWS knows is now whatever shape the template reads it as."""
    path = write_template("""\
Resources:
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties: {ServiceName: com.amazonaws.us-east-1.dynamodb, VpcId: vpc-1}
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - {Key: dns, Value: !Select [1, !Split [":", !Select [0, !GetAtt Endpoint.DnsEntries]]]}
        - {Key: ids, Value: !Join [",", !GetAtt Endpoint.NetworkInterfaceIds]}
        - {Key: count, Value: !Sub ["${n}", {n: {"Fn::Length": !GetAtt Endpoint.NetworkInterfaceIds}}]}
        - {Key: id, Value: !GetAtt Endpoint.Id}
""")
    template = SamTemplate.load(path)
    tags = {tag["Key"]: tag["Value"] for tag in template.prop("Queue", "Tags")}
    endpoint = template.physical_name("Endpoint")
    assert tags == {"dns": f"{endpoint}.DnsEntries.0.1", "ids": f"{endpoint}.NetworkInterfaceIds", "count": "1",
                    "id": f"{endpoint}.Id"}


def test_ssm_typed_parameters_read_aws_public_parameters_and_ask_for_the_others(
        write_template: Callable[..., Path]) -> None:
    """`AWS::SSM::Parameter::Value<…>` parameters name an SSM parameter. AWS's public ones (`/aws/service/…`)
    are read from the local SSM's copy (serverless-patterns' eventbridge-schedule-to-ssm-sam stopped at
    start); a latest-AMI one it lacks is a placeholder image id, said; any other asks for its value."""
    text = """\
Parameters:
  LinuxImage:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2
  WindowsImage:
    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
    Default: /aws/service/ami-windows-latest/Windows_Server-2022-English-Core-Base
  RegionName:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /aws/service/global-infrastructure/regions/us-east-1/longName
Resources:
  Queue:
    Type: AWS::SQS::Queue
"""
    template = SamTemplate.load(write_template(text))
    assert template.parameters["LinuxImage"].startswith("ami-") and template.parameters["LinuxImage"] != \
        "ami-00000000000000000"
    assert template.parameters["WindowsImage"] == "ami-00000000000000000"
    assert template.parameters["RegionName"] == "US East (N. Virginia)"
    assert any("Windows_Server-2022-English-Core-Base is not in the local store" in warning
               for warning in template.warnings)
    own = text.replace("/aws/service/global-infrastructure/regions/us-east-1/longName", "/myApp/DbEngine")
    with pytest.raises(TemplateError, match=r"names an SSM parameter \(/myApp/DbEngine\) that only exists in AWS"):
        SamTemplate.load(write_template(own))


def test_a_placeholder_parameter_reads_as_any_shape_the_template_takes_it_in(
        write_template: Callable[..., Path]) -> None:
    """serverless-patterns' private-apigw-custom-domain reads `!Select [1, !Split ["-", !Ref VpcEndpointDNSName]]`
    of a parameter with no Default: its placeholder had no `-`, and the start stopped until a value was passed."""
    path = write_template("""\
Parameters:
  VpcEndpointDNSName: {Type: String}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - {Key: endpoint, Value: !Select [1, !Split ["-", !Ref VpcEndpointDNSName]]}
        - {Key: whole, Value: !Ref VpcEndpointDNSName}
        - {Key: parts, Value: !Join [",", !Split ["-", !Ref VpcEndpointDNSName]]}
""")
    template = SamTemplate.load(path)
    tags = {tag["Key"]: tag["Value"] for tag in template.prop("Queue", "Tags")}
    assert tags == {"endpoint": "vpcendpointdnsname.1", "whole": "vpcendpointdnsname", "parts": "vpcendpointdnsname"}
    # A property taking a list gets one.
    assert isinstance(template.resolve("Queue", {"Fn::Split": ["-", {"Ref": "VpcEndpointDNSName"}]}, "x"), list)
    given = SamTemplate.load(path, parameters={"VpcEndpointDNSName": "vpce-0abc-xyz.execute-api"})
    assert {tag["Key"]: tag["Value"] for tag in given.prop("Queue", "Tags")}["endpoint"] == "0abc"


def test_a_file_named_in_another_case_is_found_as_macos_finds_it_and_said(
        write_template: Callable[..., Path]) -> None:
    """serverless-patterns' sfn-lambda names `statemachine/StateMachine.asl.json` for a file saved as
    `stateMachine.asl.json`: macOS finds it, Linux does not."""
    path = write_template("""\
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: statemachine/StateMachine.asl.json
""", {"statemachine/stateMachine.asl.json": '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'})
    stack = LocalStack.from_template(path, use_config=False)
    with stack:
        assert stack.start_execution("Flow").arn
    assert any("statemachine/StateMachine.asl.json is statemachine/stateMachine.asl.json on disk" in warning
               for warning in stack.warnings)
    with pytest.raises(UnsupportedFeature, match="found by ignoring case"):
        LocalStack.from_template(path, use_config=False, strict=True).start()


def test_condition_false_removes_the_resource(write_template: Callable[..., Path]) -> None:
    template = load(write_template)
    assert "ProdOnly" not in template.resources
    with pytest.raises(TemplateError, match="condition IsProd is false"):
        template.ref("ProdOnly")
    assert "ProdOnly" in load(write_template, parameters={"Stage": "prod"}).resources


def test_generated_names_follow_cloudformation_and_are_stable(write_template: Callable[..., Path]) -> None:
    first, second = load(write_template, stack_name="shop"), load(write_template, stack_name="shop")
    name = first.physical_name("Queue")
    assert name == second.physical_name("Queue")
    assert name.startswith("shop-Queue-") and name.endswith(".fifo")
    assert first.ref("Queue") == f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Stage": "qa"}, "not one of the AllowedValues"),
        ({"Size": "11"}, "above MaxValue 10"),
        ({"Size": "many"}, "is not a number"),
        ({"Colour": "red"}, "Colour are not declared in Parameters"),
    ],
)
def test_invalid_parameter_values_are_named(write_template: Callable[..., Path], overrides: dict[str, str],
                                            message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        load(write_template, parameters=overrides)


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ("{Type: Number, Default: 5, MaxValue: {a: 1}}", "MaxValue must be a number, not {'a': 1}"),
        ("{Type: Number, Default: 5, MinValue: lots}", "MinValue must be a number, not 'lots'"),
        ("{Type: String, Default: x, MaxLength: -1}", "MaxLength must be a whole number, not -1"),
        ("{Type: String, Default: x, MinLength: 1.5}", "MinLength must be a whole number, not 1.5"),
        ("{Type: String, Default: x, AllowedValues: x}", "AllowedValues must be a list, not 'x'"),
        ("{Type: String, Default: x, AllowedPattern: '[a-'}",
         "AllowedPattern '\\[a-' is not a valid regular expression"),
    ],
)
def test_a_malformed_parameter_constraint_is_a_template_error_naming_it(
    write_template: Callable[..., Path], declaration: str, message: str
) -> None:
    # CloudFormation rejects the declaration itself, whatever the value (an unchecked one crashed here).
    text = f"Parameters:\n  P: {declaration}\nResources:\n  B: {{Type: AWS::S3::Bucket}}\n"
    with pytest.raises(TemplateError, match=message) as raised:
        load(write_template, text)
    assert raised.value.property == "Parameters.P"


def test_bounds_given_as_text_are_numbers_as_cloudformation_reads_them(write_template: Callable[..., Path]) -> None:
    text = ("Parameters:\n  P: {Type: Number, Default: 5, MinValue: '1', MaxValue: '4'}\n"
            "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
    with pytest.raises(TemplateError, match="above MaxValue 4"):
        load(write_template, text)


def test_required_parameter_without_value(write_template: Callable[..., Path]) -> None:
    text = "Parameters:\n  Email: {Type: String}\nResources:\n  B: {Type: AWS::S3::Bucket}\n"
    with pytest.raises(TemplateError, match="parameter Email has no Default"):
        load(write_template, text, strict=True)  # without strict: a placeholder (test_public_style_templates)


def test_samconfig_supplies_stack_name_region_and_overrides(write_template: Callable[..., Path]) -> None:
    path = write_template(MINIMAL)
    (path.parent / "samconfig.toml").write_text(
        '[default.global.parameters]\nstack_name = "from-config"\n'
        '[default.deploy.parameters]\nregion = "eu-west-1"\nparameter_overrides = "Stage=prod Size=7"\n'
        '[default.local_invoke.parameters]\nparameter_overrides = "Size=8"\n'
        '[ci.deploy.parameters]\nparameter_overrides = "Stage=dev"\n', encoding="utf-8")
    template = SamTemplate.load(path)
    assert (template.stack_name, template.region) == ("from-config", "eu-west-1")
    assert template.parameters["Stage"] == "prod" and template.parameters["Size"] == "8"
    assert SamTemplate.load(path, config_env="ci").parameters["Stage"] == "dev"
    assert SamTemplate.load(path, parameters={"Size": "2"}).parameters["Size"] == "2"


@pytest.mark.parametrize(("config", "said"), [
    (b"[default.deploy.parameters]\nparameter_overrides = 5\n",
     "[default.deploy.parameters] parameter_overrides: must be a string or a list of strings, not 5"),
    (b"[default]\ndeploy = 5\n", "[default.deploy] must be a table"),
    (b"\xff\xfe", "cannot read: not UTF-8 text (byte 0xff at offset 0)"),
])
def test_a_samconfig_of_the_wrong_shape_is_a_template_error(
    write_template: Callable[..., Path], config: bytes, said: str
) -> None:
    # Found by the CLI campaign: each was a TypeError, an AttributeError or a UnicodeDecodeError.
    path = write_template(MINIMAL)
    (path.parent / "samconfig.toml").write_bytes(config)
    with pytest.raises(TemplateError, match=re.escape(said)):
        SamTemplate.load(path)


def test_parameter_override_spellings() -> None:
    assert parse_parameter_overrides(["Stage=dev", "ParameterKey=Size,ParameterValue=3", 'Note="a b"']) == {
        "Stage": "dev", "Size": "3", "Note": "a b"}
    with pytest.raises(TemplateError, match="is not Key=Value"):
        parse_parameter_overrides("Stage")


def test_globals_merge_the_way_sam_does() -> None:
    template = SamTemplate.load(PIPELINE, use_config=False)
    transform = template.resources["TransformFunction"].properties
    # Maps merge (the function's own variables join the global ones), scalars come from Globals.
    assert set(transform["Environment"]["Variables"]) == {"STAGE", "TABLE_NAME", "OUT_BUCKET", "OUTPUT_PREFIX"}
    assert transform["Timeout"] == 5
    assert transform["Layers"] == [{"Ref": "CommonLayer"}]


def test_yaml_syntax_error_names_the_line(write_template: Callable[..., Path]) -> None:
    with pytest.raises(TemplateError, match=r"template.yaml: not valid YAML.*\(line 4, column 4\)"):
        load(write_template, "Resources:\n  B:\n    Type: AWS::S3::Bucket\n   Oops: 1\n")


def test_reference_to_unknown_resource_names_resource_and_property(write_template: Callable[..., Path]) -> None:
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Ref Missing\n"
    with pytest.raises(TemplateError) as caught:
        load(write_template, text).physical_name("B")
    assert caught.value.resource == "B" and caught.value.property == "BucketName"
    assert "no parameter or resource named 'Missing'" in str(caught.value)


def test_unknown_attribute_lists_the_known_ones(write_template: Callable[..., Path]) -> None:
    with pytest.raises(TemplateError, match=r"has no attribute 'Nope' \(known: .*Arn.*QueueUrl"):
        load(write_template).get_att("Queue", "Nope")


def test_unsupported_intrinsic_is_a_clear_error(write_template: Callable[..., Path]) -> None:
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Cidr [10.0.0.0/16, 2, 8]\n"
    with pytest.raises(UnsupportedFeature, match="Fn::Cidr is not supported"):
        load(write_template, text).physical_name("B")


def test_invalid_globals_section_uses_sams_message(write_template: Callable[..., Path]) -> None:
    text = "Globals:\n  Function:\n    Nope: 1\nResources:\n  B: {Type: AWS::S3::Bucket}\n"
    with pytest.raises(TemplateError, match=r"invalid Globals.*Nope"):
        load(write_template, text)


def test_outputs_resolve(write_template: Callable[..., Path]) -> None:
    template = SamTemplate.load(PIPELINE, use_config=False, stack_name="demo")
    outputs = template.outputs()
    assert outputs["RawBucketName"].startswith("demo-rawbucket-")
    assert outputs["PipelineArn"].startswith("arn:aws:states:us-east-1:123456789012:stateMachine:Pipeline-")


@pytest.mark.parametrize("region", ["samples/orders.csv", "-east", "us east 1", "1234"])
def test_a_region_botocore_would_refuse_is_named_when_the_template_loads(write_template: Callable[..., Path],
                                                                         region: str) -> None:
    # Found by the CLI campaign: `--region samples/orders.csv` crashed in botocore's client factory.
    with pytest.raises(TemplateError, match=re.escape(f"region {region!r} is not a region name (such as us-east-1)")):
        load(write_template, region=region)
