"""Field surveys of a centre's access and signage: the answers a municipality worker gives at the door,
the wheelchair and signage values derived from them (and why), and their save through the one write
path of centres, so the centre's values change with a version check and a change set whose source is
the survey.

The wheelchair rules are those of OpenStreetMap's ``wheelchair`` key as Wheelmap asks them:
``yes`` — the entrance has no step (or a ramp), its door is at least 90 cm wide and the main rooms are
step-free; ``limited`` — at most one step of up to 7 cm at the entrance, a narrower door, or main rooms
not all step-free; ``no`` — a step higher than 7 cm with no ramp. A criterion not answered leaves the
value unknown, unless another answer already decides ``no``. An accessible toilet and parking are
recorded beside it (``toilets:wheelchair`` is a key of its own), as OpenStreetMap keeps them.
Signage is ``yes`` with a sign at the junction with the nearest main road and one at the entrance,
``no`` when either is missing, else unknown.

A survey's id is made by the client (a phone that sends it again after losing its signal sends the
same id), so a repeated survey is answered with the one already saved, never saved twice.
"""
import datetime
import json
import math
import re
import uuid

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from . import db, editing, entry, photos

__all__ = ["ANSWERS", "STEP_MAX_CM", "DOOR_MIN_CM", "question_labels", "derive_wheelchair", "derive_signage", "coerce", "save",
           "for_centre", "giving", "public"]

STEP_MAX_CM = 7    # the highest step that still counts as "limited"
DOOR_MIN_CM = 90   # the narrowest entrance door that counts as "yes"
CHOICE = ("yes", "no", "unknown")
ANSWERS = {  # answer: its choices, or (lowest, highest) for a measure in cm
    "entrance": ("step_free", "ramp", "steps", "unknown"),
    "step_height_cm": (0, 100),
    "door_width_cm": (30, 400),
    "rooms_step_free": CHOICE,
    "toilet_wheelchair": CHOICE,
    "parking_wheelchair": CHOICE,
    "sign_at_junction": CHOICE,
    "sign_at_entrance": CHOICE,
    "on_tourism_signposts": CHOICE,
}
MAX_NOTES = 4000
SIGNS = ("sign_at_junction", "sign_at_entrance", "on_tourism_signposts")
SETS = ("wheelchair", "signage", "signage_checked_on", "toilets_wheelchair")  # the centre's fields a survey sets
_RANK = {"no": 0, "limited": 1, "yes": 2}


def question_labels():
    """What each question (and each other field of the survey form) is called, in the page's language."""
    return {"surveyed_on": _("Day of the survey"), "entrance": _("Entrance"),
            "step_height_cm": _("Highest step at the entrance, in cm"),
            "door_width_cm": _("Entrance door width, in cm"), "rooms_step_free": _("Main rooms step-free"),
            "toilet_wheelchair": _("Wheelchair-accessible toilet"),
            "parking_wheelchair": _("Accessible parking near the entrance"),
            "sign_at_junction": _("Sign at the junction with the nearest main road"),
            "sign_at_entrance": _("Sign at the entrance"),
            "on_tourism_signposts": _("On the municipality's tourism signposts"), "notes": _("Notes"),
            "wheelchair_override": _("Wheelchair access, set by the surveyor"),
            "override_reason": _("Why the answers do not give the right value"), "version": _("Version"),
            "id": _("Survey"), "body": _("Survey"), "photos": _("Photos (evidence)")}


def derive_wheelchair(a):
    """(wheelchair value, the reasons for it) from the answers ``a`` (missing answers are unknown)."""
    entrance, step = a.get("entrance", "unknown"), a.get("step_height_cm")
    if entrance == "steps" and step is not None and step > STEP_MAX_CM:
        return "no", [_("the highest step at the entrance is %(cm)s cm, above %(max)d cm, with no ramp",
                        cm=_cm(step), max=STEP_MAX_CM)]
    found, missing = [], []
    if entrance in ("step_free", "ramp"):
        found.append(("yes", _("the entrance has a ramp") if entrance == "ramp" else _("the entrance has no step")))
    elif entrance == "steps" and step is not None:
        found.append(("limited", _("one step of %(cm)s cm at the entrance, %(max)d cm at most",
                                  cm=_cm(step), max=STEP_MAX_CM)))
    else:
        missing.append(_("the height of the entrance step") if entrance == "steps" else _("the entrance"))
    door = a.get("door_width_cm")
    if door is None:
        missing.append(_("the door width"))
    else:
        found.append(("yes" if door >= DOOR_MIN_CM else "limited",
                      _("the door is %(cm)s cm wide", cm=_cm(door)) + (
                          "" if door >= DOOR_MIN_CM else " " + _("(under %(min)d cm)", min=DOOR_MIN_CM))))
    rooms = a.get("rooms_step_free", "unknown")
    if rooms == "unknown":
        missing.append(_("whether the main rooms are step-free"))
    else:
        found.append(("yes", _("the main rooms are step-free")) if rooms == "yes"
                     else ("limited", _("not all main rooms are step-free")))
    if missing:
        return "unknown", [_("not answered: %(what)s", what=", ".join(missing))]
    return min((v for v, _r in found), key=_RANK.get), [r for _v, r in found]


