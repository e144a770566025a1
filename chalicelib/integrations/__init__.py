"""The integration kinds, registered in one place. Import this only off the ping path."""
from chalicelib.integrations import email, webhook
from chalicelib.integrations.base import Notice, Transport, TransportError

KINDS: dict[str, Transport] = {module.KIND: module for module in (email, webhook)}


def transport(kind: str) -> Transport:
    """The module sending this kind; KeyError for a kind we do not know."""
    return KINDS[kind]


__all__ = ["KINDS", "Notice", "Transport", "TransportError", "transport"]
