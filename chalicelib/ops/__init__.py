"""Operations behind `python -m chalicelib.ops.cli`: accounts, stored objects, project files, doctor."""


class OpsError(ValueError):
    """Input an operations command refuses; str() is the message for the operator."""
