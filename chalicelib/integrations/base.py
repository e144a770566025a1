"""What every integration kind shares: the notice it sends, its errors, its interface."""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib.lib.errors import TransportError
from chalicelib.store.models import Channel, Check, Flip, Ping

__all__ = ["Notice", "Transport", "TransportError", "both_directions"]

REASONS = {
    "timeout": "success signal did not arrive on time, grace time passed",
    "fail": "received a failure signal",
}


@dataclass
class Notice:
    """Everything an alert may say about one flip of one check."""

    check: Check
    flip: Flip
    project_name: str
    check_url: str  # a link to the check's page in the dashboard
    last_ping: Ping | None = None
    last_ping_body: bytes | None = None
    downtime: timedelta | None = None  # for "up": how long it was down
    other_down: list[Check] = field(default_factory=list)  # up to 10 other down checks
    other_down_count: int = 0
    project_check_count: int = 1
    # For "down": the checks that depend on this one (or on one below it), whose down alerts it
    # holds while it is down; those already down first.
    covered_children: list[Check] = field(default_factory=list)
    # Sends this notice on one more channel (a group's member), once; alerts passes it in.
    notify_member: Callable[[Channel, "Notice"], str | None] | None = None

    @property
    def status(self) -> str:
        return self.flip.new_status

    @property
    def now(self) -> datetime:
        return self.flip.created

    @property
    def reason(self) -> str:
        return self.flip.detail or REASONS.get(self.flip.reason, "")


class Transport(Protocol):
    """One kind of integration; a module under chalicelib/integrations/ provides these names."""

    KIND: str  # as stored in Channel.kind and listed by the API, e.g. "webhook"
    LABEL: str  # as shown in the dashboard, e.g. "Webhook"

    def enabled(self) -> bool:
        """Whether the settings (environment) turn this kind on."""

    def validate(self, value: dict) -> str:
        """The Channel.value to store for this input; ValueError with a message if invalid."""

    def is_noop(self, channel: Channel, status: str) -> bool:
        """True when the channel does not want alerts of this direction ("up"/"down")."""

    def send(self, channel: Channel, notice: Notice) -> None:
        """Deliver one alert; raise TransportError when it fails."""

    # Optional: limit(channel, notice) -> limits.PerMinute | limits.Monthly | None, the rule
    # delivery checks once before the first try (see integrations/limits.py).


def both_directions(channel: Channel, status: str) -> bool:
    """is_noop for the kinds that send both down and up alerts: never a no-op."""
    return False
