"""The log page (filters, paging), the CSV download, ping details and body downloads."""
import csv
import io
import json
import re
from datetime import timedelta
from unittest import mock

import pytest
from botocore.exceptions import ClientError

from chalicelib import settings
from chalicelib.checks import channels, flips
from chalicelib.store import storage
from chalicelib.store.models import FLIP_RETENTION, Check, Notification, Ping, Project
from chalicelib.web.pages import check_log


def page(web, check, query=None):
    response = web.get(f"/checks/{check.code}/log/", query)
    assert response.status_code == 200, response.body[:500]
    return response.body.decode()


def test_log_lists_pings_and_flips_but_not_notifications_by_default(web, check, ping, now, project):
    channel = channels.create_channel(project.code, "webhook", {}, now, name="hook")
    ping(check, now, "fail")
    Notification(code=check.code, key=f"{now.isoformat()}#{channel.code}", channel=channel.code,
                 check_status="down", created=now, error="", expires=now + FLIP_RETENTION).save()  # fmt: skip
    body = page(web, check)
    assert 'id="event-ping-1"' in body
    assert "Status: new ➔ down" in body
    assert "alert to Webhook" not in body
    assert "alert to Webhook" in page(web, check, {"filtered": "1", "notification": "on"})


def test_kind_filters_choose_the_rows(web, check, ping, now):
    ping(check, now, "start")
    ping(check, now + timedelta(seconds=1))
    body = page(web, check, {"filtered": "1", "start": "on"})
    assert 'id="event-ping-1"' in body and 'id="event-ping-2"' not in body
    assert "Status:" not in body


def test_no_kind_chosen_shows_no_events(web, check, ping, now):
    ping(check, now)
    assert "No events to show." in page(web, check, {"filtered": "1"})


def test_log_pages_back_through_history(web, check, ping, now, monkeypatch):
    monkeypatch.setattr(check_log, "LOG_PAGE", 2)
    for s in range(5):
        ping(check, now + timedelta(seconds=s))
    query = {"filtered": "1", "success": "on"}
    first = page(web, check, query)
    assert 'id="event-ping-5"' in first and 'id="event-ping-4"' in first and 'id="event-ping-3"' not in first
    older = json.loads(web.xhr("GET", f"/checks/{check.code}/log_events/?filtered=1&success=on").body)["older"]
    assert older.startswith(f"/checks/{check.code}/log/?success=on&filtered=1&before=")
    second = web.get(older).body.decode()
    assert 'id="event-ping-3"' in second and 'id="event-ping-2"' in second and 'id="event-ping-5"' not in second


def test_log_events_returns_rows_for_the_script(web, check, ping, now):
    ping(check, now)
    result = json.loads(web.xhr("GET", f"/checks/{check.code}/log_events/?filtered=1&success=on").body)
    assert result["rows"].strip().startswith("<tr")
    assert result["older"] is None


def test_the_live_update_gets_only_the_stamp_until_something_new_arrives(web, check, ping, now):
    ping(check, now)
    url = f"/checks/{check.code}/log_events/?filtered=1&success=on"
    stamp = json.loads(web.xhr("GET", url).body)["stamp"]
    assert json.loads(web.xhr("GET", f"{url}&u={stamp}").body) == {"stamp": stamp}

    ping(check, now)
    newer = json.loads(web.xhr("GET", f"{url}&u={stamp}").body)
    assert newer["stamp"] != stamp and 'id="event-ping-2"' in newer["rows"]


def test_only_the_newest_page_updates_itself(web, check, ping, now):
    ping(check, now)
    assert 'data-live="1"' in web.get(f"/checks/{check.code}/log/").body.decode()
    older_page = web.get(f"/checks/{check.code}/log/", {"before": now.isoformat()}).body.decode()
    assert 'data-live="0"' in older_page


def test_bad_before_is_a_400(web, check):
    assert web.get(f"/checks/{check.code}/log/", {"before": "yesterday"}).status_code == 400


def test_csv_download(web, check, ping, now):
    ping(check, now, body=b"x")
    response = web.get(f"/checks/{check.code}/log.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{check.code}-log.csv"'
    lines = response.body.decode().splitlines()
    assert lines[0].startswith("time,event,n,kind")
    assert lines[1].startswith(f"{now.isoformat()},ping,1,success")


# -- ping details ------------------------------------------------------------------------------


def details(web, check, n, xhr=True):
    path = f"/checks/{check.code}/pings/{n}/"
    response = web.xhr("GET", path) if xhr else web.get(path)
    assert response.status_code == 200, response.body[:500]
    return response.body.decode()


def test_ping_details_escape_an_html_body_and_a_hostile_user_agent(web, check, ping, now):
    ping(check, now, body=b"<script>alert(1)</script>", ua='"><img src=x onerror=alert(2)>')
    body = details(web, check, 1)
    assert "<script>alert(1)" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in body


def test_event_rows_escape_the_body_and_user_agent_too(web, check, ping, now):
    ping(check, now, body=b"<b>bold</b>", ua="<i>agent</i>")
    body = web.get(f"/checks/{check.code}/details/").body.decode()
    assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<i>agent</i>" not in body


def test_ping_details_fragment_has_no_layout_but_a_direct_visit_does(web, check, ping, now):
    ping(check, now)
    assert "<html" not in details(web, check, 1)
    full = details(web, check, 1, xhr=False)
    assert "<html" in full and "Back to the check" in full


def test_ping_details_say_what_kind_and_where_from(web, check, ping, now):
    ping(check, now, "2", method="POST", ua="cron-job")
    body = details(web, check, 1)
    assert "Ping #1" in body and "(failure, exit status 2)" in body
    assert "HTTPS POST from 10.0.0.1" in body
    assert "cron-job" in body


def test_binary_body_is_noted_not_shown(web, check, ping, now):
    ping(check, now, body=b"\xff\xfe\x00binary")
    body = details(web, check, 1)
    assert "binary data (9 bytes)" in body
    assert 'id="ping-body"' not in body


def test_large_body_is_read_from_s3(web, check, ping, now):
    text = "line of output\n" * 20
    ping(check, now, body=text.encode())
    assert storage.get_body(check.code, 1) == text.encode()  # kept in S3, not in the item
    assert text in details(web, check, 1)


def test_unreadable_s3_body_is_reported_not_a_500(web, check, ping, now):
    ping(check, now, body=b"y" * 500)
    error = ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "GetObject")
    with mock.patch.object(storage, "get_body", side_effect=error):
        assert "not available right now" in details(web, check, 1)
        assert web.get(f"/checks/{check.code}/pings/1/body/").status_code == 503


