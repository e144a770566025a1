"""The integrations page: a project's channels, the add gallery, each kind's add/edit form,
renaming, removing, assigning checks, confirming an email address, and "Test!"."""
import json

from chalicelib.alerts import delivery
from chalicelib.checks import channels
from chalicelib.integrations import setup
from chalicelib.store.models import Channel, Project
from chalicelib.web import access, sessions
from chalicelib.web.http import HttpError, WebRequest, WebResponse, redirect, text_response
from chalicelib.web.navigation import project_nav
from chalicelib.web.render import TEMPLATES, render, render_fragment
from chalicelib.web.routing import Pages

pages = Pages(__name__)

# Form fields that are not part of a kind's settings.
NOT_SETTINGS = {"csrf_token", "checkboxes", "lists"}


@pages.route("/projects/{code}/integrations", methods=["GET", "POST"])
def index(request: WebRequest, code: str) -> WebResponse:
    """GET: the channels and the gallery; POST channel=<ch> + check-<code> fields: its exact checks."""
    project, role = access.project_for(request.user, code, "write" if request.method == "POST" else "read")
    if request.method == "POST":
        channel = _channel_in(project, request.field("channel"))
        prefix = "check-"
        setup.assign(channel, {name[len(prefix):] for name in request.form if name.startswith(prefix)})
        sessions.flash(request, f"Assigned checks of {channel.name or 'the integration'} saved.")
        return redirect(_page(project))
    rows, checks = setup.rows(project, request.now)
    kinds = [(kind, label, _has_form(kind)) for kind, label in setup.available_kinds()]
    return render(
        request, "integrations/index.html", **project_nav(project, [row.channel for row in rows]), section="integrations", rows=rows,
        n_checks=len(checks), kinds=kinds, editable={kind for kind, _, has_form in kinds if has_form} & setup.EDITABLE,
        can_write=access.allows(role, "write"), captcha_challenges=_captcha_challenges(rows),
    )


def _captcha_challenges(rows) -> dict[str, str]:
    """Signal channels whose last send wanted a CAPTCHA solved, with its challenge token (signal_captcha.py)."""
    from chalicelib.integrations.kinds import signal

    found = ((row.channel.code, signal.captcha_challenge(row.channel)) for row in rows)
    return {code: challenge for code, challenge in found if challenge}


@pages.route("/projects/{code}/add/{kind}", methods=["GET", "POST"])
def add(request: WebRequest, code: str, kind: str) -> WebResponse:
    """GET/POST /projects/<code>/add/<kind>/ : the kind's form (templates/integrations/add_<kind>.html)."""
    project, _ = access.project_for(request.user, code, "write")
    template = _form_template(kind)
    if request.method != "POST":
        return _form(request, project, kind, template, value={}, name="")
    value, name = _settings_from(request)
    try:
        setup.add(project, kind, value, request.user, request.now, name=name)
    except setup.SetupError as e:
        return _form(request, project, kind, template, value=value, name=name, error=str(e), status=400)
    sessions.flash(request, f"{_label(kind)} integration added.")
    return redirect(_page(project))


@pages.route("/integrations/{ch}/edit", methods=["GET", "POST"])
def edit(request: WebRequest, ch: str) -> WebResponse:
    """GET/POST /integrations/<ch>/edit/ : the same form, filled in with the channel's settings."""
    channel, project = _channel_for(request, ch, "write")
    if channel.kind not in setup.EDITABLE:
        raise HttpError(400, f"{_label(channel.kind)} integrations cannot be edited; remove it and add a new one.")
    template = _form_template(channel.kind)
    if request.method != "POST":
        stored = setup.stored_settings(channel)
        return _form(request, project, channel.kind, template, value=stored, name=channel.name, channel=channel)
    value, name = _settings_from(request)
    try:
        setup.edit(channel, value, request.user, name=name if "name" in request.form else None)
    except setup.SetupError as e:
        return _form(request, project, channel.kind, template, value=value, name=name, channel=channel, error=str(e), status=400)
    sessions.flash(request, f"{_label(channel.kind)} integration saved.")
    return redirect(_page(project))


@pages.route("/integrations/{ch}/name", methods=["POST"])
def name(request: WebRequest, ch: str) -> WebResponse:
    """POST /integrations/<ch>/name/ : rename (at most 100 characters)."""
    channel, project = _channel_for(request, ch, "write")
    try:
        setup.rename(channel, request.field("name"))
    except setup.SetupError as e:
        raise HttpError(400, str(e)) from None
    sessions.flash(request, "Integration renamed.")
    return redirect(_page(project))


@pages.route("/integrations/{ch}/remove", methods=["POST"])
def remove(request: WebRequest, ch: str) -> WebResponse:
    channel, project = _channel_for(request, ch, "write")
    setup.remove(channel)
    sessions.flash(request, f"{_label(channel.kind)} integration removed.")
    return redirect(_page(project))


@pages.route("/integrations/{ch}/checks", methods=["GET"])
def checks(request: WebRequest, ch: str) -> WebResponse:
    """GET /integrations/<ch>/checks/ : the dialog's HTML, a checkbox per check of the project."""
    channel, project = _channel_for(request, ch, "write")
    html = render_fragment(
        request, "integrations/assign_checks.html", project=project, channel=channel,
        checks=setup.checks_by_name(project),
    )
    return WebResponse(body=html)


@pages.route("/integrations/{ch}/test", methods=["POST"])
def test(request: WebRequest, ch: str) -> WebResponse:
    """POST /integrations/<ch>/test/ : any member may send a test notification."""
    channel, project = _channel_for(request, ch, "read")
    error = setup.send_test(channel, project, request.now, delivery.notify_channel)
    if error:
        sessions.flash(request, f"Could not send a test notification. {error.rstrip('.')}.", "error")
    else:
        sessions.flash(request, "Test notification sent!")
    return redirect(_page(project))


