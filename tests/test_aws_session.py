"""One botocore session and one DynamoDB client per process: each loads the service model again."""
import botocore.session

from chalicelib import aws as aws_clients
from chalicelib import models


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
