"""The integration kinds, registered in one place. Import this only off the ping path."""
from chalicelib.integrations.base import Notice, Transport, TransportError
from chalicelib.integrations.kinds import (
    apprise,
    call,
    discord,
    email,
    github,
    googlechat,
    gotify,
    group,
    matrix,
    mattermost,
    msteamsw,
    ntfy,
    opsgenie,
    pagertree,
    pd,
    pushbullet,
    pushover,
    rocketchat,
    shell,
    signal,
    slack,
    sms,
    spike,
    telegram,
    trello,
    victorops,
    webhook,
    whatsapp,
    zulip,
)

KINDS: dict[str, Transport] = {
    module.KIND: module
    for module in (
        email, webhook,
        apprise, discord, github, googlechat, gotify, group, matrix, mattermost, msteamsw,
        opsgenie, pagertree, pd, rocketchat, slack, spike, trello, victorops, zulip,
        call, ntfy, pushbullet, pushover, shell, signal, sms, telegram, whatsapp,
    )
}


def transport(kind: str) -> Transport:
    """The module sending this kind; KeyError for a kind we do not know."""
    return KINDS[kind]


__all__ = ["KINDS", "Notice", "Transport", "TransportError", "transport"]
