"""Dependencies: a check may depend on another check of its project (its parent: a router, a
database host). While the parent, or any ancestor up a chain, is down, the check's down alert is
held: its flip is still recorded, with why in its detail.

Decided at delivery, once per flip, and written on the flip (`dependency`): "alerted", or
"covered" (held) in a transaction that also checks the covering ancestor is still down, so a
parent coming back up at the same moment either sees the cover or the child sees it up. When a
check leaves "down", the covered down flips below it whose every ancestor is now up are
"released" (conditioned on the child still being down) and alerted, once: their problem was not
the parent's. The ping path reads and writes nothing of this.
"""
from datetime import datetime

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.checks import flips
from chalicelib.store.models import Check, Flip

# The longest chain walked, from a check up to its farthest ancestor (and down, for children):
# edits refuse longer chains and cycles, and a cycle slipped in by two racing edits ends here.
MAX_DEPTH = 10
MAX_ATTEMPTS = 10
ALERTED, COVERED, RELEASED = "alerted", "covered", "released"
COVER_NOTE = "not alerted: depends on"


class DependencyError(ValueError):
    """A parent that cannot be: not in the project, the check itself, or one making a cycle."""


# -- configuration ---------------------------------------------------------------------------------


def resolve_parent(project_code: str, check_code: str | None, value: str, project_checks=None) -> str | None:
    """The parent's code for `value` (a check uuid; "" clears it); DependencyError if it cannot be."""
    if value == "":
        return None
    by_code = _by_code(project_checks if project_checks is not None else Check.by_project.query(project_code))
    parent = by_code.get(value)
    if parent is None:
        raise DependencyError("depends_on is not a check of this project")
    if value == check_code:
        raise DependencyError("depends_on cannot be the check itself")
    chain = ancestry(parent.code, by_code)
    if check_code is not None and check_code in chain:
        names = " → ".join(_name(by_code[code]) for code in [check_code, *chain[: chain.index(check_code) + 1]])
        raise DependencyError(f"depends_on would make a cycle: {names}")
    if len(chain) >= MAX_DEPTH:
        raise DependencyError(f"depends_on would make a chain longer than {MAX_DEPTH} checks")
    return parent.code


def ancestry(code: str, by_code: dict) -> list[str]:
    """`code` and the codes above it, nearest first; stops at a missing check, a repeat or MAX_DEPTH."""
    chain = []
    while code and code in by_code and code not in chain and len(chain) < MAX_DEPTH:
        chain.append(code)
        code = by_code[code].depends_on
    return chain


def descendants(code: str, project_checks) -> list[Check]:
    """The checks below `code` (children, their children, ...), at most MAX_DEPTH levels down."""
    by_parent: dict[str, list[Check]] = {}
    for check in project_checks:
        if check.depends_on:
            by_parent.setdefault(check.depends_on, []).append(check)
    found, level, seen = [], [code], {code}
    for _ in range(MAX_DEPTH):
        level = [child for parent in level for child in by_parent.get(parent, ()) if child.code not in seen]
        if not level:
            break
        seen.update(child.code for child in level)
        found += level
        level = [child.code for child in level]
    return found


def parent_choices(check: Check, project_checks: list[Check]) -> list[Check]:
    """The checks `check` may depend on: the project's others, less those below it (a cycle)."""
    below = {c.code for c in descendants(check.code, project_checks)}
    return sorted((c for c in project_checks if c.code != check.code and c.code not in below), key=_name)


def preview(parent: Check | None) -> str:
    """The dashboard's sentence for a choice of parent."""
    if parent is None:
        return "Alerts whenever it goes down, whatever other checks do."
    return f"Won't alert while “{_name(parent)}” is down."


def clear_children(check: Check) -> None:
    """Before `check` goes (deleted, or moved to another project): its children depend on nothing."""
    for child in Check.by_project.query(check.project):
        if child.depends_on == check.code and child.code != check.code:
            try:
                child.update(actions=[Check.depends_on.remove()], condition=Check.depends_on == check.code)
            except UpdateError as e:
                if e.cause_response_code != "ConditionalCheckFailedException":
                    raise  # else: changed meanwhile, no longer this check's child


# -- delivery --------------------------------------------------------------------------------------


def holds(check: Check, flip: Flip) -> bool:
    """Whether a dependency holds this flip's alert; decided once and recorded on the flip.
    Costs nothing for a check that depends on nothing."""
    if not check.depends_on:
        return False
    if flip.new_status == "down":
        return _decide_down(check, flip)
    if flip.new_status == "up":
        return _decide_up(check, flip)
    return False


def _decide_down(check: Check, flip: Flip) -> bool:
    for _ in range(MAX_ATTEMPTS):
        stored = _stored(flip)
        if stored is None:
            return True  # deleted with its check: nothing to alert
        if stored.dependency:
            _copy_decision(stored, flip)
            return stored.dependency == COVERED
        ancestor = first_down_ancestor(check)
        if ancestor is None:
            if _record_alerted(stored):
                flip.dependency = ALERTED
                return False
            continue  # another delivery decided first: follow it
        note = f"{COVER_NOTE} “{_name(ancestor)}”, down since {_since(ancestor, flip.created)}"
        stored.dependency, stored.covered_by = COVERED, ancestor.code
        stored.detail = _with_note(flip.detail, note)
        if _write_decision(stored, Flip.dependency.does_not_exist(), ancestor.code):
            _copy_decision(stored, flip)
            return True
    raise RuntimeError(f"dependency decision on {flip.code} kept racing")


