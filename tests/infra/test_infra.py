"""infra/: the merge template agrees with models.py, the functions' policies are least privilege,
and every setting is in the README's configuration table."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pynamodb.attributes import TTLAttribute

from chalicelib import settings
from chalicelib.store import models
from infra import build, tables

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / ".chalice"


@pytest.fixture(scope="module")
def template():
    from app import app

    return build.merge_template(settings.STAGE, app)


def _table(template, model) -> dict:
    return template["Resources"][tables.logical_id(model)]["Properties"]


def _keys(key_schema) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in key_schema]


@pytest.mark.parametrize("model", models.ALL_MODELS, ids=lambda m: m.__name__)
def test_template_table_has_the_models_name_keys_and_indexes(template, model):
    table, schema = _table(template, model), model._get_schema()
    assert table["TableName"] == {"Fn::Sub": "hc-${Stage}-" + tables.short_name(model)}
    assert settings.TABLE_PREFIX + tables.short_name(model) == model.Meta.table_name
    assert sorted(_keys(table["KeySchema"])) == sorted(_keys(schema["key_schema"]))
    assert table["KeySchema"][0]["KeyType"] == "HASH"
    indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    assert sorted(indexes) == sorted(index["index_name"] for index in schema["global_secondary_indexes"])
    for index in schema["global_secondary_indexes"]:
        assert sorted(_keys(indexes[index["index_name"]]["KeySchema"])) == sorted(_keys(index["key_schema"]))
        assert indexes[index["index_name"]]["Projection"] == index["projection"]
    assert sorted(d["AttributeName"] for d in table["AttributeDefinitions"]) == sorted(
        d["AttributeName"] for d in schema["attribute_definitions"]
    )


@pytest.mark.parametrize("model", models.ALL_MODELS, ids=lambda m: m.__name__)
def test_template_table_is_on_demand_with_point_in_time_recovery_and_kept_on_stack_delete(template, model):
    resource = template["Resources"][tables.logical_id(model)]
    assert resource["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert resource["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert resource["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize(
    "model", [m for m in models.ALL_MODELS if any(isinstance(a, TTLAttribute) for a in m.get_attributes().values())],
    ids=lambda m: m.__name__,
)  # fmt: skip
def test_template_turns_on_ttl_on_the_models_ttl_attribute(template, model):
    [ttl] = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    assert _table(template, model)["TimeToLiveSpecification"] == {"AttributeName": ttl, "Enabled": True}


def test_flips_table_has_the_stream_the_deliver_function_reads(template):
    resources = template["Resources"]
    assert resources["FlipsTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    stream = {"Fn::GetAtt": ["FlipsTable", "StreamArn"]}
    assert resources["Deliver"]["Properties"]["Events"]["DeliverDynamodbEventSource"]["Properties"]["Stream"] == stream
    assert resources["Deliver"]["Properties"]["Environment"]["Variables"]["FLIPS_STREAM_ARN"] == stream


def test_every_function_gets_the_stage_from_the_stack(template):
    for name in build.CHALICE_FUNCTIONS + [build.PING_FUNCTION]:
        assert template["Resources"][name]["Properties"]["Environment"]["Variables"]["STAGE"] == {"Ref": "Stage"}
    assert template["Parameters"]["Stage"]["AllowedValues"] == [settings.STAGE]


def test_bodies_bucket_is_encrypted_private_and_expires_unread_inbound_mail(template):
    bucket = template["Resources"]["BodiesBucket"]["Properties"]
    assert bucket["BucketName"] == {"Fn::Sub": "hc-${Stage}-bodies"}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    [inbound] = [rule for rule in bucket["LifecycleConfiguration"]["Rules"] if rule.get("Prefix") == "inbound/"]
    assert inbound["ExpirationInDays"] == {"Ref": "InboundMailDays"}
    assert settings.INBOUND_EMAIL_PREFIX == "inbound/"


def test_ping_routes_are_served_by_the_ping_function(template):
    """Through the ping's HTTP API (tests/infra/test_ping_api.py); the merge no longer touches Chalice's REST API."""
    from app import app

    routes = build.ping_routes(app)
    assert sorted(routes) == ["/ping/{a}", "/ping/{a}/{b}", "/ping/{a}/{b}/{c}", "/ping/{a}/{b}/{c}/{d}"]
    keys = {r["Properties"]["RouteKey"] for r in template["Resources"].values() if r.get("Type") == "AWS::ApiGatewayV2::Route"}
    assert keys == {f"ANY {path}" for path in routes}
    assert "RestAPI" not in template["Resources"]


def test_sweep_alarms_page_on_errors_and_on_silence(template):
    resources = template["Resources"]
    errors, silent = resources["SweepErrorsAlarm"]["Properties"], resources["SweepSilentAlarm"]["Properties"]
    assert (errors["MetricName"], errors["Dimensions"][0]["Value"]) == ("Errors", {"Ref": "Sweep"})
    assert (silent["MetricName"], silent["ComparisonOperator"]) == ("Invocations", "LessThanThreshold")
    assert silent["TreatMissingData"] == "breaching"  # no invocation is no data point
    assert errors["AlarmActions"] == silent["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert resources["AlarmTopic"]["Properties"]["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}]


def test_a_path_no_route_matches_answers_404_on_aws_not_missing_authentication_token(template):
    response = template["Resources"]["UnknownPathIsNotFound"]
    assert response["Type"] == "AWS::ApiGateway::GatewayResponse"
    assert (response["Properties"]["ResponseType"], response["Properties"]["StatusCode"]) == ("MISSING_AUTHENTICATION_TOKEN", "404")
    assert json.loads(response["Properties"]["ResponseTemplates"]["application/json"]) == {"error": "not found"}


def test_alarms_are_made_only_with_someone_to_page(template):
    resources = template["Resources"]
    alarm_parts = [r for name, r in resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm" or name == "AlarmTopic"]
    assert len(alarm_parts) >= 5 and all(part.get("Condition") == "HasAlarmEmail" for part in alarm_parts)
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_functions_that_sign_read_the_secret_key_parameter_and_no_other_can(template):
    assert template["Parameters"]["SecretKeyParameter"]["AllowedPattern"] == "^/hc-[a-z0-9-]+/.+$"
    assert "secretsmanager" not in json.dumps(template)
    for name in ["api-handler", "deliver", "reports"]:
        grants = [s for s in _policy(name) if "ssm:GetParameter" in s["Action"]]
        assert [_resources(s) for s in grants] == [["arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/hc-*"]]
    never_sign = _policy("ping") + _policy("sweep") + _policy("ingest-email") + _policy("email-events")
    assert not [s for s in never_sign if any(a.startswith("ssm:") for a in s["Action"])]


def _policy(name: str) -> list[dict]:
    return json.loads((POLICIES / f"policy-{name}.json").read_text())["Statement"]


def _resources(statement) -> list[str]:
    resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    return [r["Fn::Sub"] if isinstance(r, dict) else r for r in resources]


def test_ping_function_may_touch_only_what_pings_need():
    allowed_tables = {"checks", "pings", "projects", "flips", "notifications", "channels"}
    actions = set()
    for statement in _policy("ping"):
        actions.update(statement["Action"])
        for resource in _resources(statement):
            table = re.search(r":table/hc-\$\{Stage\}-(\w+)", resource)
            assert table is None or table.group(1) in allowed_tables, resource
            assert table or resource.endswith(":logs:${AWS::Region}:${AWS::AccountId}:*") or "hc-${Stage}-bodies/" in resource
    assert actions == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query", "dynamodb:BatchWriteItem",
        "s3:PutObject", "s3:DeleteObject",
    }  # fmt: skip


def test_sweep_may_only_query_due_checks_update_them_and_write_flips():
    grants = {(a, r) for s in _policy("sweep") for a in s["Action"] for r in _resources(s) if not a.startswith("logs:")}
    table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/hc-${Stage}-"
    assert grants == {
        ("dynamodb:Query", table + "checks/index/*"),
        ("dynamodb:GetItem", table + "checks"),
        ("dynamodb:UpdateItem", table + "checks"),
        ("dynamodb:ConditionCheckItem", table + "checks"),
        ("dynamodb:PutItem", table + "flips"),
        # A down alert held by a quiet time (chalicelib/checks/quiet.py): the project's windows,
        # and the held flip, found and marked released.
        ("dynamodb:GetItem", table + "projects"),
        ("dynamodb:Query", table + "flips"),
        ("dynamodb:UpdateItem", table + "flips"),
    }


def test_every_chalice_function_has_its_own_policy_file_and_no_generated_policy():
    config = json.loads((POLICIES / "config.json").read_text())
    from app import app

    handlers = {"api_handler"} | {source.name for source in app.event_sources}
    assert config["autogen_policy"] is False
    assert set(config["lambda_functions"]) == handlers
    for name, function in config["lambda_functions"].items():
        assert (POLICIES / function["iam_policy_file"]).exists(), name
        assert function["lambda_timeout"] and function["lambda_memory_size"]


def test_readme_configuration_table_lists_every_setting():
    source = (ROOT / "chalicelib" / "settings.py").read_text()
    names = set(re.findall(r'(?:os\.environ\.get|_int|_bool|_secret)\(\s*"([A-Z0-9_]+)"', source))
    names.discard("AWS_LAMBDA_FUNCTION_NAME")  # set by Lambda itself, read to pick a default
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Z0-9_]+)`", section))
    assert sorted(names - listed) == []


def test_blank_ping_endpoint_parameter_means_the_site_roots_ping_url():
    env = {**os.environ, "PING_ENDPOINT": "", "SITE_ROOT": "https://hc.example.org"}
    code = "from chalicelib import settings; print(settings.PING_ENDPOINT)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "https://hc.example.org/ping/"
