"""Operations commands: `python -m chalicelib.cli <command>`.

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
    for name, value in [
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ]:
        os.environ.setdefault(name, value)


def createproject(args) -> dict:
    """A project with its keys; the keys are printed in clear this once."""
    from chalicelib import projects

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

    from chalicelib import reports
    from chalicelib.accounts import users

    user = users.find_by_email(args.email)
    if user is None:
        raise SystemExit(f"No user with the email address {args.email}")
    reports.send_report(user, datetime.now(timezone.utc), force=True)
    return {"sent": user.email, "period": user.reports}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("createproject", help="create a project and print its keys as JSON")
    create.add_argument("--name", required=True)
    create.set_defaults(run=createproject)
    report = commands.add_parser("sendreport", help="email a user's report now")
    report.add_argument("--email", required=True)
    report.set_defaults(run=sendreport)

    args = parser.parse_args(argv)
    use_local_stack_unless_told()
    print(json.dumps(args.run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
