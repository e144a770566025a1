"""Every POST route of the dashboard refuses a form without the CSRF token, or with a forged one."""
import pytest

from tests.web.test_web_authorization import ROUTES, _ids, target  # noqa: F401 (target is a fixture)

POSTS = [route for route in ROUTES if route[0] == "POST"]
PUBLIC_POSTS = ["/accounts/login/", "/accounts/signup/", "/accounts/logout/"]


@pytest.mark.parametrize("token", ["", "forged-token"], ids=["missing", "forged"])
@pytest.mark.parametrize("method, path, need, form", POSTS, ids=_ids(POSTS))
def test_post_without_the_right_token_is_403(web, target, token, method, path, need, form):
    filled = {name.format(**target): value.format(**target) for name, value in (form or {}).items()}
    assert web.post(path.format(**target), filled, csrf=token).status_code == 403


@pytest.mark.parametrize("token", ["", "forged-token"], ids=["missing", "forged"])
@pytest.mark.parametrize("path", PUBLIC_POSTS)
def test_public_post_without_the_right_token_is_403(anonymous_web, user, token, path):
    form = {"action": "login", "email": "alice@example.org", "password": "x", "identity": "new@example.org"}
    assert anonymous_web.post(path, form, csrf=token).status_code == 403
