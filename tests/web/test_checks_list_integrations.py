"""The checks list's Integrations column (one on/off icon per channel, toggled by writers) and
the banner shown while the project's owner is over their check limit."""
import html
import json
import re
from datetime import timedelta

from chalicelib.checks import channels, checks
from chalicelib.store.models import Check, User

EMAIL = {"value": "ops@example.org", "up": True, "down": True}


def page(web, project) -> str:
    response = web.get(f"/projects/{project.code}/checks/")
    assert response.status_code == 200, response.body[:300]
    return response.body.decode()


def ch_cell(body: str, code: str) -> str:
    """The check's Integrations cell."""
    row = re.search(rf'<tr id="check-{code}".*?</tr>', body, re.S).group(0)
    return re.search(r'<td class="col-ch">(.*?)</td>', row, re.S).group(1)


def icons(body: str, code: str) -> list[tuple[str, str, str]]:
    """(element, "on"/"off", accessible name) of each icon in the check's Integrations cell."""
    found = re.findall(r'<(button|span)( class="on")?[^>]*aria-label="([^"]*)"', ch_cell(body, code))
    return [(tag, "on" if on else "off", html.unescape(label)) for tag, on, label in found]


def test_icons_show_each_channel_on_or_off_per_check(web, project, make_check, now):
    both, one = make_check(name="both"), make_check(name="one")
    channels.create_channel(project.code, "email", EMAIL, now, name="Ops")
    hook = channels.create_channel(project.code, "webhook", {}, now + timedelta(seconds=1), name="Deploy hook")
    checks.set_channel(one, hook.code, False)
    body = page(web, project)
    assert icons(body, both.code) == [("button", "on", "email “Ops”: on"), ("button", "on", "webhook “Deploy hook”: on")]
    assert icons(body, one.code) == [("button", "on", "email “Ops”: on"), ("button", "off", "webhook “Deploy hook”: off")]


def test_icons_list_groups_first_then_by_creation(web, project, check, now):
    channels.create_channel(project.code, "email", EMAIL, now)
    channels.create_channel(project.code, "webhook", {}, now + timedelta(seconds=1))
    channels.create_channel(project.code, "group", "", now + timedelta(seconds=2), name="Everyone")
    names = [label for _, _, label in icons(page(web, project), check.code)]
    assert names == ["group “Everyone”: on", "email: on", "webhook: on"]


def test_the_lists_toggle_posts_to_the_checks_channel_route(web, project, check, now):
    hook = channels.create_channel(project.code, "webhook", {}, now)
    body = page(web, project)
    data = json.loads(re.search(r'<script type="application/json" id="integrations-data">(.*?)</script>', body).group(1))
    index = [label for _, _, label in icons(body, check.code)].index("webhook: on")
    url = data["url"].replace("{check}", check.code).replace("{channel}", data["codes"][index])  # as checks.js does
    assert web.xhr("POST", url, {"state": "off"}).status_code == 200
    assert hook.code not in (Check.get(check.code).channels or set())


def test_read_only_member_sees_the_icons_without_toggles(web, project, check, make_member, now):
    channels.create_channel(project.code, "email", EMAIL, now)
    web.login(make_member("r"))
    body = page(web, project)
    assert icons(body, check.code) == [("span", "on", "email: on")]
    assert 'id="integrations-data"' not in body


def test_more_than_ten_channels_show_enabled_of_total(web, project, check, now):
    made = [channels.create_channel(project.code, "webhook", {}, now + timedelta(seconds=i)) for i in range(11)]
    checks.set_channel(check, made[0].code, False)
    cell = ch_cell(page(web, project), check.code)
    assert "10 of 11" in cell and "<button" not in cell


def test_ten_channels_still_show_icons(web, project, check, now):
    for i in range(10):
        channels.create_channel(project.code, "webhook", {}, now + timedelta(seconds=i))
    assert len(icons(page(web, project), check.code)) == 10


def test_over_limit_banner_says_how_many_checks_and_the_limit(web, project, user, make_check):
    make_check(name="a"), make_check(name="b"), make_check(name="c")
    user.update(actions=[User.check_limit.set(2)])
    banner = re.search(r'<p id="over-limit"[^>]*>(.*?)</p>', page(web, project), re.S).group(1)
    assert "3 checks in use, the limit is 2" in banner and "remove checks" in banner
    assert "delet" not in banner.lower()


def test_no_over_limit_banner_at_exactly_the_limit(web, project, user, make_check):
    make_check(name="a"), make_check(name="b")
    user.update(actions=[User.check_limit.set(2)])
    assert 'id="over-limit"' not in page(web, project)
