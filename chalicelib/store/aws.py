"""AWS clients, created once per process from one botocore session.

Endpoints come from botocore's own variables: AWS_ENDPOINT_URL for every service, or
AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_DYNAMODB) for one; unset or empty
means real AWS.
"""
import functools
import os
import threading

import botocore.session
from botocore import loaders

# A botocore session is not thread-safe while it creates clients (pynamodb keeps one per thread
# for that reason); the shared one creates them under this lock.
_creating = threading.Lock()
_table_client = {}  # "dynamodb": the client every pynamodb model shares, once made


class _FolderListingLoader(loaders.Loader):
    """botocore's data loader, but a service is known by its folder alone.

    botocore's own listing opens every service's folders (about 900 listings and 2,700 stats,
    20-30 ms of a cold start) to check the one asked for; a service without the file asked
    still fails, with DataNotFoundError where botocore says UnknownServiceError.
    """

    @loaders.instance_cache
    def list_available_services(self, type_name):
        names = set()
        for path in self.search_paths:
            if os.path.isdir(path):
                with os.scandir(path) as entries:
                    names.update(entry.name for entry in entries if entry.is_dir())
        return sorted(names)


@functools.cache
def botocore_session() -> botocore.session.Session:
    """The process's one session: each session loads the service models and endpoint rules again."""
    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path")  # AWS_DATA_PATH, as botocore reads it
    extra = [os.path.expandvars(os.path.expanduser(p)) for p in data_path.split(os.pathsep)] if data_path else None
    session.register_component("data_loader", _FolderListingLoader(extra_search_paths=extra))
    return session


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


def share_client(connection) -> None:
    """Give a pynamodb Connection the process's one DynamoDB client. pynamodb 6.1 has no hook for
    this: left alone it makes a botocore session and client per model, each loading DynamoDB's
    service model again, and a ping touches three tables."""
    if connection._client is None:
        with _creating:
            if connection._client is None:
                if "dynamodb" not in _table_client:
                    # Made by pynamodb, with its config, from the shared session: the models' Meta
                    # all leave pynamodb's connection settings alone, so one client serves them all.
                    connection._local.session = botocore_session()
                    _table_client["dynamodb"] = connection.client
                connection._client = _table_client["dynamodb"]


def reset() -> None:
    """Forget the session, its clients and the table connections, after the endpoint variables change."""
    client.cache_clear()
    _boto3_session.cache_clear()
    botocore_session.cache_clear()
    _table_client.clear()
    from chalicelib.store import models

    for model in models.ALL_MODELS:
        model._connection = None
