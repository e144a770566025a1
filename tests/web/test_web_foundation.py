"""What every dashboard page shares: sessions, login, CSRF, roles, escaping, static files."""
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from chalicelib import settings
from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.lib import ratelimit
from chalicelib.store.models import Session
from chalicelib.web import access, dispatch, render, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, is_safe_next, text_response

REAL_NOW = datetime.now(timezone.utc)


def request(method="GET", path="/here/", cookies=None, body=b"", headers=None, now=REAL_NOW):
    cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
    return WebRequest(method, path, {"a": ["1"]}, {"cookie": cookie, **(headers or {})}, body, "10.0.0.1", now)


def hello(request):
    return text_response(f"hello {request.user.email}")


@pytest.fixture
def session_key(user):
    return sessions.create(user, REAL_NOW)[1]


def test_anonymous_get_is_sent_to_login_with_next(aws):
    response = dispatch.handle(hello, request())
    assert response.status == 302
    assert response.headers["Location"] == "/accounts/login/?next=/here/%3Fa%3D1"


def test_anonymous_post_is_refused(aws):
    assert dispatch.handle(hello, request("POST")).status == 403


def test_page_without_login_runs_for_anonymous(aws):
    response = dispatch.handle(lambda r: text_response("open"), request(), login=False)
    assert (response.status, response.body) == (200, "open")


def test_session_cookie_identifies_the_user(session_key):
    response = dispatch.handle(hello, request(cookies={"sessionid": session_key}))
    assert response.body == "hello alice@example.org"


def test_expired_session_is_anonymous(session_key):
    later = REAL_NOW + sessions.AGE + timedelta(seconds=1)
    assert dispatch.handle(hello, request(cookies={"sessionid": session_key}, now=later)).status == 302


def test_post_without_csrf_token_is_refused(session_key):
    response = dispatch.handle(hello, request("POST", cookies={"sessionid": session_key, "csrftoken": "t"}))
    assert response.status == 403
    assert "expired" in response.body


def test_post_with_forged_csrf_token_is_refused(session_key):
    cookies = {"sessionid": session_key, "csrftoken": "right"}
    assert dispatch.handle(hello, request("POST", cookies=cookies, body=b"csrf_token=wrong")).status == 403


def test_post_with_csrf_field_matching_cookie_runs(session_key):
    cookies = {"sessionid": session_key, "csrftoken": "right"}
    assert dispatch.handle(hello, request("POST", cookies=cookies, body=b"csrf_token=right")).status == 200


def test_xhr_post_may_send_csrf_in_header(session_key):
    cookies = {"sessionid": session_key, "csrftoken": "right"}
    response = dispatch.handle(hello, request("POST", cookies=cookies, headers={"x-csrftoken": "right"}))
    assert response.status == 200


def test_first_visit_gets_a_csrf_cookie(aws):
    def form(request):
        return text_response(sessions.csrf_token(request))

    response = dispatch.handle(form, request(), login=False)
    assert any(c.startswith(f"csrftoken={response.body};") for c in response.cookies)


def test_session_cookie_is_http_only_and_same_site(user, monkeypatch):
    monkeypatch.setattr("chalicelib.settings.SITE_ROOT", "https://hc.example.org")
    response = WebResponse()
    sessions.start(user, request(), response)
    [cookie] = [c for c in response.cookies if c.startswith("sessionid=")]
    assert {"HttpOnly", "SameSite=Lax", "Secure"} <= set(cookie.split("; "))


def test_login_rotates_the_csrf_token(user):
    response = WebResponse()
    sessions.start(user, request(cookies={"csrftoken": "old"}), response)
    [cookie] = [c for c in response.cookies if c.startswith("csrftoken=")]
    assert not cookie.startswith("csrftoken=old;")


def test_logout_deletes_the_session(session_key):
    signed_in = request(cookies={"sessionid": session_key})
    signed_in.session, signed_in.user = sessions.load(signed_in)
    response = WebResponse()
    sessions.end(signed_in, response)
    assert sessions.load(request(cookies={"sessionid": session_key})) == (None, None)
    assert "sessionid=; Path=/; Max-Age=0" in response.cookies[0]


def test_end_all_deletes_every_session_of_the_user(user, session_key):
    sessions.create(user, REAL_NOW)
    sessions.end_all(user.id)
    assert list(Session.by_user.query(user.id)) == []


def test_http_error_becomes_an_error_page(session_key):
    def missing(request):
        raise HttpError(404, "No such check.")

    response = dispatch.handle(missing, request(cookies={"sessionid": session_key}))
    assert response.status == 404
    assert "No such check." in response.body


