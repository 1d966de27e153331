"""Template mechanisms that public SAM applications rely on, each from a template written the way
such apps write it, asserting what their README promises a user sees.

- `AWS::LanguageExtensions` `Fn::ForEach` (AWS docs: "Fn::ForEach"): per-item resources, events
  and outputs from a `CommaDelimitedList` parameter.
- `Fn::Transform` `AWS::Include` with a local `Location` (`sam package` uploads it): a state
  machine definition kept in its own file.
- `!If [Condition, value, !Ref AWS::NoValue]` on a name property: the property is removed and
  CloudFormation generates the name.
- Parameters without a `Default` (what `sam deploy --guided` prompts for): the app runs with
  placeholders, as under `sam local invoke`, and says so; `--strict` refuses.
- `Fn::ImportValue`: a placeholder and a warning (no exporting stack runs locally).
- `AWS::Serverless::Connector`: IAM only, accepted without a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from sluice.local.errors import TemplateError, UnsupportedFeature
from sluice.local.stack import LocalStack
from sluice.local.template.model import SamTemplate

ECHO_HANDLER = '''\
import os


def lambda_handler(event, context):
    return {"tenant": os.environ.get("TENANT"), "bodies": [record["body"] for record in event.get("Records", [])]}
'''

PER_TENANT = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform:
  - AWS::LanguageExtensions
  - AWS::Serverless-2016-10-31
Description: One queue and one worker per tenant, generated from a list

Parameters:
  Tenants:
    Type: CommaDelimitedList
    Default: acme,globex-eu

Globals:
  Function:
    Runtime: python3.12
    Handler: app.lambda_handler
    CodeUri: worker/

Resources:
  Fn::ForEach::TenantStacks:
    - Tenant
    - !Ref Tenants
    - '&{Tenant}Queue':
        Type: AWS::SQS::Queue
      '&{Tenant}Worker':
        Type: AWS::Serverless::Function
        Properties:
          Environment:
            Variables:
              TENANT: !Ref Tenant
          Events:
            Inbox:
              Type: SQS
              Properties:
                Queue: !GetAtt '&{Tenant}Queue.Arn'
                BatchSize: 5

Outputs:
  Fn::ForEach::QueueUrls:
    - Tenant
    - !Ref Tenants
    - '&{Tenant}QueueUrl':
        Value: !GetAtt [!Sub '&{Tenant}Queue', QueueUrl]
"""


