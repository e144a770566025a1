"""WebAuthn security keys with fido2: register named keys, check a login assertion, remove keys.

Enabled only when RP_ID is set. The begin steps return the options for the browser's
navigator.credentials call (JSON-ready) and a state of plain values the caller keeps in the
session until the matching complete step."""
import uuid
from datetime import datetime

from chalicelib import settings
from chalicelib.store.models import Credential, User

NAME_LENGTH = 100


def enabled() -> bool:
    return bool(settings.RP_ID)


def keys_of(user_id: str) -> list[Credential]:
    """The user's keys, oldest first."""
    return sorted(Credential.query(user_id), key=lambda c: c.created)


def name_problem(name: str) -> str:
    """Why this key name cannot be used, or "" when it can."""
    if not name.strip() or len(name.strip()) > NAME_LENGTH:
        return f"Give the key a name of 1 to {NAME_LENGTH} characters."
    return ""


def register_begin(user: User) -> tuple[dict, dict]:
    """Options for navigator.credentials.create(), and the state to keep."""
    entity = {"id": user.id.encode(), "name": user.email, "displayName": user.email}
    options, state = _server().register_begin(entity, _attested(keys_of(user.id)))
    return dict(options), _kept(state)


def register_complete(user: User, state: dict, name: str, response: dict, now: datetime) -> Credential:
    """Store the new key the browser answered with; ValueError when it does not verify."""
    if problem := name_problem(name):
        raise ValueError(problem)
    try:
        auth_data = _server().register_complete(_restored(state), response)
    except (KeyError, TypeError) as e:  # fido2's answer to a malformed response
        raise ValueError("The security key's answer could not be read.") from e
    key = Credential(user=user.id, code=str(uuid.uuid4()), name=name.strip(), created=now, data=bytes(auth_data.credential_data))
    key.save()
    return key


def authenticate_begin(user: User) -> tuple[dict, dict]:
    """Options for navigator.credentials.get() with the user's keys, and the state to keep."""
    options, state = _server().authenticate_begin(_attested(keys_of(user.id)))
    return dict(options), _kept(state)


def authenticate_complete(user: User, state: dict, response: dict) -> bool:
    """Whether the assertion is signed by one of the user's keys over the kept challenge."""
    try:
        _server().authenticate_complete(_restored(state), _attested(keys_of(user.id)), response)
    except (ValueError, KeyError, TypeError):  # fido2 raises these for forged or malformed answers
        return False
    return True


def remove(user: User, code: str) -> Credential | None:
    """Delete one of the user's own keys; the removed key, or None if they have no such key."""
    try:
        key = Credential.get(user.id, code)
    except Credential.DoesNotExist:
        return None
    key.delete()
    return key


def _kept(state: dict) -> dict:
    # We never ask for user verification, and a session map does not keep None values.
    return {"challenge": state["challenge"]}


def _restored(state: dict) -> dict:
    return {"user_verification": None, **state}


def _attested(keys: list[Credential]) -> list:
    from fido2.webauthn import AttestedCredentialData  # here: fido2 is a tenth of the dashboard's cold start

    return [AttestedCredentialData(key.data) for key in keys]


def _server():
    from fido2.server import Fido2Server

    return Fido2Server({"id": settings.RP_ID, "name": settings.SITE_NAME})
