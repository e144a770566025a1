"""The flips table's stream, read from DynamoDB Local and fed to the same delivery handler
that the stream-triggered Lambda runs on AWS.
"""
import logging

from chalicelib import aws
from chalicelib.models import Flip

log = logging.getLogger("chalicelib.local")


class FlipStreamReader:
    """Polls every shard of the flips stream; records go to `handle(records)`."""

    def __init__(self, handle):
        self.handle = handle
        self.iterators: dict[str, str | None] = {}  # shard id -> next iterator (None: closed)

    def poll(self) -> int:
        streams = aws.client("dynamodbstreams")
        arn = aws.client("dynamodb").describe_table(TableName=Flip.Meta.table_name)["Table"]["LatestStreamArn"]
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in self.iterators:
                # From the oldest record kept: flips written while the stack was down still go
                # out, and the delivery's claims keep anything already sent from going twice.
                self.iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
        delivered = 0
        for shard_id, iterator in self.iterators.items():
            while iterator:
                response = streams.get_records(ShardIterator=iterator)
                iterator = response.get("NextShardIterator")
                if not response["Records"]:
                    break
                delivered += self.handle(response["Records"])
            self.iterators[shard_id] = iterator
        return delivered
