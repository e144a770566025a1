"""Matrix: a message to a room the bot account (MATRIX_USER_ID) has joined."""
import hashlib
import re
from urllib.parse import quote

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, oauth
from chalicelib.integrations.base import Notice, both_directions
from chalicelib.store.models import Channel

KIND = "matrix"
LABEL = "Matrix"
ROOM_ID = re.compile(r"^![^:\s]+:\S+$")
ROOM_ALIAS = re.compile(r"^[#!][^:\s]+:\S+$")
is_noop = both_directions


def enabled() -> bool:
    return bool(settings.MATRIX_HOMESERVER and settings.MATRIX_ACCESS_TOKEN)


def validate(value: dict) -> str:
    """The room's id, "!abc:example.org" (join() turns an alias into one)."""
    room_id = forms.text(value, "room_id", 200)
    if not ROOM_ID.match(room_id):
        raise ValueError("room_id: must look like !room:server")
    return room_id


def send(channel: Channel, notice: Notice) -> None:
    # The transaction id is the same for every try of one alert, so a retry cannot post twice.
    txn = hashlib.sha1(f"{channel.code}|{notice.check.code}|{notice.now.isoformat()}|{notice.status}".encode())
    url = f"{_rooms_url(channel.value)}/send/m.room.message/{txn.hexdigest()}"
    http.request("PUT", url, headers=_auth(), json={
        "msgtype": "m.text",
        "body": markdown.message(notice, markdown.Plain),
        "format": "org.matrix.custom.html",
        "formatted_body": markdown.message(notice, markdown.Html),
    })


def join(alias: str) -> str:
    """Join the room (by alias or id) as the bot; its room id. FlowError when the bot may not."""
    alias = alias.strip()
    if not ROOM_ALIAS.match(alias):
        raise oauth.FlowError("Enter a room alias (#room:server) or id (!room:server)")
    url = f"{settings.MATRIX_HOMESERVER}/_matrix/client/v3/join/{quote(alias, safe='')}"
    try:
        status, answer = oauth.call("POST", url, headers=_auth(), json={})
    except oauth.FlowError:
        raise oauth.FlowError("Could not join the room: the homeserver did not answer") from None
    if status == 403:
        raise oauth.FlowError(f"Could not join the room. Did you invite {settings.MATRIX_USER_ID} to it?")
    if status != 200 or not isinstance(answer, dict) or not answer.get("room_id"):
        error = answer.get("error") if isinstance(answer, dict) else None
        raise oauth.FlowError(f"Could not join the room: {error or f'status {status}'}")
    return answer["room_id"]


def _rooms_url(room_id: str) -> str:
    return f"{settings.MATRIX_HOMESERVER}/_matrix/client/v3/rooms/{quote(room_id, safe='')}"


def _auth() -> dict:
    return {"Authorization": f"Bearer {settings.MATRIX_ACCESS_TOKEN}"}


