"""The admin area's domain: bounded, paged searches; an account's overview; limits, deactivation and
the superuser flag, each written with its audit line."""
from datetime import timedelta

import pytest

from chalicelib.accounts import admin, projects, users
from chalicelib.checks import checks
from chalicelib.store.models import AdminChange, Session, User


@pytest.fixture
def operator(aws, now):
    return users.create_user("root@example.org", now, is_superuser=True)


def _emails(page):
    return sorted(row.email for row in page.rows)


# search


def test_users_are_found_by_a_part_of_their_address_whatever_its_case(user, now):
    users.create_user("bob@example.org", now)
    page = admin.search("users", "ALI")
    assert (_emails(page), page.how, page.after) == (["alice@example.org"], "scan", None)


def test_an_exact_address_is_one_lookup_in_the_email_index(user):
    page = admin.search("users", " Alice@Example.org ")
    assert (_emails(page), page.how, page.read) == (["alice@example.org"], "index", 1)


def test_a_search_stops_at_a_page_of_matches_and_goes_on_from_its_last_key(aws, now, monkeypatch):
    monkeypatch.setattr(admin, "PAGE_SIZE", 2)
    for n in range(5):
        users.create_user(f"user{n}@example.org", now)
    seen, after, pages = [], "", 0
    while True:
        page = admin.search("users", "user", after)
        seen += _emails(page)
        pages, after = pages + 1, page.after
        if not after:
            break
    assert sorted(seen) == [f"user{n}@example.org" for n in range(5)] and pages == 3


def test_a_search_reads_at_most_its_budget_of_items(aws, now, monkeypatch):
    monkeypatch.setattr(admin, "SCAN_BUDGET", 3)
    for n in range(5):
        users.create_user(f"user{n}@example.org", now)
    page = admin.search("users", "nobody")
    assert (page.rows, page.read) == ([], 3) and page.after is not None
    assert admin.search("users", "nobody", page.after).read == 2


def test_projects_are_found_by_name(project, now):
    projects.create_project("Billing", now)
    assert [p.name for p in admin.search("projects", "bill").rows] == ["Billing"]


def test_checks_are_found_by_name_or_slug(make_check):
    make_check(name="Nightly backup", slug="db-dump")
    make_check(name="Reports", slug="reports")
    assert [c.name for c in admin.search("checks", "DUMP").rows] == ["Nightly backup"]
    assert [c.name for c in admin.search("checks", "night").rows] == ["Nightly backup"]


def test_a_check_is_found_by_its_uuid_with_one_read(check):
    page = admin.search("checks", check.code.upper())
    assert ([c.code for c in page.rows], page.how) == ([check.code], "key")


def test_a_made_up_page_key_is_refused(aws):
    with pytest.raises(admin.AdminError, match="page link"):
        admin.search("users", "a", after="not-a-key")


def test_an_unknown_kind_is_refused(aws):
    with pytest.raises(admin.AdminError):
        admin.search("channels", "a")


# overview


def test_the_overview_lists_owned_and_member_projects_with_roles_and_check_counts(project, user, make_check, now):
    make_check(name="a")
    make_check(name="b")
    theirs = projects.create_project("Theirs", now, owner=users.create_user("bob@example.org", now).id, keys=False).project
    projects.add_member(theirs.code, user.id, "r", now)
    seen = admin.overview(user)
    assert [(row.name, row.role, row.checks) for row in seen.projects] == [("Test project", "owner", 2), ("Theirs", "r", 0)]
    assert seen.owned_checks == 2 and seen.team_members == 0


def test_the_overview_tells_the_sign_in_methods(user):
    user.update(actions=[User.password_hash.set("x"), User.totp.set("ABC")])
    seen = admin.overview(User.get(user.id))
    assert (seen.password, seen.totp, seen.security_keys, seen.login_link_waiting) == (True, True, 0, False)


# limits and the audit


def test_parse_limits_takes_empty_as_the_default_and_refuses_what_is_not_a_count():
    values, errors = admin.parse_limits({"check_limit": "20", "sms_limit": "", "call_limit": "-1", "team_limit": "1e3"})
    assert values == {"check_limit": 20, "sms_limit": None}
    assert set(errors) == {"call_limit", "team_limit"}