def test_every_page_sends_security_headers(aws):
    response = dispatch.handle(hello, request())
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_may_reach_the_ping_endpoints_origin(aws):
    # "Ping now!" posts to the ping URL, which may be on a domain of its own.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(settings.PING_ENDPOINT))
    policy = dispatch.handle(hello, request()).headers["Content-Security-Policy"]
    assert f"connect-src 'self' {origin};" in policy


def test_templates_escape_user_text(aws):
    html = render.environment().from_string("<p>{{ name }}</p>").render(name="<script>alert(1)</script>")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


# -- roles ---------------------------------------------------------------------------------------

ROLE_TABLE = [
    # role, need, allowed
    ("r", "read", True), ("r", "write", False),
    ("w", "write", True), ("w", "manage", False),
    ("m", "manage", True), ("m", "owner", False),
    ("owner", "owner", True),
]  # fmt: skip


@pytest.mark.parametrize("role, need, allowed", ROLE_TABLE)
def test_role_allows_what_the_reference_says(project, make_member, role, need, allowed, user):
    person = user if role == "owner" else make_member(role)
    if allowed:
        assert access.project_for(person, project.code, need)[1] == role
    else:
        with pytest.raises(HttpError) as e:
            access.project_for(person, project.code, need)
        assert e.value.status == 403


def test_project_of_someone_else_is_not_found(project, make_member, now):
    other = projects.create_project("Other", now).project
    with pytest.raises(HttpError) as e:
        access.project_for(make_member("w"), other.code)
    assert e.value.status == 404


def test_check_of_another_project_is_not_found(user, now):
    other = projects.create_project("Other", now).project
    foreign = checks.create_check(other, now, name="Theirs")
    with pytest.raises(HttpError) as e:
        access.check_for(user, foreign.code)
    assert e.value.status == 404


def test_malformed_check_code_is_not_found(user):
    with pytest.raises(HttpError) as e:
        access.check_for(user, "not-a-uuid")
    assert e.value.status == 404


def test_superuser_may_do_anything_anywhere(aws, now):
    from chalicelib.accounts import users

    root = users.create_user("root@example.org", now, is_superuser=True)
    other = projects.create_project("Other", now).project
    assert access.project_for(root, other.code, "owner")[1] == "owner"


def test_memberships_list_every_project_of_the_user(user, now):
    second = projects.create_project("Second", now, owner=user.id).project
    assert {m.project for m in access.memberships(user)} >= {second.code}
    assert len(access.memberships(user)) == 2


# -- redirects and static files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, safe",
    [("/projects/x/checks/", True), ("//evil.example/", False), ("https://evil.example/", False),
     ("/\\evil.example", False), ("javascript:alert(1)", False), ("", False)],
)  # fmt: skip
def test_next_must_stay_on_this_site(url, safe):
    assert is_safe_next(url) is safe


def test_static_file_is_served_for_long_caching(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "immutable" in response.headers["Cache-Control"]


@pytest.mark.parametrize("name", ["..%2Fapp.py", ".hidden.css", "missing.css", "app.py"])
def test_static_serves_nothing_outside_its_folder(client, name):
    assert client.get(f"/static/{name}").status_code == 404


def test_static_url_changes_with_the_content():
    assert render.static_url("app.css").startswith("/static/app.css?v=")


# -- rate limits ----------------------------------------------------------------------------------


def test_bucket_allows_its_capacity_then_refuses(aws, now):
    allowed = [ratelimit.allow("auth-ip-1.2.3.4", 3, timedelta(hours=1), now) for _ in range(4)]
    assert allowed == [True, True, True, False]


def test_bucket_refills_over_its_period(aws, now):
    for _ in range(2):
        ratelimit.allow("pw-x", 2, timedelta(hours=1), now)
    assert not ratelimit.allow("pw-x", 2, timedelta(hours=1), now)
    assert ratelimit.allow("pw-x", 2, timedelta(hours=1), now + timedelta(minutes=31))


def test_buckets_are_separate_per_key(aws, now):
    ratelimit.allow("a", 1, timedelta(hours=1), now)
    assert ratelimit.allow("b", 1, timedelta(hours=1), now)


def test_retry_after_says_when_a_use_is_back(aws, now):
    ratelimit.allow("c", 1, timedelta(hours=1), now)
    assert ratelimit.seconds_until_allowed("c", 1, timedelta(hours=1), now) == 3601


def test_hashed_key_hides_the_address():
    key = ratelimit.hashed("em", "alice@example.org")
    assert key.startswith("em-") and "alice" not in key


def test_pages_show_the_support_address_when_there_is_one(anonymous_web, monkeypatch):
    assert 'id="support-email"' not in anonymous_web.get("/accounts/login/").body.decode()
    monkeypatch.setattr(settings, "SUPPORT_EMAIL", "help@example.org")
    assert '<a href="mailto:help@example.org" id="support-email">help@example.org</a>' in anonymous_web.get("/accounts/login/").body.decode()
