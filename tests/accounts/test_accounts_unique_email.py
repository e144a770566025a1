"""One account per address: the claim on it is written with the account, in one transaction."""
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.accounts import closing, signup, users
from chalicelib.store.models import EmailClaim, Member, User


def test_a_second_user_with_a_claimed_address_is_refused(aws, now):
    users.create_user("alice@example.org", now)
    with pytest.raises(users.EmailTaken):
        users.create_user("Alice@Example.org ", now)
    assert [u.email for u in User.scan()] == ["alice@example.org"]


def test_a_signup_that_loses_the_race_mails_the_winners_account(aws, now, outbox, monkeypatch):
    winner = users.create_user("new@example.org", now)
    # As if the winner's row were not in the email index yet (it is eventually consistent).
    monkeypatch.setattr(users, "find_by_email", lambda email: None)
    signup.sign_up("new@example.org", "UTC", "192.0.2.1", now)

    assert [u.id for u in User.scan()] == [winner.id]
    assert Member.count() == 0  # the loser made no project either
    assert [m["To"] for m in outbox.messages()] == ["new@example.org"]


@pytest.mark.slow
def test_parallel_signups_for_one_new_address_make_one_account(dynamodb_local, now, outbox):
    addresses = [f"10.0.0.{i}" for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda ip: signup.sign_up("race@example.org", "UTC", ip, now), addresses))

    accounts = list(User.scan())
    assert len(accounts) == 1
    assert [m.user for m in Member.scan()] == [accounts[0].id]


def test_changing_to_a_claimed_address_is_refused(aws, now):
    users.create_user("alice@example.org", now)
    bob = users.create_user("bob@example.org", now)
    with pytest.raises(users.EmailTaken):
        users.change_email(bob, "alice@example.org")
    assert users.get(bob.id).email == "bob@example.org"


def test_a_changed_address_frees_the_old_one(aws, now):
    bob = users.create_user("bob@example.org", now)
    users.change_email(bob, "robert@example.org")

    assert EmailClaim.get("robert@example.org").user == bob.id
    assert users.create_user("bob@example.org", now).id != bob.id


def test_a_closed_account_frees_its_address(aws, now):
    bob = users.create_user("bob@example.org", now)
    closing.close_account(bob)
    assert EmailClaim.count() == 0
    assert users.create_user("bob@example.org", now).id != bob.id
