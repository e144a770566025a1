"""The check details page's "Depends on" card: the parent, the children, and the form choosing the parent."""
import pytest

from chalicelib.checks import checks


@pytest.fixture
def router(make_check):
    return make_check(name="router")


@pytest.fixture
def web_check(make_check, router):
    return make_check(name="web", depends_on=router.code)


def page(web, check) -> str:
    response = web.get(f"/checks/{check.code}/details/")
    assert response.status_code == 200
    return response.body.decode()


def test_details_show_the_parent_and_what_it_means(web, web_check, router):
    shown = page(web, web_check)
    assert f'Depends on <a href="/checks/{router.code}/details/">router</a>' in shown
    assert '<p class="help" id="dependency-preview" aria-live="polite" data-dependency-preview>Won&#39;t alert while “router” is down.</p>' in shown


def test_details_of_the_parent_list_its_children(web, web_check, router):
    shown = page(web, router)
    assert "Checks that depend on this one:" in shown
    assert f'<a href="/checks/{web_check.code}/details/">web</a>' in shown


def test_each_choice_carries_its_preview_sentence(web, web_check, router):
    shown = page(web, router)
    assert 'data-preview="Alerts whenever it goes down, whatever other checks do." selected>Nothing</option>' in shown
    assert f'value="{web_check.code}"' not in shown  # below the router: choosing it would make a cycle


def test_form_sets_and_clears_the_parent(web, router, make_check):
    db = make_check(name="db")
    assert web.post(f"/checks/{db.code}/depends_on/", {"depends_on": router.code}).status_code == 302
    assert checks.get(db.code).depends_on == router.code
    web.post(f"/checks/{db.code}/depends_on/", {"depends_on": ""})
    assert checks.get(db.code).depends_on is None


def test_form_refuses_a_cycle_with_a_message(web, web_check, router):
    response = web.post(f"/checks/{router.code}/depends_on/", {"depends_on": web_check.code})
    assert response.status_code == 400
    assert "It cannot depend on that check: it would make a cycle: router → web → router." in response.body.decode()
    assert checks.get(router.code).depends_on is None


def test_read_only_member_sees_the_parent_but_no_form(web, web_check, make_member):
    web.login(make_member("r"))
    shown = page(web, web_check)
    assert "Depends on <a" in shown and 'id="edit-dependency"' not in shown
    assert web.post(f"/checks/{web_check.code}/depends_on/", {"depends_on": ""}).status_code == 403
