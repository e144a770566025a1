"""`python -m chalicelib.local run [--aws moto|localstack] [--port N] [--ddb-port N] [--s3-port N]
[--moto-port N] [--localstack-port N] [--smtp-port N] [--data-dir DIR]`,
and `python -m chalicelib.local smtpd [--port N]` (the email-ping listener alone)."""
import argparse
import sys

from chalicelib.local import runner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m chalicelib.local",
        description="The local stack: DynamoDB Local, s3rver, moto and app.py on one machine, no AWS account.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run",
        help="start everything and serve the app until Ctrl-C",
        description="Start DynamoDB Local, s3rver (S3), moto (SES, SNS, ...), the timers and app.py until Ctrl-C "
        "(with --aws localstack, LocalStack instead of s3rver and moto). "
        "A service whose AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 is already set "
        "is not started: that endpoint is used instead (AWS_ENDPOINT_URL covers S3 too).",
    )
    run.add_argument("--port", type=int, help="the app's HTTP port (default: $PORT, else 8000)")
    run.add_argument("--host", default=runner.LOCAL_HOST, help="the app's bind address (default: %(default)s)")
    run.add_argument("--ddb-port", type=int, help="DynamoDB Local's port (default: $LOCAL_DYNAMODB_PORT, else 8001)")
    run.add_argument("--s3-port", type=int, help="s3rver's port (default: $LOCAL_S3_PORT, else 4568)")
    run.add_argument("--moto-port", type=int, help="moto's port (default: $LOCAL_MOTO_PORT, else 5055)")
    run.add_argument(
        "--aws", choices=["moto", "localstack"], default="moto",
        help="what serves S3, SES, SNS, ...: moto and s3rver, or LocalStack from .localstack-venv "
        "(`make localstack`) (default: %(default)s)",
    )  # fmt: skip
    run.add_argument(
        "--localstack-port", type=int, help="LocalStack's port (default: $LOCAL_LOCALSTACK_PORT, else 4566)"
    )
    run.add_argument("--smtp-port", type=int, help="the email-ping SMTP port (default: $LOCAL_SMTP_PORT, else 2525)")
    run.add_argument("--data-dir", help="where the data lives (default: $HC_DATA_DIR, else .data/ at the repo root)")
    run.add_argument("--stage", default="dev", help="the .chalice/config.json stage (default: %(default)s)")
    smtpd = commands.add_parser(
        "smtpd",
        help="run only the SMTP listener for email pings",
        description="Receive email pings over SMTP and record them in the running local stack "
        "(or where AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB point) until Ctrl-C.",
    )
    smtpd.add_argument("--port", type=int, help="the SMTP port (default: $LOCAL_SMTP_PORT, else 2525)")
    smtpd.add_argument("--host", default=runner.LOCAL_HOST, help="the bind address (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.command == "smtpd":
        return runner.run_smtpd(args.host, args.port)
    options = runner.Options(
        port=args.port,
        host=args.host,
        ddb_port=args.ddb_port,
        moto_port=args.moto_port,
        s3_port=args.s3_port,
        localstack_port=args.localstack_port,
        aws=args.aws,
        smtp_port=args.smtp_port,
        data_dir=args.data_dir,
        stage=args.stage,
    )
    return runner.run(options)


if __name__ == "__main__":
    sys.exit(main())
