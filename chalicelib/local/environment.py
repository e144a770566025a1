"""Where things go: the data folder, the ports, and the AWS variables for this process.

Everything here runs before chalicelib.settings is imported, because settings reads the
environment once (SITE_ROOT, STAGE, ...).
"""
import errno
import os
import socket
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = REPO_ROOT / ".data"
LOCAL_HOST = "127.0.0.1"

# Dummy credentials: DynamoDB Local runs with -sharedDb; moto and our s3rver accept anything.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class StackError(Exception):
    """A startup problem to report in one clear message (no traceback) and exit 1."""


def data_dir(cli_value: str | None) -> Path:
    """--data-dir, else HC_DATA_DIR, else .data/ at the repo root; absolute, created."""
    path = Path(cli_value or os.environ.get("HC_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StackError(f"Cannot create the data folder {path}: {exc}") from exc
    return path


def http_port(cli_value: int | None) -> int:
    """--port, else PORT, else 8000."""
    if cli_value is not None:
        return cli_value
    raw = os.environ.get("PORT") or "8000"
    try:
        return int(raw)
    except ValueError:
        raise StackError(f"PORT={raw!r} is not a port number") from None


@dataclass
class Endpoints:
    """Which local servers to start: a service is ours unless the user exported its endpoint."""

    start_moto: bool
    start_dynamodb: bool
    # s3rver, unless S3 has an exported endpoint of its own or through AWS_ENDPOINT_URL.
    start_s3: bool
    # LocalStack in place of moto and s3rver (`--aws localstack`), unless AWS_ENDPOINT_URL is exported.
    start_localstack: bool = False


def user_endpoints(aws: str = "moto") -> Endpoints:
    """Read before anything is set. An exported variable, even empty (= real AWS), wins."""
    ours = "AWS_ENDPOINT_URL" not in os.environ
    localstack = aws == "localstack"
    return Endpoints(
        start_moto=ours and not localstack,
        start_dynamodb="AWS_ENDPOINT_URL_DYNAMODB" not in os.environ,
        start_s3=ours and not localstack and "AWS_ENDPOINT_URL_S3" not in os.environ,
        start_localstack=ours and localstack,
    )


def set_aws_environment(moto_url: str | None, dynamodb_url: str | None, s3_url: str | None = None) -> None:
    """Point this process (and its children) at the local servers; respect what was exported."""
    if moto_url:
        os.environ.setdefault("AWS_ENDPOINT_URL", moto_url)
    if dynamodb_url:
        os.environ.setdefault("AWS_ENDPOINT_URL_DYNAMODB", dynamodb_url)
    if s3_url:
        os.environ.setdefault("AWS_ENDPOINT_URL_S3", s3_url)
    # An endpoint exported empty means real AWS: dummy keys would shadow the user's profile.
    uses_real_aws = any(
        name.startswith("AWS_ENDPOINT_URL") and not value for name, value in os.environ.items()
    )
    for name, value in DUMMY_CREDENTIALS.items():
        if name == "AWS_DEFAULT_REGION" or not uses_real_aws:
            os.environ.setdefault(name, value)


def check_port_free(port: int, what: str, flag: str, host: str = LOCAL_HOST, any_interface: bool = False) -> None:
    """Fail clearly when something already listens on the port; never pick another one.

    SO_REUSEADDR so that sockets of a stack stopped a moment ago (TIME_WAIT) don't count.
    any_interface: the server binds 0.0.0.0 (DynamoDB Local has no bind-address option).
    """
    hosts = ["0.0.0.0", host] if any_interface else [host]
    for bind_host in hosts:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((bind_host, port))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise StackError(
                        f"Port {port} is busy: it is needed for {what}. Stop whatever listens there "
                        f"or choose another port with {flag}."
                    ) from None
                raise StackError(f"Cannot use port {port} for {what} ({flag}): {exc}") from None