# The alert emails' unsubscribe link: signed, and mail clients POST it without a CSRF token.
@pages.route("/integrations/{ch}/unsub/{token}", methods=["GET", "POST"], login=False, csrf=False)
def unsubscribe(request: WebRequest, ch: str, token: str) -> WebResponse:
    """GET/POST /integrations/<ch>/unsub/<signed>/ : the link in alert emails. GET asks (mail
    scanners only GET); POST, from the page or a mail client's one-click, disables the integration."""
    from chalicelib.integrations.kinds import email

    try:
        channel = email.unsubscribing_channel(ch, token, request.now)
    except ValueError as e:
        raise HttpError(400, str(e)) from None
    done = request.method == "POST"
    if done and not channel.disabled:
        channel.update(actions=[Channel.disabled.set(True)])
    return render(request, "integrations/unsubscribe.html", address=email.target(channel)["value"], done=done)


SIGNAL_TESTS_PER_DAY = 50


@pages.route("/integrations/signal/verify", methods=["POST"])
def signal_test(request: WebRequest) -> WebResponse:
    """POST /integrations/signal/verify/ : the Signal form's test message to `phone`, before saving;
    the answer is the sentence the form shows."""
    from chalicelib.accounts import limits
    from chalicelib.integrations.kinds import signal
    from chalicelib.lib.errors import TransportError

    try:
        to = json.loads(signal.validate({"value": request.field("phone")}))["value"]
    except ValueError as e:
        return text_response(str(e), 400)
    try:
        limits.spend(f"signal-verify-{request.user.id}", SIGNAL_TESTS_PER_DAY, limits.DAY, request.now)
    except limits.TryLater:
        return text_response("You have sent many test messages today; try again tomorrow.", 429)
    if not signal.enabled():
        return text_response("Signal notifications are not enabled.")
    try:
        signal.send_test(to)
    except TransportError as e:
        return text_response(f"The test message could not be sent: {e.message.rstrip('.')}.")
    return text_response(f"A test message is on its way to {to}.")


@pages.route("/integrations/{ch}/verify/{token}", methods=["GET"], login=False)
def verify(request: WebRequest, ch: str, token: str) -> WebResponse:
    """GET /integrations/<ch>/verify/<token>/ : the link in the confirmation email (no login)."""
    channel = setup.verify_email(ch, token)
    if channel is None:
        raise HttpError(400, "This confirmation link is not valid (the address may have changed since).")
    return render(request, "integrations/verified.html", address=setup.describe(channel))


def _channel_for(request: WebRequest, ch: str, need: str) -> tuple[Channel, Project]:
    """The channel and its project, if the user's role there allows `need` (else 404/403)."""
    try:
        channel = Channel.get(ch)
    except Channel.DoesNotExist:
        raise HttpError(404, "No such integration.") from None
    try:
        project, _ = access.project_for(request.user, channel.project, need)
    except HttpError as e:
        raise HttpError(e.status, "No such integration." if e.status == 404 else e.message) from None
    return channel, project


def _channel_in(project: Project, ch: str) -> Channel:
    channel = channels.find_in_project(project.code, ch)
    if channel is None:
        raise HttpError(400, "Choose an integration of this project.")
    return channel


def _settings_from(request: WebRequest) -> tuple[dict, str]:
    """The form as the kind's validate() takes it, and the channel's name (the `name` field):
    text fields as they are, the fields the hidden `checkboxes` field names as booleans, those
    `lists` names as lists of every value posted, and headers_* textareas ("Name: value" lines) as dicts."""
    value = {key: values[0] for key, values in request.form.items() if key not in NOT_SETTINGS}
    for flag in request.field("checkboxes").split():
        value[flag] = value.get(flag, "") not in ("", "off")
    for key in request.field("lists").split():
        value[key] = request.fields(key)
    for key in [k for k in value if k.startswith("headers_")]:
        value[key] = _headers(value[key])
    return value, str(value.get("name", ""))


def _headers(text: str) -> dict[str, str] | str:
    """"Name: value" lines as a dict; text of another shape is left for validate() to refuse."""
    lines = [line for line in text.splitlines() if line.strip()]
    if any(":" not in line for line in lines):
        return text
    return {name.strip(): value.strip() for name, _, value in (line.partition(":") for line in lines)}


def _form(request, project, kind, template, value, name, channel=None, error="", status=200) -> WebResponse:
    return render(
        request, template, status=status, **project_nav(project), section="integrations", kind=kind, label=_label(kind),
        value=value, name=name, channel=channel, error=error, **setup.form_context(kind, project, channel),
        action=f"/integrations/{channel.code}/edit/" if channel else f"/projects/{project.code}/add/{kind}/",
    )


def _form_template(kind: str) -> str:
    """The kind's form; 404 for a kind that is off, unknown, or has no dashboard form yet."""
    try:
        setup.transport_for(kind)
    except setup.SetupError as e:
        raise HttpError(404, str(e)) from None
    if not _has_form(kind):
        raise HttpError(404, "This integration cannot be set up from the dashboard yet.")
    return f"integrations/add_{kind}.html"


def _has_form(kind: str) -> bool:
    return (TEMPLATES / "integrations" / f"add_{kind}.html").is_file()


def _label(kind: str) -> str:
    return dict(setup.available_kinds()).get(kind, kind)


def _page(project: Project) -> str:
    return f"/projects/{project.code}/integrations/"
