"""Configuration read from the environment, once per process."""
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None or value == "" else value.lower() in ("1", "true", "yes", "on")


STAGE = os.environ.get("STAGE", "dev")
# Every table name starts with this prefix, so stages can share an AWS account.
TABLE_PREFIX = os.environ.get("TABLE_PREFIX", f"hc-{STAGE}-")
S3_BUCKET = os.environ.get("S3_BUCKET", f"hc-{STAGE}-bodies")

# Where templates/ and static/ sit: beside chalicelib/, in the repository and in the Lambda zip.
APP_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES_DIR = os.path.join(APP_ROOT, "templates")
STATIC_DIR = os.path.join(APP_ROOT, "static")
# The /docs/ pages' Markdown, and the README whose Configuration table one of them shows.
DOCS_DIR = os.path.join(APP_ROOT, "docs", "site")
README_PATH = os.path.join(APP_ROOT, "README.md")
DEPLOY_GUIDE_PATH = os.path.join(APP_ROOT, "docs", "DEPLOY.md")  # the self-hosting page shows it

SITE_ROOT = os.environ.get("SITE_ROOT", "http://localhost:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Mychecks")
# Where people write for help; every page's footer shows it when set.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "")
# Whether people may sign up on the login page; off, only invitations make accounts.
REGISTRATION_OPEN = _bool("REGISTRATION_OPEN", True)
# Empty means the default (a stack parameter left blank).
PING_ENDPOINT = os.environ.get("PING_ENDPOINT") or SITE_ROOT + "/ping/"

# Bytes of a ping body that are kept; the rest is cut and the ping flagged.
PING_BODY_LIMIT = _int("PING_BODY_LIMIT", 100_000)
# Bodies longer than this go to S3; shorter ones stay in the ping item.
PING_BODY_INLINE_MAX = 100
# Pings kept per check (Healthchecks' "ping log limit").
PING_LOG_LIMIT = _int("PING_LOG_LIMIT", 100)
# Accepted pings per check per minute; 0 turns the limit off (as open-source Healthchecks).
PING_RATE_LIMIT = _int("PING_RATE_LIMIT", 0)
# REST API calls per API key per minute (a ratelimit token bucket per key).
API_RATE_LIMIT = _int("API_RATE_LIMIT", 600)
# Checks a project may hold; ?create=1 refuses at twice this (as Healthchecks).
CHECK_LIMIT = _int("CHECK_LIMIT", 10_000)
# People (besides the owner) in the teams of the projects one account owns; invitations stop there.
TEAM_LIMIT = _int("TEAM_LIMIT", 500)
# Partitions of the sparse "due" index; the sweep queries each one.
DUE_SHARDS = _int("DUE_SHARDS", 8)

# Email pings: mail to <check uuid>@PING_EMAIL_DOMAIN (or <ping key>+<slug>@...) is a ping.
# Empty turns them off and hides the address; the local stack defaults it to "localhost".
PING_EMAIL_DOMAIN = os.environ.get("PING_EMAIL_DOMAIN", "").strip().lower()
# Bigger messages are refused (SMTP 552) or, arriving through SES, skipped unread.
PING_EMAIL_MAX_BYTES = _int("PING_EMAIL_MAX_BYTES", 10_000_000)
# SES's receipt rule stores inbound mail in S3_BUCKET under this prefix and tells this SNS topic.
INBOUND_EMAIL_PREFIX = os.environ.get("INBOUND_EMAIL_PREFIX", "inbound/")
INBOUND_EMAIL_TOPIC = os.environ.get("INBOUND_EMAIL_TOPIC", f"hc-{STAGE}-inbound-email")

# Where `make run` serves DynamoDB Local and moto; the CLI talks to these unless
# AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_DYNAMODB) is set.
LOCAL_DYNAMODB_PORT = _int("LOCAL_DYNAMODB_PORT", 8001)
LOCAL_MOTO_PORT = _int("LOCAL_MOTO_PORT", 5055)
LOCAL_S3_PORT = _int("LOCAL_S3_PORT", 4568)  # and s3rver, for S3
LOCAL_LOCALSTACK_PORT = _int("LOCAL_LOCALSTACK_PORT", 4566)  # LocalStack, under `make run-localstack`
# The SMTP listener for email pings (on AWS, SES receives them).
LOCAL_SMTP_PORT = _int("LOCAL_SMTP_PORT", 2525)

