"""The flips table's stream, read from DynamoDB Local and fed to the same delivery handler
that the stream-triggered Lambda runs on AWS.
"""
import logging

from chalicelib.store import aws
from chalicelib.store.models import Flip

log = logging.getLogger("chalicelib.local")


class FlipStreamReader:
    """Polls every shard of the flips stream; records go to `handle(records)`."""

    def __init__(self, handle):
        self.handle = handle
        self.last_read: dict[str, str | None] = {}  # shard id -> sequence number of its last record

    def poll(self) -> int:
        """Hand over every record not seen yet; the number of notifications sent."""
        streams = aws.client("dynamodbstreams")
        arn = aws.client("dynamodb").describe_table(TableName=Flip.Meta.table_name)["Table"]["LatestStreamArn"]
        delivered = 0
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            delivered += self._read_shard(streams, arn, shard["ShardId"])
        return delivered

    def _read_shard(self, streams, arn: str, shard_id: str) -> int:
        # A fresh iterator each poll: DynamoDB Local invalidates ones kept across an empty read.
        last = self.last_read.get(shard_id)
        position = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last} if last else {
            # From the oldest record kept: flips written while the stack was down still go out,
            # and the delivery's claims keep anything already sent from going twice.
            "ShardIteratorType": "TRIM_HORIZON"
        }
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **position)["ShardIterator"]
        delivered = 0
        while iterator:
            response = streams.get_records(ShardIterator=iterator)
            if not response["Records"]:
                break
            delivered += self.handle(response["Records"])
            self.last_read[shard_id] = response["Records"][-1]["dynamodb"]["SequenceNumber"]
            iterator = response.get("NextShardIterator")
        return delivered