def test_for_each_generates_a_queue_and_worker_per_tenant(write_template: Callable[..., Path]) -> None:
    path = write_template(PER_TENANT, {"worker/app.py": ECHO_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        stack.send_message("globexeuQueue", "invoice 12")
        stack.send_message("acmeQueue", "invoice 7")
        stack.run_until_idle()
        [globex] = stack.invocations("globexeuWorker")
        [acme] = stack.invocations("acmeWorker")
        outputs = stack.template.outputs()
    # `&{Tenant}` drops the "-" from logical ids; `!Ref Tenant` keeps the item as it is.
    assert globex.result == {"tenant": "globex-eu", "bodies": ["invoice 12"]}
    assert acme.result == {"tenant": "acme", "bodies": ["invoice 7"]}
    assert set(outputs) == {"acmeQueueUrl", "globexeuQueueUrl"}
    assert outputs["acmeQueueUrl"].endswith("/" + stack.name("acmeQueue"))


def test_for_each_follows_a_parameter_override(write_template: Callable[..., Path]) -> None:
    path = write_template(PER_TENANT, {"worker/app.py": ECHO_HANDLER})
    with LocalStack.from_template(path, use_config=False, parameters={"Tenants": "initech"}) as stack:
        functions = [decl.logical_id for decl in stack.template.of_type("AWS::Serverless::Function")]
        stack.send_message("initechQueue", "invoice 1")
        stack.run_until_idle()
        [invocation] = stack.invocations("initechWorker")
    assert functions == ["initechWorker"]
    assert invocation.result == {"tenant": "initech", "bodies": ["invoice 1"]}


def test_nested_for_each_loops_expand_per_outer_item(write_template: Callable[..., Path]) -> None:
    """A loop whose fragment is another loop (SAM CLI's `language-extensions-nested-foreach-*` test data):
    its key names the inner loop and needs no identifier; the inner keys vary with both."""
    text = PER_TENANT.replace("""  Fn::ForEach::TenantStacks:
    - Tenant
    - !Ref Tenants
    - '&{Tenant}Queue':""", """  Fn::ForEach::Stages:
    - Stage
    - [dev, prod]
    - Fn::ForEach::TenantStacks:
        - Tenant
        - !Ref Tenants
        - '${Stage}&{Tenant}Queue':
            Type: AWS::SQS::Queue
  Fn::ForEach::TenantWorkers:
    - Tenant
    - !Ref Tenants
    - '&{Tenant}Queue':""")
    template = SamTemplate.load(write_template(text, {"worker/app.py": ECHO_HANDLER}))
    assert {"devacmeQueue", "devglobexeuQueue", "prodacmeQueue", "prodglobexeuQueue"} <= set(template.resources)


def test_for_each_without_the_transform_says_what_to_declare(write_template: Callable[..., Path]) -> None:
    text = PER_TENANT.replace("  - AWS::LanguageExtensions\n", "")
    with pytest.raises(TemplateError, match=r"Fn::ForEach needs the AWS::LanguageExtensions transform"):
        LocalStack.from_template(write_template(text, {"worker/app.py": ECHO_HANDLER}), use_config=False)


INCLUDED_WORKFLOW = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: An order workflow whose definition lives in its own file

Resources:
  PriceFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/price/
      Handler: app.lambda_handler
      Runtime: python3.11

  OrderWorkflow:
    Type: AWS::Serverless::StateMachine
    Properties:
      Definition:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: workflow/order.yaml
      Policies:
        - LambdaInvokePolicy:
            FunctionName: !Ref PriceFunction
"""

# AWS::Include snippets use the long form of intrinsics (CloudFormation docs: "AWS::Include transform").
ORDER_DEFINITION = """\
StartAt: Price
States:
  Price:
    Type: Task
    Resource:
      Fn::GetAtt: [PriceFunction, Arn]
    End: true
"""

PRICE_HANDLER = '''\
def lambda_handler(event, context):
    return {"sku": event["sku"], "total": event["quantity"] * 3}
'''


def test_an_included_definition_runs_with_its_intrinsics_resolved(write_template: Callable[..., Path]) -> None:
    path = write_template(INCLUDED_WORKFLOW, {"workflow/order.yaml": ORDER_DEFINITION,
                                              "functions/price/app.py": PRICE_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        execution = stack.start_execution("OrderWorkflow", {"sku": "tea", "quantity": 4})
        stack.run_until_idle()
    assert (execution.status, execution.output) == ("SUCCEEDED", {"sku": "tea", "total": 12})


def test_a_missing_included_file_is_named(write_template: Callable[..., Path]) -> None:
    path = write_template(INCLUDED_WORKFLOW, {"functions/price/app.py": PRICE_HANDLER})
    with pytest.raises(TemplateError, match=r"resource OrderWorkflow, property Definition: "
                                            r"AWS::Include workflow/order.yaml: cannot read"):
        LocalStack.from_template(path, use_config=False).start()


UPLOADS = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Uploads are copied to an archive bucket; name the buckets or let CloudFormation do it

Parameters:
  ArchiveBucketName:
    Type: String
    Description: Name of the archive bucket (required)
  UploadBucketName:
    Type: String
    Default: ''
    Description: Optional name of the upload bucket

Conditions:
  HasUploadBucketName: !Not [!Equals [!Ref UploadBucketName, '']]

Resources:
  UploadBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !If [HasUploadBucketName, !Ref UploadBucketName, !Ref 'AWS::NoValue']

  ArchiveBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref ArchiveBucketName

  CopyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.9
      Environment:
        Variables:
          ARCHIVE: !Ref ArchiveBucketName
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref UploadBucket
            Events: s3:ObjectCreated:*
"""

COPY_HANDLER = '''\
import os

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        source = {"Bucket": record["s3"]["bucket"]["name"], "Key": record["s3"]["object"]["key"]}
        s3.copy_object(CopySource=source, Bucket=os.environ["ARCHIVE"], Key=source["Key"])
'''


def test_a_no_value_name_is_generated_by_cloudformation(write_template: Callable[..., Path]) -> None:
    path = write_template(UPLOADS, {"src/app.py": COPY_HANDLER})
    with LocalStack.from_template(path, use_config=False, parameters={"ArchiveBucketName": "my-archive"}) as stack:
        stack.drop("UploadBucket", "in/report.csv", b"a,b\n")
        assert stack.name("UploadBucket").startswith("sluice-local-uploadbucket-")
        assert stack.client("s3").get_object(Bucket="my-archive", Key="in/report.csv")["Body"].read() == b"a,b\n"
        assert not any("NoValue" in warning for warning in stack.warnings)


def test_no_value_name_and_a_required_parameter_still_run_the_pipeline(write_template: Callable[..., Path]) -> None:
    path = write_template(UPLOADS, {"src/app.py": COPY_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        stack.drop("UploadBucket", "report.csv", b"a,b\n")
        archived = stack.objects("ArchiveBucket")
        upload_bucket, archive_bucket = stack.name("UploadBucket"), stack.name("ArchiveBucket")
        warnings = stack.warnings
    assert archived == {"report.csv": b"a,b\n"}
    assert upload_bucket.startswith("sluice-local-uploadbucket-")  # generated: the property was removed
    assert archive_bucket == "archivebucketname"
    assert any("parameter ArchiveBucketName has no Default: running with the placeholder value "
               "ArchiveBucketName=archivebucketname; pass real ones with --parameter-overrides "
               "'ArchiveBucketName=VALUE'" in warning for warning in warnings)


def test_strict_mode_names_every_missing_parameter_at_once(write_template: Callable[..., Path]) -> None:
    text = UPLOADS.replace("  UploadBucketName:\n    Type: String\n    Default: ''\n",
                           "  UploadBucketName:\n    Type: String\n")
    with pytest.raises(TemplateError, match=r"parameters ArchiveBucketName, UploadBucketName have no Default: "
                                            r"pass --parameter-overrides 'ArchiveBucketName=VALUE "
                                            r"UploadBucketName=VALUE'"):
        LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False, strict=True)


def test_a_placeholder_that_breaks_the_parameter_rules_asks_for_a_value(write_template: Callable[..., Path]) -> None:
    # A lookahead is beyond the placeholder's pattern walk (`template.pattern_example`): a value is asked for.
    text = UPLOADS.replace("Description: Name of the archive bucket (required)",
                           "AllowedPattern: '^(?!archivebucket)[a-z]+$'")
    with pytest.raises(TemplateError, match=r"parameter ArchiveBucketName has no Default, and the placeholder "
                                            r"'archivebucketname' does not fit it .*AllowedPattern"):
        LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False)


def test_a_placeholder_meets_the_allowed_pattern(write_template: Callable[..., Path]) -> None:
    # As serverless-patterns' eventbridge-lambda-fsx-openzfs-periodic-replication declares SourceVolumeID.
    text = UPLOADS.replace("Description: Name of the archive bucket (required)",
                           "AllowedPattern: '^archive-[a-z]+$'")
    stack = LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False)
    assert stack.template.parameters["ArchiveBucketName"] == "archive-a"



def test_a_java_pattern_is_read_as_cloudformation_reads_it_and_the_name_repeated_meets_it(
        write_template: Callable[..., Path]) -> None:
    # As serverless-patterns' activemq-lambda-sam-java declares its broker password (there `{12,}`): Java's
    # `\p{Print}`, which Python's `re` refuses; the name repeated to the pattern's `{20,}` meets it.
    text = UPLOADS.replace("Description: Name of the archive bucket (required)",
                           "AllowedPattern: '^(?=(.*\\p{Print}){4,})(?!.*[ ,:=])[\\p{Print}]{20,}$'")
    stack = LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False)
    assert stack.template.parameters["ArchiveBucketName"] == "archivebucketnamearc"
    with pytest.raises(TemplateError, match="does not match AllowedPattern"):
        LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False,
                                 parameters={"ArchiveBucketName": "has space:and=signs"})