# Outbound alerts.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alerts@localhost")
# ses (default on Lambda) | smtp | file (default locally: .eml files in EMAIL_OUTBOX) | console
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "ses" if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else "file"
)
EMAIL_OUTBOX = os.environ.get("EMAIL_OUTBOX", ".data/outbox")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = _int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = _bool("EMAIL_USE_SSL")
# The SES configuration set outgoing mail names (its events: bounces and complaints); empty, none.
SES_CONFIGURATION_SET = os.environ.get("SES_CONFIGURATION_SET", "")
# The SNS topic that configuration set publishes bounces and complaints to (infra/email.yaml).
EMAIL_EVENTS_TOPIC = os.environ.get("EMAIL_EVENTS_TOPIC", f"hc-{STAGE}-email-events")
# Email integrations to an address other than the user's own wait for a confirmation link.
EMAIL_USE_VERIFICATION = _bool("EMAIL_USE_VERIFICATION", True)
WEBHOOKS_ENABLED = _bool("WEBHOOKS_ENABLED", True)
# Webhooks to private, loopback and link-local addresses are refused unless this is on.
INTEGRATIONS_ALLOW_PRIVATE_IPS = _bool("INTEGRATIONS_ALLOW_PRIVATE_IPS")
# Per attempt; transient failures are tried up to NOTIFY_TRIES times in all.
NOTIFY_TIMEOUT = _int("NOTIFY_TIMEOUT", 30)
NOTIFY_TRIES = _int("NOTIFY_TRIES", 3)

# The seconds one sweep tick covers: it reads the checks due within them and waits in the
# function for each deadline (sweep.tick). The schedule runs a tick every minute, so on AWS this
# stays 60 (the function's timeout, 75 s, leaves room for the last deadline's writes); the local
# stack ticks every SWEEP_SECONDS (its default there: 20).
SWEEP_SECONDS = _int("SWEEP_SECONDS", 60)
# Due checks a pass sends down at once: a burst (an outage) alerts in seconds, not minutes.
# Kept under the DynamoDB client's pool (models.POOL_CONNECTIONS).
SWEEP_WORKERS = _int("SWEEP_WORKERS", 8)
# The flips table's stream, which triggers alert delivery (set by the deployment).
FLIPS_STREAM_ARN = os.environ.get(
    "FLIPS_STREAM_ARN", f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE_PREFIX}flips/stream/latest"
)

# SECRET_KEY signs sessions, links and badge URLs. A deployment keeps it in an SSM SecureString
# parameter (free, unlike a Secrets Manager secret), named by SECRET_KEY_PARAMETER and read on
# first use, so a function that never signs (the ping function) never fetches it. SECRET_KEY in
# the environment wins; the local default only suits a local stack.
LOCAL_SECRET_KEY = "local-development-secret-do-not-deploy"  # `doctor` fails it in prod
SECRET_KEY_PARAMETER = os.environ.get("SECRET_KEY_PARAMETER", "")


def __getattr__(name: str):
    if name == "SECRET_KEY":
        globals()[name] = value = _secret_key()
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _secret_key() -> str:
    if "SECRET_KEY" in os.environ or not SECRET_KEY_PARAMETER:
        return os.environ.get("SECRET_KEY", LOCAL_SECRET_KEY)
    import boto3

    answer = boto3.client("ssm").get_parameter(Name=SECRET_KEY_PARAMETER, WithDecryption=True)
    return answer["Parameter"]["Value"]
