"""A cookie-keeping client for dashboard tests on Chalice's test client: sessions, CSRF, forms."""
from datetime import datetime, timezone
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from chalicelib.web import sessions

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class WebClient:
    def __init__(self, http):
        self.http = http
        self.cookies: dict[str, str] = {"csrftoken": "test-csrf-token"}

    def login(self, user) -> "WebClient":
        """Act as `user` from now on (a session made as the login page makes it)."""
        _, key = sessions.create(user, datetime.now(timezone.utc))
        self.cookies[sessions.SESSION_COOKIE] = key
        return self

    def logout(self) -> "WebClient":
        self.cookies.pop(sessions.SESSION_COOKIE, None)
        return self

    def get(self, path: str, query: dict | None = None, headers: dict | None = None):
        return self.request("GET", path + ("?" + urlencode(query, doseq=True) if query else ""), headers=headers)

    def post(self, path: str, data: dict | None = None, csrf: str | None = None, headers: dict | None = None):
        """POST a form, with the CSRF token unless csrf says otherwise ("" sends none)."""
        fields = dict(data or {})
        token = self.cookies["csrftoken"] if csrf is None else csrf
        if token:
            fields["csrf_token"] = token
        body = urlencode(fields, doseq=True)
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, body=body, headers={**content, **(headers or {})})

    def xhr(self, method: str, path: str, data: dict | None = None):
        """A fetch() from the page's script: X-Requested-With and the X-CSRFToken header."""
        headers = {"X-Requested-With": "XMLHttpRequest", "X-CSRFToken": self.cookies["csrftoken"]}
        if method == "GET":
            return self.get(path, headers=headers)
        return self.post(path, data, csrf="", headers=headers)

    def request(self, method: str, path: str, body: str = "", headers: dict | None = None):
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        # A browser's Accept header: Chalice answers a binary body (a download) only when it allows one.
        sent = {"Cookie": cookie, "Accept": BROWSER_ACCEPT, **(headers or {})}
        response = self.http.request(method, path, body=body.encode(), headers=sent)
        self._remember(response.headers.get("Set-Cookie") or response.headers.get("set-cookie"))
        return response

    def _remember(self, set_cookie) -> None:
        for value in set_cookie if isinstance(set_cookie, list) else [set_cookie] if set_cookie else []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
