"""The dashboard's own request and response shapes, so pages never see Chalice."""
import json
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from chalicelib.store.models import Session, User

FORM_LIMIT = 1_000_000


class HttpError(Exception):
    """Stop a page with this status and a message the user can read."""

    def __init__(self, status: int, message: str = ""):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class WebRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    remote_addr: str | None  # the address per-IP limits count (ratelimit.client_address)
    now: datetime
    session: Session | None = None
    user: User | None = None
    csrf_token: str = ""
    _form: dict[str, list[str]] | None = field(default=None, repr=False)

    def arg(self, name: str, default: str = "") -> str:
        """The first query-string value of `name`."""
        return (self.query.get(name) or [default])[0]

    def args(self, name: str) -> list[str]:
        return self.query.get(name, [])

    @property
    def form(self) -> dict[str, list[str]]:
        """The url-encoded POST body; a body too large or not UTF-8 is a 400."""
        if self._form is None:
            if len(self.body) > FORM_LIMIT:
                raise HttpError(413, "The form is too large.")
            try:
                text = self.body.decode()
            except UnicodeDecodeError:
                raise HttpError(400, "The form is not UTF-8.") from None
            self._form = parse_qs(text, keep_blank_values=True)
        return self._form

    def field(self, name: str, default: str = "") -> str:
        """The first form value of `name`."""
        return (self.form.get(name) or [default])[0]

    def fields(self, name: str) -> list[str]:
        return self.form.get(name, [])

    @property
    def cookies(self) -> dict[str, str]:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is the browser's problem, not a 500
            return {}
        return {name: morsel.value for name, morsel in jar.items()}

    @property
    def is_xhr(self) -> bool:
        return self.headers.get("x-requested-with") == "XMLHttpRequest"

    @property
    def full_path(self) -> str:
        """The path with its query string, for ?next= links back here."""
        from urllib.parse import urlencode

        query = urlencode([(k, v) for k, values in self.query.items() for v in values])
        return self.path + ("?" + query if query else "")


@dataclass
class WebResponse:
    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values

    def all_headers(self) -> dict:
        """Headers for the framework: several Set-Cookie values as a list."""
        result = {"Content-Type": self.content_type, **self.headers}
        if self.cookies:
            result["Set-Cookie"] = self.cookies
        return result


def redirect(location: str, status: int = 302) -> WebResponse:
    return WebResponse(status=status, headers={"Location": location})


def json_response(value, status: int = 200) -> WebResponse:
    return WebResponse(status=status, body=json.dumps(value), content_type="application/json")


def text_response(text: str, status: int = 200) -> WebResponse:
    return WebResponse(status=status, body=text, content_type="text/plain; charset=utf-8")


def is_safe_next(url: str) -> bool:
    """A ?next= target we may redirect to: a path on this site, never another host."""
    # Browsers drop tabs and line breaks inside URLs, so "/\t/evil.example" would become "//evil.example".
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return False
    return url.startswith("/") and not url.startswith("//") and "\\" not in url
