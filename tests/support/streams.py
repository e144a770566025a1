"""Records as the flips table's DynamoDB stream hands them to alert delivery."""


def inserted(*flips) -> list[dict]:
    """The stream records of newly written flips, in order."""
    return [{"eventName": "INSERT", "dynamodb": {"NewImage": flip.serialize()}} for flip in flips]
