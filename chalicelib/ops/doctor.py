"""doctor: checks the configuration and the AWS resources, one OK or FAIL line per check."""
import importlib.util
import os
import smtplib
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import settings
from chalicelib.lib import emails
from chalicelib.store import aws
from chalicelib.store.models import ALL_MODELS, Flip

# Integrations turned on by a group of settings: some set and some missing is a mistake.
INTEGRATION_SETTINGS = {
    "Slack app": ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"),
    "Discord": ("DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET"),
    "GitHub": ("GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "GITHUB_PRIVATE_KEY"),
    "Matrix": ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN"),
    "Pushbullet": ("PUSHBULLET_CLIENT_ID", "PUSHBULLET_CLIENT_SECRET"),
    "Pushover": ("PUSHOVER_API_TOKEN", "PUSHOVER_SUBSCRIPTION_URL"),
    "Twilio": ("TWILIO_ACCOUNT", "TWILIO_AUTH"),
}


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        return f"{'OK' if self.ok else 'FAIL'}  {self.name}" + (f": {self.detail}" if self.detail else "")


def diagnose() -> list[Finding]:
    """Every check's finding, in a stable order."""
    findings = [_secret_key(), _site_root(), _email_backend()]
    findings += [_table(model) for model in ALL_MODELS]
    findings += [_flips_stream(), _bucket()]
    findings += [_integration(name, names) for name, names in INTEGRATION_SETTINGS.items()]
    findings += [_whatsapp(), _apprise()]
    return findings


def _production() -> bool:
    return settings.STAGE == "prod"


def _secret_key() -> Finding:
    if settings.SECRET_KEY == settings.LOCAL_SECRET_KEY:
        return Finding("SECRET_KEY", not _production(), "the local default" + (" in prod" if _production() else ""))
    if len(settings.SECRET_KEY) < 32:
        return Finding("SECRET_KEY", False, "shorter than 32 characters")
    return Finding("SECRET_KEY", True, "set")


def _site_root() -> Finding:
    https = settings.SITE_ROOT.startswith("https://")
    return Finding("SITE_ROOT", https or not _production(), settings.SITE_ROOT + ("" if https else " (not https)"))


def _email_backend() -> Finding:
    name = f"EMAIL_BACKEND {settings.EMAIL_BACKEND}"
    backend = settings.EMAIL_BACKEND
    if backend == "ses":
        return _ses(name)
    if backend == "smtp":
        return _smtp(name)
    if backend in ("file", "console"):
        if _production():
            return Finding(name, False, "mail would not leave this machine in prod")
        if backend == "file":
            os.makedirs(settings.EMAIL_OUTBOX, exist_ok=True)
            return Finding(name, os.access(settings.EMAIL_OUTBOX, os.W_OK), settings.EMAIL_OUTBOX)
        return Finding(name, True)
    return Finding(name, False, "unknown backend (ses, smtp, file or console)")


def _ses(name: str) -> Finding:
    """The sender's address or its domain must be verified in SES."""
    sender = settings.DEFAULT_FROM_EMAIL
    identities = [sender, sender.rpartition("@")[2]]
    try:
        found = aws.client("ses").get_identity_verification_attributes(Identities=identities)
    except (BotoCoreError, ClientError) as e:
        return Finding(name, False, str(e))
    statuses = found["VerificationAttributes"]
    verified = any(statuses.get(i, {}).get("VerificationStatus") == "Success" for i in identities)
    return Finding(name, verified, f"{sender} {'verified' if verified else 'is not verified (nor its domain)'}")


def _smtp(name: str) -> Finding:
    if not settings.EMAIL_HOST:
        return Finding(name, False, "EMAIL_HOST is not set")
    try:
        with emails.smtp_connection() as smtp:
            smtp.noop()
    except (OSError, smtplib.SMTPException) as e:
        return Finding(name, False, f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}: {e}")
    return Finding(name, True, f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT} answers")


def _describe(table_name: str) -> dict | None:
    try:
        return aws.client("dynamodb").describe_table(TableName=table_name)["Table"]
    except aws.client("dynamodb").exceptions.ResourceNotFoundException:
        return None


def _table(model) -> Finding:
    """The table exists with every index the model queries and, where it has one, TTL on."""
    table_name = model.Meta.table_name
    name = f"table {table_name}"
    try:
        table = _describe(table_name)
    except (BotoCoreError, ClientError) as e:
        return Finding(name, False, str(e))
    if table is None:
        return Finding(name, False, "missing")
    wanted = {index.Meta.index_name for index in model._indexes.values()}
    present = {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}
    if wanted - present:
        return Finding(name, False, "missing index " + ", ".join(sorted(wanted - present)))
    ttl = model._ttl_attribute()
    if ttl is not None:
        described = aws.client("dynamodb").describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        if described.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or described.get("AttributeName") != ttl.attr_name:
            return Finding(name, False, f"TTL is not on for {ttl.attr_name}")
    return Finding(name, True, ", ".join(sorted(wanted)) or "no indexes")


def _flips_stream() -> Finding:
    name = "flips stream"
    try:
        table = _describe(Flip.Meta.table_name)
    except (BotoCoreError, ClientError) as e:
        return Finding(name, False, str(e))
    stream = (table or {}).get("StreamSpecification", {})
    return Finding(name, bool(stream.get("StreamEnabled")), stream.get("StreamViewType", "off"))


def _bucket() -> Finding:
    name = f"bucket {settings.S3_BUCKET}"
    try:
        aws.client("s3").head_bucket(Bucket=settings.S3_BUCKET)
    except (BotoCoreError, ClientError) as e:
        return Finding(name, False, str(e))
    return Finding(name, True, "exists")


def _integration(label: str, names: tuple[str, ...]) -> Finding:
    missing = [n for n in names if not getattr(settings, n)]
    if len(missing) == len(names):
        return Finding(label, True, "off")
    if missing:
        return Finding(label, False, f"{', '.join(missing)} missing, so it stays off")
    return Finding(label, True, "configured")


def _whatsapp() -> Finding:
    if not settings.TWILIO_USE_WHATSAPP:
        return Finding("WhatsApp", True, "off")
    needed = ("TWILIO_ACCOUNT", "TWILIO_AUTH", "TWILIO_FROM", "WHATSAPP_DOWN_CONTENT_SID", "WHATSAPP_UP_CONTENT_SID")
    missing = [n for n in needed if not getattr(settings, n)]
    return Finding("WhatsApp", not missing, f"{', '.join(missing)} missing" if missing else "configured")


def _apprise() -> Finding:
    if not settings.APPRISE_ENABLED:
        return Finding("Apprise", True, "off")
    installed = importlib.util.find_spec("apprise") is not None
    return Finding("Apprise", installed, "configured" if installed else "the apprise package is not installed")
