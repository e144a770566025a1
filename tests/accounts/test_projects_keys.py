"""A project's name and keys (chalicelib/accounts/projects.py): API keys kept only as hashes, the ping key
re-keying slug URLs, projects made by the dashboard without keys."""
import hashlib

import pytest

from chalicelib.accounts import projects
from chalicelib.checks import checks
from chalicelib.store.models import ApiKey, Check, Project


def kinds(project):
    return sorted("ro" if k.readonly else "rw" for k in projects.api_keys(project.code))


def test_a_dashboard_project_starts_without_keys(aws, now):
    project = projects.create_project("Web", now, keys=False).project
    assert projects.api_keys(project.code) == []
    assert Project.get(project.code).ping_key is None


def test_a_new_api_key_is_stored_only_as_its_hash(project, now):
    projects.revoke_key(project, "api_key")
    key = projects.replace_key(project, "api_key", now)
    assert key.startswith("hcw_") and len(key) == 32
    [stored] = [k for k in projects.api_keys(project.code) if not k.readonly]
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(stored.attribute_values.values())
    assert stored.hint == key[:8]


def test_replacing_a_key_revokes_the_old_one(new_project, now):
    project = new_project.project
    key = projects.replace_key(project, "api_key_readonly", now)
    assert key.startswith("hcr_")
    hashes = {k.key_hash for k in projects.api_keys(project.code)}
    assert projects.hash_key(new_project.api_key_readonly) not in hashes
    assert projects.hash_key(key) in hashes
    assert kinds(project) == ["ro", "rw"]


def test_revoking_deletes_only_the_keys_of_that_kind(new_project):
    projects.revoke_key(new_project.project, "api_key")
    assert kinds(new_project.project) == ["ro"]
    with pytest.raises(ApiKey.DoesNotExist):
        ApiKey.get(projects.hash_key(new_project.api_key))


def test_a_new_ping_key_makes_slug_pings_find_the_checks(aws, now, ping):
    project = projects.create_project("Web", now, keys=False).project
    check = checks.create_check(project, now, name="Backups", slug="backups")
    assert ping([project.code, "backups"], now).status_code == 404  # not a ping key yet
    key = projects.replace_key(project, "ping_key", now)
    assert Project.get(project.code).ping_key == key
    assert ping([key, "backups"], now).text == "OK"
    assert Check.get(check.code).n_pings == 1


def test_revoking_the_ping_key_turns_slug_urls_off(project, check, now, ping):
    old_key = project.ping_key
    projects.revoke_key(project, "ping_key")
    assert Project.get(project.code).ping_key is None
    assert Check.get(check.code).slug_key is None
    assert ping([old_key, "backups"], now).status_code == 404


def test_rename_keeps_at_most_60_characters(project):
    projects.rename(project, "  Nightly jobs ")
    assert Project.get(project.code).name == "Nightly jobs"
    with pytest.raises(ValueError, match="60"):
        projects.rename(project, "x" * 61)
    assert Project.get(project.code).name == "Nightly jobs"
