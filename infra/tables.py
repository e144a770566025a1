"""The DynamoDB tables as CloudFormation, read from chalicelib/store/models.py so the two cannot drift.

`python -m infra.tables` prints them as JSON; infra/build.py merges them into the template.
"""
import json
import re

from pynamodb.attributes import TTLAttribute

from chalicelib import settings
from chalicelib.store import models


def logical_id(model) -> str:
    """The resource name of a model's table: Check -> ChecksTable (from the table name)."""
    name = short_name(model)
    return "".join(part.capitalize() for part in re.split(r"[_-]", name)) + "Table"


def short_name(model) -> str:
    """The table name without the stage prefix ("checks")."""
    return model.Meta.table_name.removeprefix(settings.TABLE_PREFIX)


def _ttl_attribute(model) -> str | None:
    names = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    return names[0] if names else None


def _hash_first(key_schema: list[dict]) -> list[dict]:
    """CloudFormation wants the HASH key before the RANGE key (pynamodb lists them as declared)."""
    return sorted(key_schema, key=lambda key: key["KeyType"] != "HASH")


def table_resource(model) -> dict:
    """One AWS::DynamoDB::Table: keys, indexes, TTL, on-demand billing, point-in-time recovery."""
    schema = model._get_schema()
    properties = {
        "TableName": {"Fn::Sub": "hc-${Stage}-" + short_name(model)},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": sorted(schema["attribute_definitions"], key=lambda d: d["AttributeName"]),
        "KeySchema": _hash_first(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
    }
    indexes = [
        {"IndexName": index["index_name"], "KeySchema": _hash_first(index["key_schema"]), "Projection": index["projection"]}
        for index in schema["global_secondary_indexes"]
    ]
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    ttl = _ttl_attribute(model)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        properties["StreamSpecification"] = {"StreamViewType": stream}
    # Retain: deleting the stack (or renaming a table by mistake) must never delete the data.
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def resources() -> dict:
    return {logical_id(model): table_resource(model) for model in models.ALL_MODELS}


if __name__ == "__main__":
    print(json.dumps({"Resources": resources()}, indent=2))
