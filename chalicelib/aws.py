"""boto3 clients, created once per process.

Endpoints come from botocore's own variables: AWS_ENDPOINT_URL for every service, or
AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB) for one; unset or empty
means real AWS.
"""
import functools
import os

import boto3


@functools.cache
def client(service: str):
    endpoint = None
    if service == "dynamodbstreams" and "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" not in os.environ:
        # A DynamoDB emulator serves its streams too, so they follow DynamoDB's endpoint.
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None
    return boto3.client(service, endpoint_url=endpoint)


def reset() -> None:
    """Forget cached clients and table connections, after the endpoint variables change."""
    client.cache_clear()
    from chalicelib import models

    for model in models.ALL_MODELS:
        model._connection = None
