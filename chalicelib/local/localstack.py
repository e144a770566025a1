"""LocalStack (the product) in place of moto and s3rver: S3, SES, SNS, SQS and EventBridge.

It runs as a child process (child.py) from its own virtual environment, `.localstack-venv`
(`make localstack` builds it from requirements-localstack.txt), so its pins never touch the
project's. Its files go below `<data dir>/localstack/`; the community edition keeps no state
across restarts (persistence is LocalStack Pro's), so S3 bodies, topics and queues start empty.
DynamoDB stays on DynamoDB Local: LocalStack's would download Java and a jar at run time.
"""
import json
import os
import shutil
import urllib.request
from pathlib import Path

from chalicelib.local.child import ChildServer, pids_serving
from chalicelib.local.environment import LOCAL_HOST, REPO_ROOT, StackError

VENV = REPO_ROOT / ".localstack-venv"
SERVICES = ("s3", "ses", "sns", "sqs", "events")
ENTRY = "localstack.runtime.main"
STATIC_LIBS = Path("usr", "lib", "localstack")  # below FILESYSTEM_ROOT


def python(venv: Path = VENV) -> Path:
    """The venv's interpreter; StackError naming `make localstack` when it is not installed."""
    interpreter = venv / "bin" / "python"
    if not (venv / ".installed").is_file() or not interpreter.is_file():
        raise StackError(f"LocalStack is not installed in {venv}: run `make localstack` (about 2 minutes, once).")
    return interpreter


class LocalStack(ChildServer):
    name = "LocalStack"
    ready_timeout = 60.0

    def __init__(self, data_dir: Path, port: int, venv: Path = VENV):
        self.port = port
        self.venv = venv
        self.root = data_dir / "localstack"
        super().__init__(f"http://{LOCAL_HOST}:{port}", data_dir / "localstack.log", cwd=self.root)

    def command(self) -> list[str]:
        interpreter = python(self.venv)
        # The service catalog `make localstack` built, where LocalStack's image keeps it: else
        # the first request waits while it is built (5-15 s on 2 cores) in each new data folder.
        static = self.root / STATIC_LIBS
        static.mkdir(parents=True, exist_ok=True)
        for built in (self.venv / "filesystem" / STATIC_LIBS).glob("service-catalog-*.dill"):
            if not (static / built.name).is_file():
                shutil.copyfile(built, static / built.name)
        # The folder is a spare argument (the runtime reads none) that localstack_pids() finds.
        return [str(interpreter), "-m", ENTRY, str(self.root)]

    def environment(self) -> dict:
        address = f"{LOCAL_HOST}:{self.port}"
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")},
            "GATEWAY_LISTEN": address,
            "LOCALSTACK_HOST": address,  # the host in the URLs it returns (queue URLs), no DNS needed
            "SERVICES": ",".join(SERVICES),
            "FILESYSTEM_ROOT": str(self.root),  # host mode: its cache, tmp and state folders
            "OVERRIDE_IN_DOCKER": "0",  # else a container's /var/lib/localstack, outside the data folder
            "DISABLE_EVENTS": "1",  # no analytics
            "LS_LOG": "warn",  # not a line per request
            "SKIP_SSL_CERT_DOWNLOAD": "1",  # a self-signed certificate, nothing fetched
            "DNS_ADDRESS": "0",  # no DNS server of its own
            "SQS_ENDPOINT_STRATEGY": "path",
        }

    def answers(self) -> bool:
        return services_available(self.url)


def services_available(url: str) -> bool:
    """Whether /_localstack/health reports each of SERVICES available or running."""
    with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as answer:
        states = json.load(answer).get("services", {})
    return all(states.get(name) in ("available", "running") for name in SERVICES)


def localstack_pids(data_dir) -> list[int]:
    """LocalStack processes serving this data folder (so only ones started on it)."""
    return pids_serving(data_dir, ENTRY.encode())
