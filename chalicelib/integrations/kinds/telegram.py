"""Telegram: an HTML message from the bot to a chat, and the /start flow that adds a chat.

The bot's webhook hands each update to `answer_update`; to /start it replies with a signed
invite link (valid 10 minutes) that the add page turns into a channel with `validate`.
"""
import html
import json
import re
from datetime import datetime, timezone
from urllib.parse import quote

from chalicelib import settings
from chalicelib.integrations import chat, http, limits
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.lib import signing
from chalicelib.store.models import Channel

KIND = "telegram"
LABEL = "Telegram"
MAX_LENGTH = 4096  # Telegram's limit for one message's text
INVITE_SALT = "telegram-invite"
INVITE_MAX_AGE = 600
# Answers that mean the chat will never accept the bot's messages again.
GONE = {
    "Forbidden: the group chat was deleted",
    "Forbidden: bot was blocked by the user",
    "Forbidden: user is deactivated",
    "Bad Request: chat not found",
}


class ChatMigrated(TransportError):
    """The group became a supergroup with a new id."""

    def __init__(self, description: str, new_id: int):
        super().__init__(description)
        self.new_id = new_id


def enabled() -> bool:
    return bool(settings.TELEGRAM_TOKEN)


def validate(value: dict) -> str:
    """The stored chat {id, type, name, thread_id} from a signed invite ({"invite": token})."""
    try:
        chat_info = signing.unsign(value.get("invite") or "", INVITE_SALT, INVITE_MAX_AGE, datetime.now(timezone.utc))
    except ValueError:
        raise ValueError("invite: the invite link is invalid or has expired; send /start to the bot again") from None
    return json.dumps(chat_info)


def target(channel: Channel) -> dict:
    return json.loads(channel.value)


def is_noop(channel: Channel, status: str) -> bool:
    return False


def limit(channel: Channel, notice: Notice) -> limits.PerMinute:
    return limits.PerMinute(f"tg-{target(channel)['id']}")


def message(notice: Notice) -> str:
    return chat.message(notice, chat.ChatHtml, MAX_LENGTH)


def send(channel: Channel, notice: Notice) -> None:
    chat_info, text = target(channel), message(notice)
    try:
        send_message(chat_info["id"], chat_info.get("thread_id"), text)
    except ChatMigrated as e:
        chat_info["id"] = e.new_id
        channel.update(actions=[Channel.value.set(json.dumps(chat_info))])
        send_message(e.new_id, chat_info.get("thread_id"), text)


def send_message(chat_id: int, thread_id: int | None, text: str) -> None:
    """One sendMessage call (alerts and the bot's own replies)."""
    payload = {"chat_id": chat_id, "message_thread_id": thread_id, "text": text, "parse_mode": "html"}
    http.request("POST", f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_TOKEN}/sendMessage", json=payload, explain=_explain)


# Telegram's rule for setWebhook's secret_token: 1-256 of these characters.
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def set_webhook(url: str) -> str:
    """Register url as the bot's webhook, with TELEGRAM_WEBHOOK_SECRET as the secret Telegram sends
    back in each update's X-Telegram-Bot-Api-Secret-Token; Telegram's description of the result.
    ValueError when the settings cannot make a working webhook, TransportError when Telegram refuses."""
    if not settings.TELEGRAM_TOKEN:
        raise ValueError("TELEGRAM_TOKEN is not set")
    if not SECRET_TOKEN.match(settings.TELEGRAM_WEBHOOK_SECRET or ""):
        raise ValueError(
            "TELEGRAM_WEBHOOK_SECRET must be set, 1-256 letters, digits, _ or - (the bot webhook refuses updates without it)"
        )
    payload = {"url": url, "allowed_updates": ["message", "channel_post"], "secret_token": settings.TELEGRAM_WEBHOOK_SECRET}
    response = http.request(
        "POST", f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_TOKEN}/setWebhook", json=payload, explain=_explain
    )
    try:
        return str(response.json().get("description") or "Webhook was set")
    except (ValueError, AttributeError):
        return "Webhook was set"


def _explain(response) -> TransportError:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return http.status_error(response.status_code)
    description = str(answer.get("description") or "")
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    if isinstance(parameters.get("migrate_to_chat_id"), int):
        return ChatMigrated(description, parameters["migrate_to_chat_id"])
    error = http.status_error(response.status_code, description, disable=description in GONE)
    if isinstance(parameters.get("retry_after"), (int, float)):
        error.retry_after = parameters["retry_after"]
    return error


def invite(update: dict, now: datetime) -> str | None:
    """The signed invite for the chat an update's /start came from; None for any other update."""
    message = update.get("message") or update.get("channel_post")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    command = str(message.get("text") or "").split(maxsplit=1)[0:1]
    if command not in (["/start"], [f"/start@{settings.TELEGRAM_BOT_NAME}"]):
        return None
    chat_info = message["chat"]
    if not isinstance(chat_info.get("id"), int):
        return None
    name = chat_info.get("title") or chat_info.get("username") or chat_info.get("first_name") or ""
    thread_id = message.get("message_thread_id") if message.get("is_topic_message") else None
    payload = {"id": chat_info["id"], "type": chat_info.get("type", "private"), "name": name, "thread_id": thread_id}
    return signing.sign(payload, INVITE_SALT, now)


def invite_url(token: str) -> str:
    return f"{settings.SITE_ROOT}/integrations/add_telegram/?signed={quote(token, safe='')}"


def answer_update(update: dict, now: datetime) -> str | None:
    """Reply to a /start with the invite link (sent through the bot); the reply's text, or None."""
    token = invite(update, now)
    if token is None:
        return None
    message = update.get("message") or update.get("channel_post")
    reply = (
        f"Hello! To receive {html.escape(settings.SITE_NAME)} notifications in this chat, open this link and "
        f'pick a project (the link works for 10 minutes):\n<a href="{invite_url(token)}">Add this chat</a>'
    )
    send_message(message["chat"]["id"], message.get("message_thread_id") if message.get("is_topic_message") else None, reply)
    return reply
