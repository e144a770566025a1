"""ntfy: a Markdown message published to a topic on ntfy.sh or a self-hosted server, priority per direction."""
import json
import re
from urllib.parse import urlsplit

from chalicelib import settings
from chalicelib.integrations import chat, http, limits, markdown, text
from chalicelib.integrations.base import Notice
from chalicelib.store.models import Channel

KIND = "ntfy"
LABEL = "ntfy"
NTFY_SH = "https://ntfy.sh"
TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
PRIORITIES = range(0, 6)  # 0: do not send; 1 (min) to 5 (max)
MAX_LENGTH = 4096  # ntfy turns a longer message into an attachment
TAGS = {"down": "red_circle", "up": "green_circle"}


def enabled() -> bool:
    return True


def validate(value: dict) -> str:
    """{topic, url, priority, priority_up, token}; ValueError naming the bad field."""
    topic = str(value.get("topic") or "").strip()
    if not TOPIC.match(topic):
        raise ValueError("topic: 1 to 64 letters, digits, - or _")
    url = str(value.get("url") or NTFY_SH).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise ValueError("url: must be an http:// or https:// URL")
    token = str(value.get("token") or "").strip()
    if len(token) > 100 or re.search(r"\s", token):
        raise ValueError("token: not an ntfy access token")
    spec = {"topic": topic, "url": url, "token": token}
    for field in ("priority", "priority_up"):
        try:
            spec[field] = int(value.get(field, 3))
        except (TypeError, ValueError):
            spec[field] = None
        if spec[field] not in PRIORITIES:
            raise ValueError(f"{field}: must be a whole number from 0 to 5")
    if not spec["priority"] and not spec["priority_up"]:
        raise ValueError("priority, priority_up: at least one direction must be sent")
    return json.dumps(spec)


def target(channel: Channel) -> dict:
    return json.loads(channel.value)


def priority(channel: Channel, status: str) -> int:
    return target(channel)["priority_up" if status == "up" else "priority"]


def is_noop(channel: Channel, status: str) -> bool:
    return priority(channel, status) == 0


def limit(channel: Channel, notice: Notice) -> limits.PerMinute:
    spec = target(channel)
    return limits.recipient_key("ntfy", f"{spec['url']}-{spec['topic']}")


def send(channel: Channel, notice: Notice) -> None:
    spec = target(channel)
    payload = {
        "topic": spec["topic"],
        "priority": priority(channel, notice.status),
        "title": text.title(notice),
        "message": chat.message(notice, markdown.Markdown, MAX_LENGTH, link=False),
        "markdown": True,
        "tags": [TAGS[notice.status]],
        "actions": [{"action": "view", "label": f"View on {settings.SITE_NAME}", "url": notice.check_url}],
    }
    token = spec.get("token") or (settings.NTFY_SH_TOKEN if spec["url"] == NTFY_SH else "")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    http.request("POST", spec["url"], json=payload, headers=headers)
