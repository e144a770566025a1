"""GitHub Issues: an issue in a chosen repository when a check goes down, posted as the GitHub App."""
import base64
import json
import re
import time

from chalicelib import settings
from chalicelib.integrations import forms, http, markdown, oauth, text
from chalicelib.integrations.base import Notice, TransportError
from chalicelib.store.models import Channel

KIND = "github"
LABEL = "GitHub Issues"
REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
TITLE_MAX = 256
BODY_MAX = 65536  # GitHub's limit on an issue body
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


def enabled() -> bool:
    return bool(settings.GITHUB_CLIENT_ID and settings.GITHUB_CLIENT_SECRET and settings.GITHUB_PRIVATE_KEY)


def validate(value: dict) -> str:
    """{"installation_id": int, "repo": "owner/name", "labels": [..]} (labels may be comma-separated)."""
    try:
        installation_id = int(value.get("installation_id"))
    except (TypeError, ValueError):
        raise ValueError("installation_id: must be a number") from None
    repo = forms.text(value, "repo", 200)
    if not REPO.match(repo):
        raise ValueError("repo: must be owner/name")
    labels = value.get("labels") or []
    if isinstance(labels, str):
        labels = labels.split(",")
    labels = [str(label).strip() for label in labels if str(label).strip()]
    if any(len(label) > 50 for label in labels):
        raise ValueError("labels: at most 50 characters each")
    return json.dumps({"installation_id": installation_id, "repo": repo, "labels": labels})


def is_noop(channel: Channel, status: str) -> bool:
    return status != "down"


def send(channel: Channel, notice: Notice) -> None:
    stored = forms.stored(channel)
    token = installation_token(stored["installation_id"])
    http.request(
        "POST", f"{settings.GITHUB_API_URL}/repos/{stored['repo']}/issues",
        headers={**HEADERS, "Authorization": f"Bearer {token}"},
        json={
            "title": text.clip(text.title(notice), TITLE_MAX),
            "body": text.clip(markdown.message(notice), BODY_MAX),
            "labels": stored["labels"],
        },
        explain=_explain,
    )


def _explain(response) -> TransportError:
    # 410: issues are turned off in the repository.
    return http.status_error(response.status_code, disable=response.status_code == 410)


def installation_token(installation_id: int) -> str:
    """A short-lived token to act in the repositories of one installation of the app."""
    response = http.request(
        "POST", f"{settings.GITHUB_API_URL}/app/installations/{int(installation_id)}/access_tokens",
        headers={**HEADERS, "Authorization": f"Bearer {app_jwt()}"},
    )
    try:
        return response.json()["token"]
    except (ValueError, KeyError, TypeError):
        raise TransportError("GitHub returned no installation token", transient=True) from None


def app_jwt(now: float | None = None) -> str:
    """The app's own credential: a JWT signed (RS256) with GITHUB_PRIVATE_KEY, valid 9 minutes."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    issued = int(now if now is not None else time.time()) - 60  # GitHub allows for clock drift
    header = _b64({"alg": "RS256", "typ": "JWT"})
    claims = _b64({"iat": issued, "exp": issued + 600, "iss": settings.GITHUB_CLIENT_ID})
    key = serialization.load_pem_private_key(settings.GITHUB_PRIVATE_KEY.encode(), password=None)
    signature = key.sign(f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{claims}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(document: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(document, separators=(",", ":")).encode()).rstrip(b"=").decode()


def authorize_url(state: str, redirect_uri: str) -> str:
    return oauth.authorize_url(
        f"{settings.GITHUB_URL}/login/oauth/authorize",
        client_id=settings.GITHUB_CLIENT_ID, state=state, redirect_uri=redirect_uri,
    )


def install_url() -> str:
    """Where a user installs the app on an account, when the app has no installation yet."""
    return f"{settings.GITHUB_PUBLIC_LINK.rstrip('/')}/installations/new"


def complete(code: str) -> dict[str, int]:
    """Exchange the code; the repositories the user can pick, each with its installation id."""
    _, answer = oauth.exchange(f"{settings.GITHUB_URL}/login/oauth/access_token", {
        "client_id": settings.GITHUB_CLIENT_ID, "client_secret": settings.GITHUB_CLIENT_SECRET, "code": code,
    })
    if not answer.get("access_token"):
        raise oauth.FlowError(f"GitHub did not authorize: {answer.get('error_description') or answer.get('error')}")
    auth = {**HEADERS, "Authorization": f"Bearer {answer['access_token']}"}
    repos = {}
    for installation in _get(f"{settings.GITHUB_API_URL}/user/installations", auth).get("installations", []):
        url = f"{settings.GITHUB_API_URL}/user/installations/{int(installation['id'])}/repositories?per_page=100"
        for repo in _get(url, auth).get("repositories", []):
            repos[repo["full_name"]] = int(installation["id"])
    return repos


def _get(url: str, headers: dict) -> dict:
    status, answer = oauth.call("GET", url, headers=headers)
    if status != 200 or not isinstance(answer, dict):
        raise oauth.FlowError(f"GitHub answered with status {status}")
    return answer
