"""Query pages whose items are read as DynamoDB sends them, for lists of many items.

botocore parses every attribute value of every item against the service model (walking the
ten members of AttributeValue each time): for a project of 1,000 checks that was ~60 ms, most
of the checks list's handler time. DynamoDB's JSON already is what botocore would build for
string, number, boolean and null values, so during these Queries a `before-parse` handler (the
hook botocore offers for supplying parts of a result) takes "Items" out of the body with
json.loads and hands it over as it is; the rest of the response is parsed as usual. Binary
values would stay base64 text: read only attributes without them.
"""
import json
import threading

from pynamodb.connection import TableConnection

_reading = threading.local()  # set only around our own Query, in the thread that makes it


def query(table: TableConnection, hash_key: str, **options) -> list[dict]:
    """Every item of a Query (all pages), as DynamoDB's JSON: {"name": {"S": "..."}, ...}."""
    table.connection.client.meta.events.register(
        "before-parse.dynamodb.Query", _take_items, unique_id="chalicelib.store.raw_items"
    )
    items, start = [], None
    while True:
        _reading.on = True
        try:
            page = table.query(hash_key, exclusive_start_key=start, **options)
        finally:
            _reading.on = False
        items += page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def _take_items(response_dict, customized_response_dict, **kwargs) -> None:
    if not getattr(_reading, "on", False) or response_dict["status_code"] >= 300:
        return
    body = json.loads(response_dict["body"])
    customized_response_dict["Items"] = body.pop("Items", [])
    response_dict["body"] = json.dumps(body).encode()