def _decide_up(check: Check, flip: Flip) -> bool:
    """An up flip whose down alert was held (and never released) is held too: nobody was told."""
    went_down = flips.last_down_before(check.code, flip.created)
    if went_down is None or went_down.dependency != COVERED:
        return False
    ancestor = _get(went_down.covered_by)
    note = f"not alerted: its going down was not alerted either (depends on “{_name(ancestor) if ancestor else 'a deleted check'}”)"
    try:
        flip.update(
            actions=[Flip.dependency.set(COVERED), Flip.covered_by.set(went_down.covered_by),
                     Flip.detail.set(_with_note(flip.detail, note))],
            condition=Flip.dependency.does_not_exist(),
        )  # fmt: skip
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise  # else: recorded by an earlier delivery; the answer is the same
    return True


def first_down_ancestor(check: Check) -> Check | None:
    """The nearest ancestor that is down, read consistently; None when every one is up."""
    code, seen = check.depends_on, {check.code}
    for _ in range(MAX_DEPTH):
        if not code or code in seen:
            return None
        seen.add(code)
        ancestor = _get(code)
        if ancestor is None or ancestor.project != check.project:
            return None
        if ancestor.status == "down":
            return ancestor
        code = ancestor.depends_on
    return None


def leaves_down(flip: Flip) -> bool:
    """A flip after which the checks below this one may have to alert what it held."""
    return flip.old_status == "down" and flip.new_status != "down"


def released(check: Check, flip: Flip) -> list[Flip]:
    """The held down flips below `check` to alert now that it left "down" (flip): those whose
    checks are still down with every ancestor up. Again on a repeat, for delivery to finish."""
    if not leaves_down(flip):
        return []
    result = []
    for child in descendants(check.code, Check.by_project.query(check.project)):
        latest = next(iter(Flip.query(child.code, scan_index_forward=False, limit=1, consistent_read=True)), None)
        if latest is None or latest.new_status != "down":
            continue
        if latest.dependency == RELEASED and latest.covered_by == check.code:
            result.append(latest)  # a repeat of this delivery: the claims keep it once per channel
            continue
        fresh = _get(child.code)
        if latest.dependency != COVERED or fresh is None or first_down_ancestor(fresh) is not None:
            continue
        note = f"alerted late: still down after “{_name(check)}” came back up"
        latest.detail = _with_note(_base(latest.detail), note)
        latest.dependency, latest.covered_by = RELEASED, check.code
        # Only while the child is still down: once it is up its up flip is held with the down.
        if _write_decision(latest, Flip.dependency == COVERED, child.code):
            result.append(latest)
    return result


def covered_children(check: Check, project_checks) -> list[Check]:
    """For the alert of `check` going down: the checks below it whose down alerts it holds."""
    return sorted(descendants(check.code, project_checks), key=lambda c: (c.status != "down", _name(c)))


def _write_decision(flip: Flip, condition, down_code: str) -> bool:
    """The flip's decision, if `condition` holds and check `down_code` is still down; False when
    another write won."""
    try:
        with TransactWrite(connection=Flip._get_connection().connection) as both:
            both.update(
                flip,
                actions=[Flip.dependency.set(flip.dependency), Flip.covered_by.set(flip.covered_by),
                         Flip.detail.set(flip.detail)],
                condition=condition,
            )  # fmt: skip
            both.condition_check(Check, down_code, condition=Check.status == "down")
        return True
    except TransactWriteError as e:
        reasons = {reason.code if reason else "None" for reason in e.cancellation_reasons}
        if e.cause_response_code == "TransactionCanceledException" and reasons <= flips.LOST_RACE:
            return False
        raise


def _record_alerted(flip: Flip) -> bool:
    try:
        flip.update(actions=[Flip.dependency.set(ALERTED)], condition=Flip.dependency.does_not_exist())
        return True
    except UpdateError as e:
        if e.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False


def _copy_decision(stored: Flip, flip: Flip) -> None:
    """The decision onto the stream's copy of the flip, which the alert's notice reads."""
    flip.dependency, flip.covered_by, flip.detail = stored.dependency, stored.covered_by, stored.detail


def _stored(flip: Flip) -> Flip | None:
    try:
        return Flip.get(flip.code, flip.created, consistent_read=True)
    except Flip.DoesNotExist:
        return None


def _get(code: str | None) -> Check | None:
    if not code:
        return None
    try:
        return Check.get(code, consistent_read=True)
    except Check.DoesNotExist:
        return None


def _since(ancestor: Check, moment: datetime) -> str:
    """When the ancestor went down, as "14:02 UTC" (with the date when not the same day)."""
    latest = next(iter(Flip.query(ancestor.code, scan_index_forward=False, limit=1, consistent_read=True)), None)
    if latest is None or latest.new_status != "down":
        return "just now"
    fmt = "%H:%M UTC" if latest.created.date() == moment.date() else "%b %-d, %H:%M UTC"
    return latest.created.strftime(fmt)


def _with_note(detail: str | None, note: str) -> str:
    return f"{detail}; {note}" if detail else note


def _base(detail: str | None) -> str | None:
    """The flip's own detail, without the note a cover added."""
    if not detail:
        return None
    base = detail.split(COVER_NOTE)[0].rstrip("; ")
    return base or None


def _by_code(project_checks) -> dict:
    return {c.code: c for c in project_checks}


def _name(check: Check) -> str:
    return check.name or check.code
