"""What every form on a check's page shares when it is saved (chalicelib/web/check_saving.py)."""
import pytest

from chalicelib.store.models import Check
from chalicelib.web import access

FORMS = {
    "filtering_rules": {"methods": "POST"},
    "run_time": {"max_duration_value": "2", "max_duration_unit": "3600"},
    "alerting": {"failure_threshold": "3", "recovery_threshold": "1"},
    "depends_on": {"depends_on": ""},
}


@pytest.fixture
def removed_after_reading(monkeypatch):
    """The check is read for the form's access check, then removed by someone else before the write."""
    read = access.check_for

    def read_then_remove(user, code, need="read"):
        found = read(user, code, need)
        Check.get(code).delete()
        return found

    monkeypatch.setattr(access, "check_for", read_then_remove)


@pytest.mark.parametrize("action", FORMS)
def test_a_check_removed_while_its_form_is_open_answers_404(web, check, removed_after_reading, action):
    response = web.post(f"/checks/{check.code}/{action}/", FORMS[action])
    assert response.status_code == 404
    assert "No such check." in response.body.decode()
    assert Check.count(check.code) == 0  # the write did not bring it back


@pytest.mark.parametrize("action", FORMS)
def test_a_saved_form_goes_back_to_the_check_page(web, check, action):
    response = web.post(f"/checks/{check.code}/{action}/", FORMS[action])
    assert (response.status_code, response.headers["Location"]) == (302, f"/checks/{check.code}/details/")


@pytest.mark.parametrize("action", FORMS)
def test_the_page_script_gets_a_bare_200(web, check, action):
    response = web.post(f"/checks/{check.code}/{action}/", FORMS[action], headers={"X-Requested-With": "XMLHttpRequest"})
    assert (response.status_code, response.body) == (200, b"")
