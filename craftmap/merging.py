"""Two people saved one centre: a three-way merge of the form's changes with the colleague's, as uMap
merges the features of a layer.

The base is the centre as the form was loaded (its starting version), rebuilt from the change
history rather than trusted from hidden fields; theirs is what is stored now; yours is what was
typed. A field (or the location, as one unit) that only one side changed merges by itself; one that
both changed to different values waits for the editor's choice. The merged values are saved against
the current version through editing's one write path. The API does not merge: it keeps If-Match.
"""
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import db, editing
from .changesets import unit_of

__all__ = ["NeedsChoice", "Merged", "base_at", "three_way", "save_merging", "THEIRS", "YOURS"]

THEIRS, YOURS = "theirs", "yours"


@dataclass
class Unit:
    """One field (or the location) that both sides changed: values per field and who saved theirs."""
    key: str
    base: dict
    theirs: dict
    yours: dict
    by: str = ""
    at: object = None


@dataclass
class Merged:
    changes: dict = field(default_factory=dict)    # what to write over the current state
    visitors: dict = field(default_factory=dict)
    theirs: list = field(default_factory=list)     # units only the colleague changed, kept: [(key, by, at)]
    conflicts: list = field(default_factory=list)  # Units still waiting for a choice


class NeedsChoice(editing.Conflict):
    """Both sides changed a field differently; ``merged.conflicts`` lists them, nothing was saved."""

    def __init__(self, current, merged, unanswered):
        super().__init__(current)
        self.merged, self.unanswered = merged, unanswered


def _state(current, visitors):
    return {f: current[f] for f in editing.EDITABLE} | {f"visitors_{y}": n for y, n in visitors.items()}


def base_at(conn, current, version):
    """(the centre's values at ``version`` rebuilt from its history, {field: (by, at) of its last change
    since}); (None, {}) when no such version can be rebuilt (garbled, from the future)."""
    if not isinstance(version, int) or not 1 <= version < current["version"]:
        return None, {}
    rows = conn.execute(sa.select(db.changes).where(db.changes.c.centre_id == current["id"],
                                                    db.changes.c.version > version).order_by(db.changes.c.id))
    base, authors = _state(current, db.visitors(current["id"], conn)), {}
    for row in rows:
        base.setdefault(row.field, None)
        if row.field not in authors:
            base[row.field] = editing.typed(row.field, row.old)
        authors[row.field] = (row.by, row.at)
    return base, authors


def _units(names):
    units = {}
    for name in names:
        units.setdefault(unit_of(name), []).append(name)
    return units


def _differs(names, a, b):
    return any(not editing.same(f, a.get(f), b.get(f)) for f in names)


def _author(names, authors):
    """(by, at) of the newest change since the base to any of ``names``."""
    known = [authors[f] for f in names if f in authors] or [("", None)]
    return max(known, key=lambda a: (a[1] is not None, a[1] or 0))


def three_way(base, theirs, yours, authors, choices):
    """Merge ``yours`` ({field: typed value} as the form carries them) into ``theirs`` (stored now)
    against ``base`` (None: not known, so every difference waits for a choice).

    ``authors``: {field: (by, at)} of the colleague's changes; ``choices``: {unit: THEIRS or YOURS}.
    """
    merged, start = Merged(), base or {}
    for key, names in _units(yours).items():
        you = base is None or _differs(names, start, yours)
        they = base is None or _differs(names, start, theirs)
        clash = you and they and _differs(names, theirs, yours)
        choice = choices.get(key) if clash else None
        if clash and choice not in (THEIRS, YOURS):
            merged.conflicts.append(Unit(key, None if base is None else {f: start.get(f) for f in names},
                                         {f: theirs.get(f) for f in names}, {f: yours.get(f) for f in names},
                                         *_author(names, authors)))
        elif you and choice != THEIRS:
            for f in names:
                (merged.visitors if f.startswith("visitors_") else merged.changes)[f] = yours.get(f)
        elif they and base is not None:
            merged.theirs.append((key, *_author(names, authors)))
    return merged


def save_merging(user, centre_id, raw, raw_visitors, start_version, seen_version=None, choices=None):
    """Save a form that started at ``start_version``. If the centre moved on since, merge with what was
    saved meanwhile and save the merge against the current version; ``choices`` answer the fields both
    changed, valid only while the centre is still at ``seen_version`` (the version they were shown at).

    Returns (new version, Merged or None when there was nothing to merge); raises NeedsChoice, EditError.
    """
    centre = editing.centre_for(user, "edit", centre_id)
    changes, visitors = editing.coerce_edit(raw, raw_visitors, centre)
    with db.transaction() as conn:
        current = editing.current_in(conn, centre_id)
        if current["version"] == start_version:
            return editing.save_in(conn, current, changes, start_version, user["email"], visitors), None
        theirs = _state(current, db.visitors(centre_id, conn))
        base, authors = base_at(conn, current, start_version)
        answered = (choices or {}) if seen_version == current["version"] else {}
        yours = changes | {f"visitors_{y}": n for y, n in visitors.items()}
        merged = three_way(base, theirs, yours, authors, answered)
        if merged.conflicts:
            raise NeedsChoice(current, merged, unanswered=seen_version == current["version"])
        visits = {int(f[len("visitors_"):]): n for f, n in merged.visitors.items()}
        return editing.save_in(conn, current, merged.changes, current["version"], user["email"], visits), merged