def test_email_ping_shows_subject_and_text(web, check, now):
    from chalicelib.pings import intake

    raw = b"From: cron@example.org\r\nSubject: Backup <done>\r\n\r\nAll files copied.\r\n"
    request = intake.PingRequest(method="", scheme="email", remote_addr="10.0.0.9", ua="Email from cron@example.org", body=raw)
    intake.record(check, "success", request, now)
    body = details(web, check, 1)
    assert "Backup &lt;done&gt;" in body
    assert "All files copied." in body
    assert "Email from cron@example.org" in body


def test_missing_or_pruned_ping_is_not_found(web, check, ping, now):
    assert web.get(f"/checks/{check.code}/pings/1/").status_code == 404
    assert web.get(f"/checks/{check.code}/pings/abc/").status_code == 404
    check.update(actions=[Check.ping_log_limit.set(1)])
    ping(check, now)
    ping(check, now + timedelta(seconds=1))
    assert web.get(f"/checks/{check.code}/pings/1/").status_code == 404


def test_last_ping_shows_the_newest_success_or_failure(web, check, ping, now):
    assert web.get(f"/checks/{check.code}/last_ping/").status_code == 404
    ping(check, now)
    ping(check, now + timedelta(seconds=1), "start")
    response = web.xhr("GET", f"/checks/{check.code}/last_ping/")
    assert "Ping #1" in response.body.decode()


# -- body download ------------------------------------------------------------------------------


def test_body_download_from_s3(web, check, ping, now):
    body = b"\x00\x01" + b"z" * 300
    ping(check, now, body=body)
    response = web.get(f"/checks/{check.code}/pings/1/body/")
    assert response.status_code == 200
    assert response.body == body
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{check.code}-1.txt"'


def test_inline_body_download(web, check, ping, now):
    ping(check, now, body=b"short")
    assert web.get(f"/checks/{check.code}/pings/1/body/").body == b"short"


def test_body_download_without_a_body_is_not_found(web, check, ping, now):
    ping(check, now)
    assert web.get(f"/checks/{check.code}/pings/1/body/").status_code == 404


def test_outsider_cannot_read_a_body(web, check, ping, now):
    from chalicelib.accounts import users

    ping(check, now, body=b"secret")
    web.login(users.create_user("stranger@example.org", now))
    assert web.get(f"/checks/{check.code}/pings/1/body/").status_code == 404


def test_down_flip_rows_are_marked(web, check, now):
    flips.write_flip(check, "up", "down", "timeout", now)
    assert 'class="event flip to-down"' in page(web, check)


def test_site_name_in_log_title(web, check):
    assert f"– {settings.SITE_NAME}</title>" in page(web, check)


# -- pings that left the log: still stored until they expire, never shown ------------------------


@pytest.fixture
def past_log(project, make_check, ping, now):
    """Pings 96..100 of a check pinged every minute that keeps 3: 96 and 97 have left the log but
    are still stored, bodies and all, until they expire (chalicelib/pings/retention.py)."""
    project.update(actions=[Project.ping_log_limit.set(3)])
    check = make_check(name="Every minute", timeout=60, n_pings=95, pace=60)
    for n in range(96, 101):
        ping(check, now + timedelta(minutes=n - 96), method="POST", body=b"body %d" % n)
    assert [int(p.n) for p in Ping.query(check.code)] == [96, 97, 98, 99, 100]
    return Check.get(check.code)


def shown_pings(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="event-ping-(\d+)"', html)]


def test_the_log_page_shows_only_the_visible_pings(web, past_log):
    assert shown_pings(page(web, past_log)) == [100, 99, 98]
    rows = json.loads(web.get(f"/checks/{past_log.code}/log_events/").body)["rows"]
    assert shown_pings(rows) == [100, 99, 98]


def test_the_details_page_shows_only_the_visible_pings(web, past_log):
    assert shown_pings(web.get(f"/checks/{past_log.code}/details/").body.decode()) == [100, 99, 98]


def test_the_csv_holds_only_the_visible_pings(web, past_log):
    text = web.get(f"/checks/{past_log.code}/log.csv").body.decode()
    assert [row["n"] for row in csv.DictReader(io.StringIO(text)) if row["event"] == "ping"] == ["98", "99", "100"]


def test_a_ping_that_left_the_log_has_no_details_page_or_body(web, past_log):
    assert web.get(f"/checks/{past_log.code}/pings/97/").status_code == 404
    assert web.get(f"/checks/{past_log.code}/pings/97/body/").status_code == 404
    assert web.get(f"/checks/{past_log.code}/pings/98/body/").body == b"body 98"
    assert "Ping #100" in web.xhr("GET", f"/checks/{past_log.code}/last_ping/").body.decode()
