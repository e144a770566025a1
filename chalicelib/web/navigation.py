"""A project's navigation: the project it shows and why its Integrations item warns, computed
once per page, from the channels the page already read where it read them."""
from chalicelib.checks import channels
from chalicelib.store.models import Channel, Project


def project_nav(project: Project, project_channels: list[Channel] | None = None) -> dict:
    """The context a project's page passes to render (one Query unless the channels are given)."""
    if project_channels is None:
        project_channels = channels.in_project(project.code)
    return {"project": project, "integrations_attention": channels.attention(project_channels)}
