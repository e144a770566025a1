"""Operations commands: `python -m chalicelib.ops.cli <command>`.

Talks to the local stack (`make run`) unless AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_DYNAMODB is
set; set AWS_ENDPOINT_URL to an empty value to use real AWS.
"""
import argparse
import json
import os
import sys

from chalicelib import settings


def use_local_stack_unless_told() -> None:
    if any(name.startswith("AWS_ENDPOINT_URL") for name in os.environ):
        return
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{settings.LOCAL_MOTO_PORT}"
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{settings.LOCAL_DYNAMODB_PORT}"
    os.environ["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{settings.LOCAL_S3_PORT}"
    for name, value in [
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ]:
        os.environ.setdefault(name, value)


LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def ensure_region() -> None:
    """With no region (AWS_DEFAULT_REGION or the profile's) and endpoints all on this machine: us-east-1,
    and dummy keys when none are set; otherwise an exit naming AWS_DEFAULT_REGION, not NoRegionError."""
    import botocore.session
    from urllib.parse import urlsplit

    endpoints = [value for name, value in os.environ.items() if name.startswith("AWS_ENDPOINT_URL")]
    local = bool(endpoints) and all(value and urlsplit(value).hostname in LOCAL_HOSTS for value in endpoints)
    if local and "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_PROFILE" not in os.environ:
        os.environ.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")  # emulators take any
    if botocore.session.get_session().get_config_variable("region"):
        return
    if local:
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"  # what the local stack and LocalStack use
        return
    where = ", ".join(sorted({value or "AWS" for value in endpoints})) or "AWS"
    raise SystemExit(f"No AWS region for {where}: set AWS_DEFAULT_REGION (e.g. AWS_DEFAULT_REGION=us-east-1).")


def createproject(args) -> dict:
    """A project with its keys; the keys are printed in clear this once."""
    from chalicelib.accounts import projects

    new = projects.create_project(args.name)
    return {
        "project": new.project.code,
        "api_key": new.api_key,
        "api_key_readonly": new.api_key_readonly,
        "ping_key": new.project.ping_key,
    }


def sendreport(args) -> dict:
    """Mail one user's report now, whatever their schedule (which stays as it is)."""
    from datetime import datetime, timezone

    from chalicelib.accounts import users
    from chalicelib.alerts import reports

    user = users.find_by_email(args.email)
    if user is None:
        raise SystemExit(f"No user with the email address {args.email}")
    reports.send_report(user, datetime.now(timezone.utc), force=True)
    return {"sent": user.email, "period": user.reports}


def createsuperuser(args) -> dict:
    """A superuser; the password comes from SUPERUSER_PASSWORD or, at a terminal, a prompt."""
    from chalicelib.ops import accounts

    user = accounts.create_superuser(args.email, _superuser_password(), _now())
    return {"superuser": user.email, "id": user.id}


def superuser_flag(args) -> dict:
    """Grant an existing account the admin area (/admin/), or take it away with --revoke."""
    from chalicelib.ops import accounts

    changed = accounts.set_superuser(args.email, not args.revoke, _now())
    return {"user": args.email.strip().lower(), "superuser": not args.revoke, "changed": changed}


def _superuser_password() -> str:
    password = os.environ.get("SUPERUSER_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("Set SUPERUSER_PASSWORD, or run at a terminal to be asked for the password")
    import getpass

    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise SystemExit("The passwords do not match")
    return password


def pruneusers(args) -> dict:
    """Close the accounts the seed's rules call unused; --dry-run only lists them."""
    from chalicelib.ops import accounts

    pruned = accounts.prune_users(_now(), dry_run=args.dry_run)
    return {"dry_run": args.dry_run, "users": [{"email": p.email, "reason": p.reason} for p in pruned]}


def pruneobjects(args) -> dict:
    """Delete S3 bodies of deleted checks and of pings pruned from the log."""
    from chalicelib.ops import objects

    result = objects.prune_objects(_now(), dry_run=args.dry_run)
    return {"dry_run": args.dry_run, "gone_checks": result.gone_checks, "objects": len(result.keys)}


def exportproject(args) -> dict | None:
    """Print (or write to --file) the project's checks as JSON."""
    from chalicelib.ops import project_file

    exported = project_file.export_checks(project_file.find_project(args.project), _now())
    if not args.file:
        return exported
    with open(args.file, "w") as f:
        json.dump(exported, f, indent=2)
    return {"project": args.project, "checks": len(exported["checks"]), "file": args.file}


def importproject(args) -> dict:
    """Create or update the project's checks from an export file."""
    from chalicelib.ops import project_file

    project = project_file.find_project(args.project)
    try:
        with open(args.file) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise SystemExit(f"Cannot read {args.file}: {e}") from None
    return {"project": project.code, **project_file.import_checks(project, data, _now())}


def doctor(args) -> None:
    """Print an OK or FAIL line per check of the configuration and the AWS resources."""
    from chalicelib.ops import doctor as checkup

    findings = checkup.diagnose()
    for finding in findings:
        print(finding.line())
    if not all(finding.ok for finding in findings):
        raise SystemExit(1)


def submitchallenge(args) -> dict:
    """Hand signal-cli the solved CAPTCHA for Signal's rate-limit challenge (as the /signal_captcha/ page)."""
    from chalicelib.integrations.kinds import signal
    from chalicelib.lib.errors import TransportError

    if not signal.enabled():
        raise SystemExit("SIGNAL_CLI_SOCKET is not set")
    try:
        result = signal.submit_challenge(args.challenge, args.captcha)
    except (ValueError, TransportError) as e:
        raise SystemExit(f"Not submitted: {e}") from None
    return {"submitted": True, "challenge": args.challenge.strip(), "result": result}


def settelegramwebhook(args) -> dict:
    """Register <SITE_ROOT>/integrations/telegram/bot/ as the Telegram bot's webhook, with its secret."""
    from chalicelib.integrations.kinds import telegram
    from chalicelib.lib.errors import TransportError
    from chalicelib.web.pages import integration_flows

    url = settings.SITE_ROOT + integration_flows.pages.url(integration_flows.telegram_bot)
    try:
        answer = telegram.set_webhook(url)
    except (ValueError, TransportError) as e:
        raise SystemExit(f"Webhook not set: {e}") from None
    return {"webhook": url, "telegram": answer}


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.ops.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("createproject", help="create a project and print its keys as JSON")
    create.add_argument("--name", required=True)
    create.set_defaults(run=createproject)
    report = commands.add_parser("sendreport", help="email a user's report now")
    report.add_argument("--email", required=True)
    report.set_defaults(run=sendreport)
    superuser = commands.add_parser("createsuperuser", help="create a superuser (password: SUPERUSER_PASSWORD or a prompt)")
    superuser.add_argument("--email", required=True)
    superuser.set_defaults(run=createsuperuser)
    grant = commands.add_parser("superuser", help="make an existing user a superuser (the admin area), or --revoke")
    grant.add_argument("email")
    grant.add_argument("--revoke", action="store_true", help="take the superuser flag away")
    grant.set_defaults(run=superuser_flag)
    for name, run, text in [
        ("pruneusers", pruneusers, "close accounts never used, or unused for 6 months with no checks"),
        ("pruneobjects", pruneobjects, "delete S3 bodies of deleted checks and pruned pings"),
    ]:
        prune = commands.add_parser(name, help=text)
        prune.add_argument("--dry-run", action="store_true", help="list what would go, delete nothing")
        prune.set_defaults(run=run)
    export = commands.add_parser("exportproject", help="print a project's checks as JSON")
    export.add_argument("--project", required=True, help="the project's code")
    export.add_argument("--file", help="write here instead of printing")
    export.set_defaults(run=exportproject)
    load = commands.add_parser("importproject", help="create or update a project's checks from an export")
    load.add_argument("--project", required=True, help="the project's code")
    load.add_argument("--file", required=True)
    load.set_defaults(run=importproject)
    commands.add_parser("doctor", help="check the configuration, tables and bucket").set_defaults(run=doctor)
    challenge = commands.add_parser(
        "submitchallenge", aliases=["signal-captcha"], help="submit a solved CAPTCHA for Signal's rate-limit challenge"
    )
    challenge.add_argument("challenge", help="the challenge token of the refused send")
    challenge.add_argument("captcha", help="the solved CAPTCHA (signalcaptcha://...)")
    challenge.set_defaults(run=submitchallenge)
    commands.add_parser(
        "settelegramwebhook", help="register the Telegram bot's webhook with TELEGRAM_WEBHOOK_SECRET"
    ).set_defaults(run=settelegramwebhook)

    args = parser.parse_args(argv)
    use_local_stack_unless_told()
    ensure_region()
    from chalicelib.ops import OpsError

    try:
        result = args.run(args)
    except OpsError as e:
        raise SystemExit(str(e)) from None
    if result is not None:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