def test_a_placeholder_is_fitted_to_the_declared_lengths(write_template: Callable[..., Path]) -> None:
    # As serverless-patterns' `public-nlb-or-alb-private-api-cfn` declares its DomainName (MinLength 15).
    text = UPLOADS.replace("Description: Name of the archive bucket (required)", "MinLength: 20\n    MaxLength: 24")
    stack = LocalStack.from_template(write_template(text, {"src/app.py": COPY_HANDLER}), use_config=False)
    assert stack.template.parameters["ArchiveBucketName"] == "archivebucketnamearchiv"[:20]

SHARED_BUS_CONSUMER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: A consumer of a bus exported by a shared infrastructure stack

Resources:
  ConsumerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.lambda_handler
      Runtime: python3.13
      Environment:
        Variables:
          BUS_NAME: !ImportValue shared-infra-EventBusName

  ConsumerToBusConnector:
    Type: AWS::Serverless::Connector
    Properties:
      Source:
        Id: ConsumerFunction
      Destination:
        Type: AWS::Events::EventBus
        Arn: !Sub arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default
      Permissions:
        - Write
"""

BUS_HANDLER = '''\
import os


def lambda_handler(event, context):
    return {"bus": os.environ["BUS_NAME"]}
'''


def test_an_import_is_a_named_placeholder_and_a_connector_is_quiet(write_template: Callable[..., Path]) -> None:
    path = write_template(SHARED_BUS_CONSUMER, {"src/app.py": BUS_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        invocation = stack.invoke("ConsumerFunction", {})
        warnings = stack.warnings
    assert invocation.result == {"bus": "shared-infra-EventBusName"}
    assert [warning for warning in warnings if "Connector" in warning] == []
    [imported] = [warning for warning in warnings if "ImportValue" in warning]
    assert "resource ConsumerFunction, property Environment.Variables.BUS_NAME: Fn::ImportValue " \
           "shared-infra-EventBusName: no other stack exports values locally" in imported
    assert "--env-vars" in imported


def test_strict_mode_refuses_an_import(write_template: Callable[..., Path]) -> None:
    path = write_template(SHARED_BUS_CONSUMER, {"src/app.py": BUS_HANDLER})
    with pytest.raises(UnsupportedFeature, match="Fn::ImportValue shared-infra-EventBusName"):
        LocalStack.from_template(path, use_config=False, strict=True).start()


def test_the_included_snippet_is_json_or_yaml(write_template: Callable[..., Path]) -> None:
    definition = {"StartAt": "Price", "States": {"Price": {"Type": "Task", "End": True,
                                                           "Resource": {"Fn::GetAtt": ["PriceFunction", "Arn"]}}}}
    text = INCLUDED_WORKFLOW.replace("workflow/order.yaml", "workflow/order.json")
    path = write_template(text, {"workflow/order.json": json.dumps(definition),
                                 "functions/price/app.py": PRICE_HANDLER})
    with LocalStack.from_template(path, use_config=False) as stack:
        execution = stack.start_execution("OrderWorkflow", {"sku": "pen", "quantity": 1})
        stack.run_until_idle()
    assert execution.output == {"sku": "pen", "total": 3}


NO_CODE_URI = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Uploaded images are tagged; the code sits next to the template, as `sam deploy` packages it

Resources:
  ImageBucket:
    Type: AWS::S3::Bucket

  TagFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: src/tag-images.lambda_handler
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref ImageBucket
            Events: s3:ObjectCreated:*

  SummaryFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/summary.py
      Handler: summary.lambda_handler
"""

