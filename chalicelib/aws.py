"""AWS clients, created once per process from one botocore session.

Endpoints come from botocore's own variables: AWS_ENDPOINT_URL for every service, or
AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB) for one; unset or empty
means real AWS.
"""
import functools
import os
import threading

import botocore.session

# A botocore session is not thread-safe while it creates clients (pynamodb keeps one per thread
# for that reason); the shared one creates them under this lock.
_creating = threading.Lock()


@functools.cache
def botocore_session() -> botocore.session.Session:
    """The process's one session: each session loads the service models and endpoint rules again."""
    return botocore.session.get_session()


@functools.cache
def _boto3_session():
    import boto3  # here, not at the top: a ping without a body to store never needs it

    return boto3.session.Session(botocore_session=botocore_session())


@functools.cache
def client(service: str):
    endpoint = None
    if service == "dynamodbstreams" and "AWS_ENDPOINT_URL_DYNAMODB_STREAMS" not in os.environ:
        # A DynamoDB emulator serves its streams too, so they follow DynamoDB's endpoint.
        endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or None
    with _creating:
        return _boto3_session().client(service, endpoint_url=endpoint)


def share_session(connection) -> None:
    """Give a pynamodb Connection its client from the shared session (pynamodb 6.1 has no hook
    for this: left alone, it makes a session per model, and a ping touches three)."""
    if connection._client is None:
        with _creating:
            if connection._client is None:
                connection._local.session = botocore_session()
                connection.client  # noqa: B018  (created now, under the lock)


def reset() -> None:
    """Forget cached clients, the session and table connections, after the endpoint variables change."""
    client.cache_clear()
    _boto3_session.cache_clear()
    botocore_session.cache_clear()
    from chalicelib import models

    for model in models.ALL_MODELS:
        model._connection = None
