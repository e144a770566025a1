"""Every admin route x everyone: only a superuser gets the page; anonymous visitors, plain users and
members of every role in the account's project get exactly what a path no route matches gets."""
import pytest

from chalicelib.accounts import admin, users
from chalicelib.api.core import UNKNOWN_PATH_BODY
from chalicelib.store.models import User

# method, path, form: {person} is an active account in `project`, {inactive} a deactivated one.
ADMIN_ROUTES = [
    ("GET", "/admin/", None),
    ("GET", "/admin/?kind=checks&q=back", None),
    ("GET", "/admin/users/{person}/", None),
    ("POST", "/admin/users/{person}/limits/", {"check_limit": "5", "sms_limit": "", "call_limit": "", "team_limit": ""}),
    ("POST", "/admin/users/{person}/deactivate/", None),
    ("POST", "/admin/users/{inactive}/reactivate/", None),
]
VISITORS = ["anonymous", "plain user", "owner", "m", "w", "r"]


@pytest.fixture
def target(project, user, make_member, now):
    """The accounts the routes name: members of `project`, as the members visiting are."""
    inactive = make_member("w", "inactive@example.org")
    admin.deactivate(inactive, user, now)
    return {"person": make_member("w", "person@example.org").id, "inactive": inactive.id}


@pytest.fixture
def superuser(now):
    return users.create_user("root@example.org", now, is_superuser=True)


def _call(web, method, path, form, target):
    path = path.format(**target)
    return web.get(path) if method == "GET" else web.post(path, form)


def _visit_as(web, visitor, make_member, now):
    if visitor == "anonymous":
        web.logout()
    elif visitor == "plain user":
        web.login(users.create_user("stranger@example.org", now))
    elif visitor != "owner":  # `web` is the project's owner
        web.login(make_member(visitor))


def _ids(routes):
    return [f"{method} {path}" for method, path, _ in routes]


def _is_unknown_path(response) -> bool:
    return (
        response.status_code == 404 and response.body.decode() == UNKNOWN_PATH_BODY
        and response.headers["Content-Type"] == "application/json" and "Set-Cookie" not in response.headers
    )


@pytest.mark.parametrize("method, path, form", ADMIN_ROUTES, ids=_ids(ADMIN_ROUTES))
@pytest.mark.parametrize("visitor", VISITORS)
def test_everyone_but_a_superuser_gets_what_an_unknown_path_gets(web, make_member, now, target, visitor, method, path, form):
    _visit_as(web, visitor, make_member, now)
    assert _is_unknown_path(_call(web, method, path, form, target))


@pytest.mark.parametrize("method, path, form", ADMIN_ROUTES, ids=_ids(ADMIN_ROUTES))
def test_a_superuser_gets_the_page(web, superuser, target, method, path, form):
    web.login(superuser)
    response = _call(web, method, path, form, target)
    assert response.status_code < 400, response.body[:300]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "HEAD"])
def test_another_method_tells_a_member_nothing_either(web, target, method):
    assert _is_unknown_path(web.request(method, f"/admin/users/{target['person']}/limits/"))


def test_a_superuser_gets_405_for_a_method_the_page_does_not_take(web, superuser):
    assert web.login(superuser).request("PUT", "/admin/").status_code == 405


def test_a_superuser_post_without_the_csrf_token_is_refused(web, superuser, target):
    response = web.login(superuser).post(f"/admin/users/{target['person']}/deactivate/", csrf="")
    assert response.status_code == 403
    assert User.get(target["person"]).deactivated is None


def test_a_deactivated_superuser_gets_what_an_unknown_path_gets(web, superuser, user, now):
    admin.deactivate(superuser, user, now)
    assert _is_unknown_path(web.login(superuser).get("/admin/"))


def test_only_a_superuser_sees_the_admin_link(web, superuser):
    assert b'id="nav-admin"' not in web.get("/").body
    assert b'id="nav-admin"' in web.login(superuser).get("/").body