TAG_HANDLER = '''\
import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    for record in event["Records"]:
        bucket, key = record["s3"]["bucket"]["name"], record["s3"]["object"]["key"]
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "seen", "Value": "yes"}]})
'''

SUMMARY_HANDLER = '''\
import importlib.util


def lambda_handler(event, context):
    # Lambda gets only this file: the template's other files are not next to it.
    return {"alone": importlib.util.find_spec("template") is None, "count": len(event["keys"])}
'''


def test_code_without_code_uri_or_as_a_single_file_runs(write_template: Callable[..., Path]) -> None:
    path = write_template(NO_CODE_URI, {"src/tag-images.py": TAG_HANDLER, "src/summary.py": SUMMARY_HANDLER,
                                        "template.py": "raise SystemExit('not part of the function')\n"})
    with LocalStack.from_template(path, use_config=False) as stack:
        stack.drop("ImageBucket", "cat.png", b"png")
        tags = stack.client("s3").get_object_tagging(Bucket=stack.name("ImageBucket"), Key="cat.png")["TagSet"]
        summary = stack.invoke("SummaryFunction", {"keys": ["cat.png", "dog.png"]})
    assert tags == [{"Key": "seen", "Value": "yes"}]
    assert summary.result == {"alone": True, "count": 2}


def test_a_dynamic_reference_is_passed_on_with_a_warning(write_template: Callable[..., Path]) -> None:
    text = SHARED_BUS_CONSUMER.replace(
        "          BUS_NAME: !ImportValue shared-infra-EventBusName\n",
        "          BUS_NAME: !Sub '{{resolve:ssm:/${AWS::StackName}/bus-name}}'\n")
    with LocalStack.from_template(write_template(text, {"src/app.py": BUS_HANDLER}), use_config=False) as stack:
        invocation = stack.invoke("ConsumerFunction", {})
        warnings = stack.warnings
    assert invocation.result == {"bus": "{{resolve:ssm:/sluice-local/bus-name}}"}
    assert any("property Environment.Variables.BUS_NAME: {{resolve:ssm:/sluice-local/bus-name}} is a dynamic "
               "reference" in warning for warning in warnings)