# WebAuthn relying-party id (the site's domain, e.g. "example.org"); security keys are off without it.
RP_ID = os.environ.get("RP_ID", "")
# A trusted proxy's header carrying the logged-in user's email (e.g. "X-Auth-User", or Django's
# "HTTP_AUTH_USER"); when set, it replaces every other way to log in.
REMOTE_USER_HEADER = os.environ.get("REMOTE_USER_HEADER", "")
# The label of the all-checks badge.
MASTER_BADGE_LABEL = os.environ.get("MASTER_BADGE_LABEL", SITE_NAME)


def _secret(name: str) -> str:
    """A secret from NAME, or from the file NAME_FILE names (as Healthchecks' *_FILE variants)."""
    path = os.environ.get(name + "_FILE")
    if path and not os.environ.get(name):
        with open(path) as f:
            return f.read().strip()
    return os.environ.get(name, "")


# Chat and incident-tool integrations, named as Healthchecks names them; a kind that is
# off is hidden and sends nothing.
SITE_LOGO_URL = os.environ.get("SITE_LOGO_URL", SITE_ROOT + "/static/img/logo.png")
APPRISE_ENABLED = _bool("APPRISE_ENABLED")
SLACK_ENABLED = _bool("SLACK_ENABLED", True)
SLACK_CLIENT_ID = os.environ.get("SLACK_CLIENT_ID", "")
SLACK_CLIENT_SECRET = _secret("SLACK_CLIENT_SECRET")
DISCORD_CLIENT_ID = os.environ.get("DISCORD_CLIENT_ID", "")
DISCORD_CLIENT_SECRET = _secret("DISCORD_CLIENT_SECRET")
GITHUB_CLIENT_ID = os.environ.get("GITHUB_CLIENT_ID", "")
GITHUB_CLIENT_SECRET = _secret("GITHUB_CLIENT_SECRET")
GITHUB_PRIVATE_KEY = _secret("GITHUB_PRIVATE_KEY")
GITHUB_PUBLIC_LINK = os.environ.get("GITHUB_PUBLIC_LINK", "")
MATRIX_HOMESERVER = os.environ.get("MATRIX_HOMESERVER", "").rstrip("/")
MATRIX_USER_ID = os.environ.get("MATRIX_USER_ID", "")
MATRIX_ACCESS_TOKEN = _secret("MATRIX_ACCESS_TOKEN")
MATTERMOST_ENABLED = _bool("MATTERMOST_ENABLED", True)
MSTEAMS_ENABLED = _bool("MSTEAMS_ENABLED", True)
OPSGENIE_ENABLED = _bool("OPSGENIE_ENABLED", True)
PAGERTREE_ENABLED = _bool("PAGERTREE_ENABLED", True)
PD_ENABLED = _bool("PD_ENABLED", True)
PD_APP_ID = os.environ.get("PD_APP_ID", "")
ROCKETCHAT_ENABLED = _bool("ROCKETCHAT_ENABLED", True)
SPIKE_ENABLED = _bool("SPIKE_ENABLED", True)
TRELLO_APP_KEY = _secret("TRELLO_APP_KEY")
VICTOROPS_ENABLED = _bool("VICTOROPS_ENABLED", True)
ZULIP_ENABLED = _bool("ZULIP_ENABLED", True)
# Where the third-party APIs live; settings so tests (or a proxy) can stand in for them.
SLACK_URL = os.environ.get("SLACK_URL", "https://slack.com").rstrip("/")
DISCORD_URL = os.environ.get("DISCORD_URL", "https://discord.com").rstrip("/")
GITHUB_URL = os.environ.get("GITHUB_URL", "https://github.com").rstrip("/")
GITHUB_API_URL = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
OPSGENIE_URL = os.environ.get("OPSGENIE_URL", "https://api.opsgenie.com").rstrip("/")
OPSGENIE_EU_URL = os.environ.get("OPSGENIE_EU_URL", "https://api.eu.opsgenie.com").rstrip("/")
PD_EVENTS_URL = os.environ.get("PD_EVENTS_URL", "https://events.pagerduty.com").rstrip("/")
PD_APP_URL = os.environ.get("PD_APP_URL", "https://app.pagerduty.com").rstrip("/")
TRELLO_URL = os.environ.get("TRELLO_URL", "https://trello.com").rstrip("/")
TRELLO_API_URL = os.environ.get("TRELLO_API_URL", "https://api.trello.com").rstrip("/")

