"""SECRET_KEY: from the environment, else from its SSM SecureString parameter, read on first use."""
import os
import subprocess
import sys

import boto3

from chalicelib import settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_secret_key_comes_from_its_ssm_parameter_when_the_environment_has_none(aws, monkeypatch):
    boto3.client("ssm").put_parameter(Name="/hc-test/secret-key", Value="from the parameter", Type="SecureString")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(settings, "SECRET_KEY_PARAMETER", "/hc-test/secret-key")
    assert settings._secret_key() == "from the parameter"


def test_secret_key_in_the_environment_wins_over_the_parameter(aws, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from the environment")
    monkeypatch.setattr(settings, "SECRET_KEY_PARAMETER", "/hc-test/missing")
    assert settings._secret_key() == "from the environment"


def test_without_either_the_local_default_is_used(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(settings, "SECRET_KEY_PARAMETER", "")
    assert settings._secret_key() == settings.LOCAL_SECRET_KEY


def test_the_ping_function_never_reads_the_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(SECRET_KEY_PARAMETER="/hc-test/secret-key", AWS_ENDPOINT_URL="http://127.0.0.1:9")  # nothing answers
    code = "import ping_app; from chalicelib import settings; print('SECRET_KEY' in vars(settings))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