def derive_signage(a):
    """(signage value, reasons) from the answers: both signs there, either missing, or not known."""
    junction, door = a.get("sign_at_junction", "unknown"), a.get("sign_at_entrance", "unknown")
    texts = {"sign_at_junction": _("a sign at the junction with the nearest main road"),
             "sign_at_entrance": _("a sign at the entrance")}
    absent = [texts[k] for k, v in (("sign_at_junction", junction), ("sign_at_entrance", door)) if v == "no"]
    if absent:
        return "no", [_("missing: %(what)s", what=", ".join(absent))]
    if junction == door == "yes":
        return "yes", [_("both signs are there")]
    unknown = [texts[k] for k, v in (("sign_at_junction", junction), ("sign_at_entrance", door)) if v != "yes"]
    return "unknown", [_("not answered: %(what)s", what=", ".join(unknown))]


def _cm(value):  # in the page's language: 6,5 in Latvian and Lithuanian
    return format_decimal(value, "#,##0.#")


def coerce(raw, today=None):
    """A survey from form or JSON input; raises editing.EditError naming each bad field."""
    problems, answers = [], {}
    if not isinstance(raw, dict):
        raise editing.EditError([("body", _("must be an object"))])
    survey_id = raw.get("id") or uuid.uuid4().hex
    if not isinstance(survey_id, str) or not re.fullmatch(r"[0-9a-fA-F-]{32,36}", survey_id):
        problems.append(("id", _("must be a UUID made by the client, e.g. %(example)s", example=uuid.uuid4())))
    given = raw.get("answers") or {}
    if not isinstance(given, dict):
        problems.append(("answers", _("must be an object")))
        given = {}
    for key, value in given.items():
        allowed = ANSWERS.get(key)
        name = f"answers.{key}"
        if allowed is None:
            problems.append((name, _("is not a question of the survey")))
        elif isinstance(allowed[0], int):
            number = _number(value)
            if value in (None, ""):
                continue
            if number is None or not allowed[0] <= number <= allowed[1]:
                problems.append((name, _("%(value)r is not a measure in cm from %(low)d to %(high)d",
                                         value=str(value)[:40], low=allowed[0], high=allowed[1])))
            else:
                answers[key] = number
        elif value in (None, ""):
            continue
        elif value not in allowed:
            problems.append((name, _("must be one of %(choices)s", choices=", ".join(allowed))))
        else:
            answers[key] = value
    day = raw.get("surveyed_on") or (today or datetime.date.today()).isoformat()
    day = entry.iso_date(day) if isinstance(day, str) else ""
    if not entry.is_iso_date(day) or day > (today or datetime.date.today()).isoformat() or day < "2000-01-01":
        problems.append(("surveyed_on", _("%(value)r is not a day from 2000 up to today: write dd.mm.yyyy or "
                                          "YYYY-MM-DD", value=str(raw.get("surveyed_on"))[:40])))
    notes = raw.get("notes") or ""
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        problems.append(("notes", _("must be text of at most %(n)d characters", n=MAX_NOTES)))
    override = raw.get("wheelchair_override") or ""
    reason = (raw.get("override_reason") or "").strip() if isinstance(raw.get("override_reason") or "", str) else None
    if override and override not in ("yes", "limited", "no"):
        problems.append(("wheelchair_override", _("must be one of %(choices)s", choices="yes, limited, no")))
    if reason is None or len(reason or "") > MAX_NOTES:
        problems.append(("override_reason", _("must be text of at most %(n)d characters", n=MAX_NOTES)))
    elif override and not reason:
        problems.append(("override_reason", _("say why the derived value is overridden")))
    if problems:
        raise editing.EditError(problems)
    return {"id": survey_id.lower().replace("-", ""), "surveyed_on": day, "answers": answers,
            "notes": notes.strip(), "wheelchair_override": override, "override_reason": reason or ""}