# Phone, push and host-bound integrations (same naming as Healthchecks).
TWILIO_ACCOUNT = os.environ.get("TWILIO_ACCOUNT", "")
TWILIO_AUTH = _secret("TWILIO_AUTH")
TWILIO_FROM = os.environ.get("TWILIO_FROM", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_USE_WHATSAPP = _bool("TWILIO_USE_WHATSAPP")
WHATSAPP_DOWN_CONTENT_SID = os.environ.get("WHATSAPP_DOWN_CONTENT_SID", "")
WHATSAPP_UP_CONTENT_SID = os.environ.get("WHATSAPP_UP_CONTENT_SID", "")
# Monthly quotas per project owner: SMS and WhatsApp share one, phone calls have their own.
SMS_LIMIT = _int("SMS_LIMIT", 10_000)
CALL_LIMIT = _int("CALL_LIMIT", 10_000)
TELEGRAM_TOKEN = _secret("TELEGRAM_TOKEN")
TELEGRAM_BOT_NAME = os.environ.get("TELEGRAM_BOT_NAME", "ExampleBot")
# Given to Telegram's setWebhook as secret_token; the bot webhook refuses updates without it.
TELEGRAM_WEBHOOK_SECRET = _secret("TELEGRAM_WEBHOOK_SECRET")
SIGNAL_CLI_SOCKET = os.environ.get("SIGNAL_CLI_SOCKET", "")  # a UNIX socket path or host:port
PUSHOVER_API_TOKEN = _secret("PUSHOVER_API_TOKEN")
PUSHOVER_SUBSCRIPTION_URL = os.environ.get("PUSHOVER_SUBSCRIPTION_URL", "")
PUSHOVER_EMERGENCY_RETRY_DELAY = _int("PUSHOVER_EMERGENCY_RETRY_DELAY", 300)
PUSHOVER_EMERGENCY_EXPIRATION = _int("PUSHOVER_EMERGENCY_EXPIRATION", 86400)
PUSHBULLET_CLIENT_ID = os.environ.get("PUSHBULLET_CLIENT_ID", "")
PUSHBULLET_CLIENT_SECRET = _secret("PUSHBULLET_CLIENT_SECRET")
NTFY_SH_TOKEN = _secret("NTFY_SH_TOKEN")
# Runs commands on the delivering host, so it is off unless turned on.
SHELL_ENABLED = _bool("SHELL_ENABLED")
PROMETHEUS_ENABLED = _bool("PROMETHEUS_ENABLED", True)
# The operators' metrics (/api/v3/metrics/, header X-Metrics-Key): off while unset, as Healthchecks.
METRICS_KEY = os.environ.get("METRICS_KEY", "")
# The alert delivery function, whose flips-stream lag those metrics read from CloudWatch (the stack sets it).
DELIVER_FUNCTION_NAME = os.environ.get("DELIVER_FUNCTION_NAME", "")
TWILIO_API_URL = os.environ.get("TWILIO_API_URL", "https://api.twilio.com").rstrip("/")
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
PUSHOVER_API_URL = os.environ.get("PUSHOVER_API_URL", "https://api.pushover.net").rstrip("/")
PUSHBULLET_URL = os.environ.get("PUSHBULLET_URL", "https://www.pushbullet.com").rstrip("/")
PUSHBULLET_API_URL = os.environ.get("PUSHBULLET_API_URL", "https://api.pushbullet.com").rstrip("/")

# A check that changes status this many times within 24 hours is flapping: its project's team is
# mailed once a day about it (chalicelib/alerts/flapping.py). 0 turns the notices off.
FLAP_THRESHOLD = max(0, _int("FLAP_THRESHOLD", 10))

# Email reports go out at this hour of each user's own time zone (0-23).
REPORT_HOUR = min(23, max(0, _int("REPORT_HOUR", 9)))
