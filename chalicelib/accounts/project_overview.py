"""My Projects: every project a user is in, with its overall status, counts and owner."""
from dataclasses import dataclass
from datetime import datetime

from chalicelib.checks import check_summary
from chalicelib.store.models import Channel, Member, Project, User


@dataclass
class ProjectSummary:
    project: Project
    role: str
    status: str  # up | grace | down
    started: bool  # some check is running now
    n_checks: int
    n_channels: int
    owner_email: str

    @property
    def name(self) -> str:
        """Healthchecks shows an unnamed project by its owner's email."""
        return self.project.name or self.owner_email


def summaries(user: User, now: datetime) -> list[ProjectSummary]:
    """The user's projects by name, down ones first (one Query of memberships, one BatchGet each for
    projects and owners, then one Query of checks and one count of channels per project)."""
    roles = {m.project: m.role for m in Member.by_user.query(user.id)}
    found = list(Project.batch_get(list(roles))) if roles else []
    owner_ids = {p.owner for p in found if p.owner}
    emails = {u.id: u.email for u in User.batch_get(list(owner_ids))} if owner_ids else {}
    result = []
    for project in found:
        status, started, n_checks = _status(project.code, now)
        result.append(
            ProjectSummary(
                project=project,
                role=roles[project.code],
                status=status,
                started=started,
                n_checks=n_checks,
                n_channels=Channel.by_project.count(project.code),
                owner_email=emails.get(project.owner or "", ""),
            )
        )
    result.sort(key=lambda s: s.name.lower())
    result.sort(key=lambda s: s.status != "down")  # stable: down projects first, still by name
    return result


def statuses(user: User, now: datetime) -> dict[str, dict]:
    """{project code: {"status", "started"}} for the page's live updates."""
    codes = [m.project for m in Member.by_user.query(user.id)]
    result = {}
    for code in codes:
        status, started, _ = _status(code, now)
        result[code] = {"status": status, "started": started}
    return result


def _status(project_code: str, now: datetime) -> tuple[str, bool, int]:
    """The worst status of the project's checks (as the checks list words it), whether one is
    running, and how many there are: one Query."""
    rows = check_summary.rows(check_summary.project_checks(project_code), now)
    return check_summary.worst(r.status for r in rows), any(r.started for r in rows), len(rows)