def _number(value):
    """A finite number from JSON or typed text (a decimal comma too), else None."""
    if isinstance(value, str):  # "92 cm", "5cm" and "1 200" as people type them
        text = re.sub(r"\s*cm\s*$", "", value[:40].strip(), flags=re.I)
        value = entry.decimal(re.sub(r"(?<=\d)[\s\u00a0](?=\d{3}\b)", "", text))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def save(user, centre_id, raw, expected_version, evidence=()):
    """Save a survey, its photos (``evidence``: prepared photos.prepare() results with "public" and
    "caption") and the centre's values it gives, in one transaction; (survey, created).

    A survey whose id is saved already is returned as it is (created False), whatever version is sent:
    the phone sending it again did not see the first answer."""
    editing.centre_for(user, "edit", centre_id)
    survey = coerce(raw)
    try:
        return _save_in(user, centre_id, survey, expected_version, evidence), True
    except (sa.exc.IntegrityError, editing.Conflict):  # the same survey, sent twice at once: one saved it
        with db.engine().connect() as conn:
            known = _row(conn, survey["id"])
        if known is not None and known["centre_id"] == centre_id:
            return known, False
        raise


def _save_in(user, centre_id, survey, expected_version, evidence):
    with db.transaction() as conn:
        known = _row(conn, survey["id"])
        if known is not None:
            if known["centre_id"] != centre_id:
                raise editing.EditError([("id", _("this id belongs to a survey of another centre"))])
            raise editing.Conflict(editing.current_in(conn, centre_id))  # answered with the saved one
        current = editing.current_in(conn, centre_id)
        version = current["version"] if expected_version == editing.ANY_VERSION else expected_version
        derived, why = derive_wheelchair(survey["answers"])
        signage, signage_why = derive_signage(survey["answers"])
        wheelchair = survey["wheelchair_override"] or derived
        changes = {}
        # a survey that leaves a criterion unanswered does not undo what was known before it
        if wheelchair != "unknown":
            changes["wheelchair"] = wheelchair
        if signage != "unknown":
            changes["signage"] = signage
        if any(survey["answers"].get(k, "unknown") != "unknown" for k in SIGNS):  # the signs were looked at
            changes["signage_checked_on"] = survey["surveyed_on"]
        if survey["answers"].get("toilet_wheelchair", "unknown") != "unknown":
            changes["toilets_wheelchair"] = survey["answers"]["toilet_wheelchair"]
        new_version = editing.save_in(conn, current, changes, version, user["email"], survey=survey["id"])
        row = survey | {"centre_id": centre_id, "surveyed_by": user["email"], "answers": survey["answers"],
                        "wheelchair": wheelchair, "wheelchair_derived": derived, "wheelchair_reasons": why,
                        "signage": signage, "signage_reasons": signage_why, "centre_version": new_version}
        conn.execute(db.surveys.insert().values(**_stored(row)))
        for photo in evidence:
            photos.insert(conn, centre_id, photo, user["email"], photo["public"], photo.get("caption", ""), survey["id"])
    return _row_of(row)


def _stored(row):
    return {"id": row["id"], "centre_id": row["centre_id"], "surveyed_on": row["surveyed_on"],
            "surveyed_by": row["surveyed_by"], "answers": json.dumps(row["answers"], sort_keys=True),
            "notes": row["notes"], "wheelchair": row["wheelchair"], "wheelchair_derived": row["wheelchair_derived"],
            "override_reason": row["override_reason"], "signage": row["signage"],
            "centre_version": row["centre_version"]}


def _row_of(row):
    """A stored survey as the API and the pages read it: the reasons are derived again, in their language."""
    answers = row["answers"] if isinstance(row["answers"], dict) else json.loads(row["answers"] or "{}")
    return {"id": row["id"], "centre_id": row["centre_id"], "surveyed_on": row["surveyed_on"],
            "surveyed_by": row["surveyed_by"], "answers": answers, "notes": row["notes"],
            "wheelchair": row["wheelchair"], "wheelchair_derived": row["wheelchair_derived"],
            "wheelchair_reasons": derive_wheelchair(answers)[1], "override_reason": row["override_reason"],
            "signage": row["signage"], "signage_reasons": derive_signage(answers)[1],
            "centre_version": row["centre_version"],
            "recorded_at": row["recorded_at"].isoformat() if row.get("recorded_at") else None}


def _row(conn, survey_id):
    found = conn.execute(sa.select(db.surveys).where(db.surveys.c.id == survey_id)).first()
    return _row_of(dict(found._mapping)) if found else None


def for_centre(centre_id):
    """Every survey of a centre, the last saved first (the order in which they set the centre's values)."""
    with db.engine().connect() as conn:
        rows = conn.execute(sa.select(db.surveys).where(db.surveys.c.centre_id == centre_id)
                            .order_by(db.surveys.c.centre_version.desc()))
        return [_row_of(dict(r._mapping)) for r in rows]


def giving(found, field):
    """Of a centre's surveys (``for_centre``), the last saved that gave ``field`` (wheelchair or signage) a
    known value, or None."""
    return next((s for s in found if s[field] != "unknown"), None)


def public(survey):
    """A survey as anyone may read it: who surveyed is an account's e-mail, kept to those who edit."""
    return {k: v for k, v in survey.items() if k != "surveyed_by"}
