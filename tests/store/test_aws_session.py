"""One botocore session and one DynamoDB client per process: each loads the service model again."""
import os
from pathlib import Path

import botocore.loaders
import botocore.session

from chalicelib.store import aws as aws_clients
from chalicelib.store import models


def test_every_table_and_boto3_client_comes_from_one_botocore_session(aws, monkeypatch):
    made = []
    init = botocore.session.Session.__init__

    def counted_init(self, *args, **kwargs):
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "__init__", counted_init)
    aws_clients.reset()
    for model in models.ALL_MODELS:
        model._get_connection().connection.client  # noqa: B018
    aws_clients.client("s3")
    aws_clients.client("ses")
    assert len(made) == 1



def test_every_table_shares_one_dynamodb_client(aws):
    aws_clients.reset()
    clients = {id(model._get_connection().connection.client) for model in models.ALL_MODELS}
    assert len(clients) == 1


def test_making_a_client_does_not_open_every_services_folder(aws, monkeypatch):
    opened = []
    listdir = os.listdir

    def counted(path):
        opened.append(path)
        return listdir(path)

    monkeypatch.setattr(botocore.loaders.os, "listdir", counted)
    aws_clients.reset()
    models.Check._get_connection().connection.client  # noqa: B018
    # botocore's own listing opens each of its ~400 service folders, once per file type.
    assert {Path(path).name for path in opened} <= {"dynamodb"}


def test_the_session_still_reads_models_from_aws_data_path(aws, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    aws_clients.reset()
    loader = aws_clients.botocore_session().get_component("data_loader")
    assert loader.search_paths[0] == str(tmp_path)
    assert "dynamodb" in loader.list_available_services("service-2")
    aws_clients.reset()


def test_the_shared_client_keeps_the_models_pool_of_connections(aws):
    aws_clients.reset()
    client = models.Check._get_connection().connection.client
    assert client.meta.config.max_pool_connections == models.POOL_CONNECTIONS > 10
