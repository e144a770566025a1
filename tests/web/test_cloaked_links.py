"""The check links in alerts (/cloaked/<unique key>/) lead to the check's page."""
from urllib.parse import urlsplit

from chalicelib.accounts import projects
from chalicelib.alerts import notices
from chalicelib.checks import checks
from chalicelib.checks.check_json import unique_key
from chalicelib.store.models import Flip


def test_an_alerts_link_leads_to_the_checks_details(web, check, now):
    flip = Flip(code=check.code, created=now, project=check.project, old_status="up", new_status="down")
    link = notices.build(check, flip).check_url
    answer = web.get(urlsplit(link).path)
    assert (answer.status_code, answer.headers["Location"]) == (302, f"/checks/{check.code}/details/")


def test_a_link_to_a_check_of_another_project_is_not_found(web, now):
    elsewhere = projects.create_project("Not mine", now).project
    theirs = checks.create_check(elsewhere, now, name="theirs")
    assert web.get(f"/cloaked/{unique_key(theirs.code)}/").status_code == 404


def test_an_unknown_key_is_not_found(web):
    assert web.get("/cloaked/0000000000000000000000000000000000000000/").status_code == 404


def test_the_link_asks_for_a_login_and_comes_back(anonymous_web, check):
    answer = anonymous_web.get(f"/cloaked/{unique_key(check.code)}/")
    assert answer.headers["Location"] == f"/accounts/login/?next=/cloaked/{unique_key(check.code)}/"
