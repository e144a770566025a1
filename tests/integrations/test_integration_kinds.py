"""The chat and incident-tool kinds are registered under Healthchecks' names, which the API lists."""
from chalicelib.checks import channels
from chalicelib.integrations import registry

HEALTHCHECKS_NAMES = {
    "apprise": "Apprise", "discord": "Discord", "github": "GitHub Issues", "googlechat": "Google Chat",
    "gotify": "Gotify", "group": "Group", "matrix": "Matrix", "mattermost": "Mattermost",
    "msteamsw": "Microsoft Teams", "opsgenie": "Opsgenie", "pagertree": "PagerTree", "pd": "PagerDuty",
    "rocketchat": "Rocket.Chat", "slack": "Slack", "spike": "Spike.sh", "trello": "Trello",
    "victorops": "Splunk On-Call", "zulip": "Zulip",
}


def test_each_kind_is_registered_with_its_label():
    assert {kind: registry.transport(kind).LABEL for kind in HEALTHCHECKS_NAMES} == HEALTHCHECKS_NAMES


def test_api_lists_channels_by_kind_and_name(api, project, now):
    channels.create_channel(project.code, "pd", "abc123", now, name="On call")
    channels.create_channel(project.code, "msteamsw", "https://example.com/workflow", now, name="Team")
    listed = api("GET", "/api/v3/channels/").json_body["channels"]
    assert sorted((c["kind"], c["name"]) for c in listed) == [("msteamsw", "Team"), ("pd", "On call")]


def test_an_alerts_reason_is_the_flips_detail_when_it_has_one(check, now):
    from chalicelib.checks import flips
    from chalicelib.integrations.base import Notice

    plain = Notice(check=check, flip=flips.new_flip(check, "up", "down", "fail", now), project_name="p", check_url="u")
    detailed = Notice(check=check, flip=flips.new_flip(check, "up", "down", "fail", now, detail="ran 2 h, longer than 1 h"),
                      project_name="p", check_url="u")  # fmt: skip
    assert (plain.reason, detailed.reason) == ("received a failure signal", "ran 2 h, longer than 1 h")