NUL_PATHS = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: %s}
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties: {DefinitionUri: %s}
"""
FILES = {"fn/app.py": "def handler(event, context):\n    return event\n",
         "flow.asl.json": json.dumps({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}})}


def test_a_definition_path_holding_a_nul_character_is_a_template_error(write_template: Callable[..., Path]) -> None:
    path = write_template(NUL_PATHS % ("fn", '"flow\\0.asl.json"'), FILES)
    message = ("resource Flow, property DefinitionUri: 'flow\\x00.asl.json' is not a usable path: "
               "it holds a NUL character")
    with pytest.raises(TemplateError, match=re.escape(message)):
        LocalStack.from_template(path, use_config=False).start()


def test_a_code_path_holding_a_nul_character_is_named_when_the_stack_starts(
    write_template: Callable[..., Path],
) -> None:
    # A function that cannot run locally does not stop the rest of the stack: it is named, as SAM CLI warns.
    path = write_template(NUL_PATHS % ('"fn\\0"', "flow.asl.json"), FILES)
    with LocalStack.from_template(path, use_config=False) as stack:
        assert any("resource Fn, property CodeUri: 'fn\\x00' is not a usable path: it holds a NUL character" in warning
                   for warning in stack.warnings), stack.warnings


NESTED = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Child:
    Type: AWS::Serverless::Application
    Properties: {Location: child/template.yaml}
  FromRepository:
    Type: AWS::Serverless::Application
    Properties:
      Location: {ApplicationId: "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x", SemanticVersion: 1.0.0}
"""


def test_a_local_nested_application_runs_and_one_from_the_repository_is_said(
        write_template: Callable[..., Path]) -> None:
    path = write_template(NESTED, {"child/template.yaml": "Resources:\n  B: {Type: AWS::S3::Bucket}\n"})
    with LocalStack.from_template(path, use_config=False) as stack:
        buckets = [bucket["Name"] for bucket in stack.client("s3").list_buckets()["Buckets"]]
        repository = next(warning for warning in stack.warnings if "resource FromRepository," in warning)
    assert stack.name("ChildB") in buckets  # see test_nested_stacks.py
    assert not any("resource Child," in warning for warning in stack.warnings)
    assert repository.endswith("is not emulated locally (Ref/GetAtt answer with placeholder values)")


NOT_EMULATED_TARGETS = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Notes:
    Type: AWS::AppSync::GraphQLApi
    Properties: {Name: notes, AuthenticationType: API_KEY}
  Jobs:
    Type: AWS::Batch::JobQueue
    Properties:
      Priority: 1
      ComputeEnvironmentOrder:
        - {Order: 1, ComputeEnvironment: arn:aws:batch:us-east-1:123456789012:compute-environment/c}
  Audit:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: src/
  OrderPlaced:
    Type: AWS::Events::Rule
    Properties:
      EventPattern: {source: [shop]}
      Targets:
        - {Id: graphql, Arn: !GetAtt Notes.GraphQLEndpointArn, RoleArn: arn:aws:iam::123456789012:role/r}
        - Id: batch
          Arn: !Ref Jobs
          RoleArn: arn:aws:iam::123456789012:role/r
          BatchParameters: {JobDefinition: d, JobName: j}
        - {Id: audit, Arn: !GetAtt Audit.Arn}
"""


def test_rule_targets_sluice_does_not_emulate_are_said_and_the_others_delivered(
        write_template: Callable[..., Path]) -> None:
    """Found by the sweep of serverless-patterns' SAM templates (eventbridge-to-appsync-sam, eventbridge-batch-sam):
    a target that is an AppSync API's `GraphQLEndpointArn` or a job queue's `Ref` stopped the start, as the store
    refused placeholders that were no ARN; then moto's own delivery raised `NotImplementedError` out of
    `PutEvents` for the AppSync target."""
    path = write_template(NOT_EMULATED_TARGETS,
                          {"src/app.py": "def handler(event, context):\n    return event['source']\n"})
    with LocalStack.from_template(path, use_config=False) as stack:
        stack.put_event("shop", "OrderPlaced", {"id": 1})
        stack.run_until_idle()
        assert [invocation.result for invocation in stack.invocations("Audit")] == ["shop"]
        said = [warning for warning in stack.warnings if "is not a service sluice delivers to" in warning]
        assert len(said) == 2 and any(":appsync:" in warning and "/GraphQLEndpointArn" in warning for warning in said)
