"""Creating the tables: a data folder from an older version gets the indexes added since."""
from chalicelib.store import aws as aws_clients
from chalicelib.store import models


def _indexes(model) -> set[str]:
    table = aws_clients.client("dynamodb").describe_table(TableName=model.Meta.table_name)["Table"]
    return {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}


def test_create_tables_adds_an_index_missing_from_an_existing_table(aws):
    client = aws_clients.client("dynamodb")
    client.update_table(
        TableName=models.User.Meta.table_name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nag_due"}}]
    )
    assert "nag_due" not in _indexes(models.User)
    models.create_tables()
    assert {"by_email", "report_due", "nag_due"} <= _indexes(models.User)


def _ttl(model) -> dict:
    return aws_clients.client("dynamodb").describe_time_to_live(TableName=model.Meta.table_name)["TimeToLiveDescription"]


def test_create_tables_turns_on_ttl_for_pings_in_an_existing_table(aws):
    aws_clients.client("dynamodb").update_time_to_live(
        TableName=models.Ping.Meta.table_name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"}
    )
    assert _ttl(models.Ping)["TimeToLiveStatus"] == "DISABLED"
    models.create_tables()
    assert (_ttl(models.Ping)["TimeToLiveStatus"], _ttl(models.Ping)["AttributeName"]) == ("ENABLED", "expires")
