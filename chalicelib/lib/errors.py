"""Errors shared across layers: a failed send, raised by email sending and by every integration."""


class TransportError(Exception):
    """A failed send. transient: worth retrying; disable: the channel cannot work as set up;
    retry_after: seconds the service asked us to wait before trying again."""

    def __init__(self, message: str, transient: bool = False, disable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message, self.transient, self.disable = message, transient, disable
        self.retry_after = retry_after