def test_setting_limits_audits_each_change_with_old_and_new_values(user, operator, now):
    wanted = {"check_limit": 20, "sms_limit": None, "call_limit": 5, "team_limit": None}
    lines = admin.set_limits(user, operator.email, wanted, now)
    assert sorted((line.field, line.old, line.new, line.actor) for line in lines) == [
        ("call_limit", "default", "5", "root@example.org"), ("check_limit", "default", "20", "root@example.org"),
    ]
    stored = User.get(user.id)
    assert (stored.check_limit, stored.call_limit, stored.sms_limit) == (20, 5, None)


def test_clearing_a_limit_goes_back_to_the_default_and_is_audited(user, operator, now):
    admin.set_limits(user, operator.email, {"check_limit": 20}, now)
    [line] = admin.set_limits(user, operator.email, {"check_limit": None}, now + timedelta(seconds=1))
    assert (line.old, line.new, User.get(user.id).check_limit) == ("20", "default", None)


def test_saving_unchanged_limits_writes_nothing(user, operator, now):
    assert admin.set_limits(user, operator.email, {"check_limit": None, "sms_limit": None}, now) == []
    assert admin.changes_of(user) == []


def test_a_limit_changed_meanwhile_by_another_operator_is_not_overwritten(user, operator, now):
    stale = User.get(user.id)
    admin.set_limits(user, operator.email, {"check_limit": 20}, now)
    with pytest.raises(admin.AdminError, match="changed meanwhile"):
        admin.set_limits(stale, operator.email, {"check_limit": 30}, now)
    assert User.get(user.id).check_limit == 20 and len(admin.changes_of(user)) == 1


def test_audit_lines_come_newest_first(user, operator, now):
    admin.set_limits(user, operator.email, {"check_limit": 20}, now)
    admin.set_limits(user, operator.email, {"check_limit": 30}, now + timedelta(minutes=1))
    assert [line.new for line in admin.changes_of(user)] == ["30", "20"]


# deactivation


def test_deactivating_ends_the_sessions_and_the_reports_and_is_audited(user, operator, now):
    Session(key_hash="k", user=user.id, created=now, expires=now + timedelta(days=1)).save()
    admin.deactivate(user, operator, now)
    stored = User.get(user.id)
    assert stored.deactivated == now and stored.next_report_date is None
    assert Session.by_user.count(user.id) == 0
    [line] = admin.changes_of(user)
    assert (line.field, line.old, line.new, line.actor) == ("deactivated", "active", "deactivated", "root@example.org")


def test_deactivating_leaves_the_projects_checks_alone(user, operator, check, now):
    admin.deactivate(user, operator, now)
    assert checks.get(check.code).status == "new" and projects.api_keys(check.project)


def test_reactivating_schedules_the_reports_again(user, operator, now):
    admin.deactivate(user, operator, now)
    admin.reactivate(User.get(user.id), operator, now + timedelta(days=2))
    stored = User.get(user.id)
    assert stored.deactivated is None and stored.next_report_date > now + timedelta(days=2)
    assert [line.new for line in admin.changes_of(user)] == ["active", "deactivated"]


def test_an_operator_cannot_deactivate_their_own_account(operator, now):
    with pytest.raises(admin.AdminError, match="your own"):
        admin.deactivate(operator, operator, now)


def test_deactivating_twice_says_so(user, operator, now):
    admin.deactivate(user, operator, now)
    with pytest.raises(admin.AdminError, match="already"):
        admin.deactivate(User.get(user.id), operator, now)


# the superuser flag


def test_granting_the_superuser_flag_is_audited_and_granting_it_again_is_a_no_op(user, now):
    line = admin.set_superuser(user, True, admin.COMMAND_LINE, now)
    assert (line.field, line.old, line.new, line.actor) == ("is_superuser", "no", "yes", "command line")
    assert User.get(user.id).is_superuser
    assert admin.set_superuser(User.get(user.id), True, admin.COMMAND_LINE, now) is None
    assert AdminChange.count(user.id) == 1
