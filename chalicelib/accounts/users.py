"""Users: created by signup or invitation, found by id or email."""
import uuid
from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import settings
from chalicelib.accounts import preferences
from chalicelib.store.models import EmailClaim, User

# The per-account limits an operator may override, and the environment's default for each.
LIMIT_DEFAULTS = {
    "check_limit": lambda: settings.CHECK_LIMIT,
    "sms_limit": lambda: settings.SMS_LIMIT,
    "call_limit": lambda: settings.CALL_LIMIT,
    "team_limit": lambda: settings.TEAM_LIMIT,
}


class EmailTaken(ValueError):
    """Another account has this address."""

    def __init__(self, message: str = "This email address is already used by another account."):
        super().__init__(message)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return next(iter(User.by_email.query(normalize_email(email), limit=1)), None)


def find_or_create(email: str, create) -> User:
    """The user with this address, or the one `create()` makes; if a racing request made
    one first (create() raised EmailTaken), that one."""
    try:
        return find_by_email(email) or create()
    except EmailTaken:
        return claimant(email)


def limit(user: User, name: str) -> int:
    """The user's limit `name` (a LIMIT_DEFAULTS key): their override, else the global default."""
    override = getattr(user, name)
    return LIMIT_DEFAULTS[name]() if override is None else int(override)


def get(user_id: str) -> User | None:
    try:
        return User.get(user_id)
    except User.DoesNotExist:
        return None


def claimant(email: str) -> User | None:
    """The user holding this address by its claim: consistent, unlike the email index."""
    try:
        return get(EmailClaim.get(normalize_email(email), consistent_read=True).user)
    except EmailClaim.DoesNotExist:
        return None


def create_user(email: str, now: datetime, **fields) -> User:
    """A new user with this (normalized) email; EmailTaken if another account claimed it first."""
    # Scheduled from the start: the report run finds only users with a next_report_date.
    first_report = preferences.next_report_date(fields.get("reports", "monthly"), fields.get("tz", "UTC"), now)
    fields.setdefault("next_report_date", first_report)
    user = User(id=str(uuid.uuid4()), email=normalize_email(email), created=now, **fields)
    _claim_with(user.email, user.id, lambda transaction: transaction.save(user))
    return user


def change_email(user: User, new_email: str) -> None:
    """Move the user to a new address, releasing the old one. EmailTaken if it is claimed;
    ValueError if the user's address changed meanwhile (a change link clicked twice)."""
    new_email = normalize_email(new_email)

    def move(transaction: TransactWrite) -> None:
        transaction.delete(EmailClaim(email=user.email))
        # A login link sent to the old address stops working with it.
        actions = [User.email.set(new_email), User.login_token_hash.remove()]
        transaction.update(user, actions=actions, condition=User.email == user.email)

    _claim_with(new_email, user.id, move)
    user.email, user.login_token_hash = new_email, None


def release_email(user: User) -> None:
    """Free the user's address (the account is closing)."""
    EmailClaim(email=user.email).delete()


ATTEMPTS = 3  # a transaction racing another on the same item is cancelled, not queued


def _claim_with(email: str, user_id: str, other_writes) -> None:
    """One transaction: claim `email` for `user_id` (if no one has it) with the other writes."""
    for attempt in range(ATTEMPTS):
        try:
            with TransactWrite(connection=User._get_connection().connection) as transaction:
                transaction.save(EmailClaim(email=email, user=user_id), condition=EmailClaim.email.does_not_exist())
                other_writes(transaction)
            return
        except TransactWriteError as e:
            reasons = {reason.code for reason in e.cancellation_reasons if reason}
            holder = claimant(email)
            if holder is not None and holder.id != user_id:
                raise EmailTaken() from None
            if "ConditionalCheckFailed" in reasons:
                raise ValueError("The account changed meanwhile.") from None
            if "TransactionConflict" not in reasons or attempt == ATTEMPTS - 1:
                raise


ACTIVE_EVERY = timedelta(days=1)  # how often a visit refreshes last_active (one write a day at most)


def mark_active(user: User, now: datetime) -> None:
    """Note that the user visited the dashboard (the checks list, a check's page)."""
    if user.last_active is None or now - user.last_active >= ACTIVE_EVERY:
        user.update(actions=[User.last_active.set(now)])
